import type { ServerResponse } from 'node:http';
import type { Chat } from '../db/schema.ts';

/**
 * The few pages the connect flow shows in the browser, built with the shared page helper (src/http/page.ts).
 * Forms carry the signed link token, which is also what makes them CSRF-safe (nobody else can make a valid one).
 */

export { escapeHtml, html, SafeHtml, sendPage, sendRedirect } from '../http/page.ts';
import { html, sendPage } from '../http/page.ts';

const chatName = (chat: Chat) => (chat === 'discord' ? 'Discord' : 'Slack');

export function connectedPage(
  res: ServerResponse,
  o: { label: string; displayName: string; chat: Chat; note?: string | undefined; resumed: number; waiting: number; late: number },
): void {
  const after = [
    o.resumed > 0 ? html`<p>${o.resumed} held ${o.resumed === 1 ? 'post continues' : 'posts continue'} now.</p>` : '',
    o.waiting > 0 ? html`<p>${o.waiting} failed ${o.waiting === 1 ? 'post waits' : 'posts wait'} for Retry in ${chatName(o.chat)}.</p>` : '',
    o.late > 0
      ? html`<p>${o.late} held ${o.late === 1 ? 'post is' : 'posts are'} long past ${o.late === 1 ? 'its' : 'their'} time: ${o.late === 1 ? 'its thread asks' : 'their threads ask'} in ${chatName(o.chat)} whether to publish late.</p>`
      : '',
  ];
  sendPage(
    res,
    200,
    `Connected ${o.label} as ${o.displayName}`,
    html`<p>Connected. You can return to ${chatName(o.chat)}.</p>${o.note ? html`<p class="muted">${o.note}</p>` : ''}${after}`,
  );
}

/** A refusal: what happened, and how to start again. */
export function refusedPage(
  res: ServerResponse,
  status: number,
  title: string,
  reason: string,
  again = 'Run `/greenlight connect <network>` in chat for a new link.',
): void {
  sendPage(res, status, title, html`<p>${reason}</p><p class="muted">${again}</p>`);
}

export function notConfiguredPage(res: ServerResponse, label: string, missing: string[], redirectUri: string): void {
  const vars = missing.map((v, i) => html`${i > 0 ? (i === missing.length - 1 ? ' and ' : ', ') : ''}<code>${v}</code>`);
  sendPage(
    res,
    503,
    `${label} is not set up on this Greenlight`,
    html`<p>This server has no ${label} app configured. An operator sets ${vars} (from the ${label} developer portal) and restarts Greenlight.</p><p class="muted">The app's redirect URI must be exactly <code>${redirectUri}</code></p>`,
  );
}

/** The network sent the browser back with an error instead of a code: shown as the network said it. */
export function providerErrorPage(res: ServerResponse, label: string, error: string, description: string | undefined): void {
  const denied = error === 'access_denied';
  const title = denied ? `${label} was not connected` : `${label} reported an error`;
  const lead = denied ? `${label} says access was denied: nothing was connected.` : `${label} answered the sign-in with an error.`;
  sendPage(
    res,
    400,
    title,
    html`<p>${lead}</p><p><strong>${error}</strong>${description ? html`: ${description}` : ''}</p><p class="muted">Run the connect command in chat again to retry.</p>`,
  );
}

export function mastodonForm(res: ServerResponse, token: string, problem?: string, instance = ''): void {
  sendPage(
    res,
    problem ? 400 : 200,
    'Connect Mastodon',
    html`${problem ? html`<p class="error">${problem}</p>` : ''}
<form method="post" action="/connect/mastodon"><input type="hidden" name="t" value="${token}">
<label for="instance">Your Mastodon server</label><input id="instance" name="instance" type="url" required placeholder="https://mastodon.social" value="${instance}">
<p class="muted">Greenlight registers itself on the server once, then sends you there to sign in.</p>
<button type="submit">Continue</button></form>`,
  );
}

export function blueskyForm(res: ServerResponse, token: string, serviceUrl: string, problem?: string, identifier = ''): void {
  sendPage(
    res,
    problem ? 400 : 200,
    'Connect Bluesky',
    html`${problem ? html`<p class="error">${problem}</p>` : ''}
<form method="post" action="/connect/bluesky" autocomplete="off"><input type="hidden" name="t" value="${token}">
<label for="identifier">Handle</label><input id="identifier" name="identifier" required placeholder="yourname.bsky.social" value="${identifier}">
<label for="password">App password</label><input id="password" name="password" type="password" required placeholder="xxxx-xxxx-xxxx-xxxx">
<p class="muted">Create an app password in Bluesky under Settings → Privacy and security → App passwords. Never your main password.</p>
<label for="service">Server</label><input id="service" name="service" type="url" required value="${serviceUrl}">
<button type="submit">Connect</button></form>`,
  );
}
