import type { ServerResponse } from 'node:http';
import type { Chat } from '../db/schema.ts';

/**
 * The few pages the connect flow shows in the browser: small, server-rendered, no script. Every value is
 * escaped by the `html` tag; forms carry the signed link token, which is also what makes them CSRF-safe
 * (nobody else can make a valid one).
 */

export class SafeHtml {
  readonly value: string;
  constructor(value: string) {
    this.value = value;
  }
}

export function escapeHtml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#39;');
}

/** A template whose interpolations are escaped unless they are SafeHtml (or arrays of it). */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}

function render(value: unknown): string {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === undefined || value === null || value === false) return '';
  return escapeHtml(String(value));
}

const HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  // The link token sits in the URL: never send it on as a referrer.
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'",
};

const STYLE = 'body{font:16px/1.5 system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;color:#1d1d1f}'
  + 'h1{font-size:1.4rem}label{display:block;margin:1rem 0 .25rem}input{width:100%;padding:.5rem;font:inherit;box-sizing:border-box}'
  + 'button{margin-top:1.25rem;padding:.5rem 1.25rem;font:inherit}.error{color:#b00020}.muted{color:#666;font-size:.9rem}';

export function sendPage(res: ServerResponse, status: number, title: string, body: SafeHtml): void {
  const page = html`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex"><title>${title} · Greenlight</title><style>${new SafeHtml(STYLE)}</style></head><body><h1>${title}</h1>${body}</body></html>`;
  res.writeHead(status, HEADERS);
  res.end(page.value);
}

export function sendRedirect(res: ServerResponse, location: string): void {
  res.writeHead(302, { location, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
  res.end();
}

const chatName = (chat: Chat) => (chat === 'discord' ? 'Discord' : 'Slack');

export function connectedPage(res: ServerResponse, o: { label: string; displayName: string; chat: Chat; note?: string | undefined; resumed: number; waiting: number; late: number }): void {
  const after = [
    o.resumed > 0 ? html`<p>${o.resumed} held ${o.resumed === 1 ? 'post continues' : 'posts continue'} now.</p>` : '',
    o.waiting > 0 ? html`<p>${o.waiting} failed ${o.waiting === 1 ? 'post waits' : 'posts wait'} for Retry in ${chatName(o.chat)}.</p>` : '',
    o.late > 0 ? html`<p>${o.late} held ${o.late === 1 ? 'post is' : 'posts are'} long past ${o.late === 1 ? 'its' : 'their'} time: ${o.late === 1 ? 'its thread asks' : 'their threads ask'} in ${chatName(o.chat)} whether to publish late.</p>` : '',
  ];
  sendPage(res, 200, `Connected ${o.label} as ${o.displayName}`, html`<p>Connected. You can return to ${chatName(o.chat)}.</p>${o.note ? html`<p class="muted">${o.note}</p>` : ''}${after}`);
}

/** A refusal: what happened, and how to start again. */
export function refusedPage(res: ServerResponse, status: number, title: string, reason: string, again = 'Run `/greenlight connect <network>` in chat for a new link.'): void {
  sendPage(res, status, title, html`<p>${reason}</p><p class="muted">${again}</p>`);
}

export function notConfiguredPage(res: ServerResponse, label: string, missing: string[], redirectUri: string): void {
  const vars = missing.map((v, i) => html`${i > 0 ? (i === missing.length - 1 ? ' and ' : ', ') : ''}<code>${v}</code>`);
  sendPage(res, 503, `${label} is not set up on this Greenlight`, html`<p>This server has no ${label} app configured. An operator sets ${vars} (from the ${label} developer portal) and restarts Greenlight.</p><p class="muted">The app's redirect URI must be exactly <code>${redirectUri}</code></p>`);
}

/** The network sent the browser back with an error instead of a code: shown as the network said it. */
export function providerErrorPage(res: ServerResponse, label: string, error: string, description: string | undefined): void {
  const denied = error === 'access_denied';
  const title = denied ? `${label} was not connected` : `${label} reported an error`;
  const lead = denied ? `${label} says access was denied: nothing was connected.` : `${label} answered the sign-in with an error.`;
  sendPage(res, 400, title, html`<p>${lead}</p><p><strong>${error}</strong>${description ? html`: ${description}` : ''}</p><p class="muted">Run the connect command in chat again to retry.</p>`);
}

export function mastodonForm(res: ServerResponse, token: string, problem?: string, instance = ''): void {
  sendPage(res, problem ? 400 : 200, 'Connect Mastodon', html`${problem ? html`<p class="error">${problem}</p>` : ''}
<form method="post" action="/connect/mastodon"><input type="hidden" name="t" value="${token}">
<label for="instance">Your Mastodon server</label><input id="instance" name="instance" type="url" required placeholder="https://mastodon.social" value="${instance}">
<p class="muted">Greenlight registers itself on the server once, then sends you there to sign in.</p>
<button type="submit">Continue</button></form>`);
}

export function blueskyForm(res: ServerResponse, token: string, serviceUrl: string, problem?: string, identifier = ''): void {
  sendPage(res, problem ? 400 : 200, 'Connect Bluesky', html`${problem ? html`<p class="error">${problem}</p>` : ''}
<form method="post" action="/connect/bluesky" autocomplete="off"><input type="hidden" name="t" value="${token}">
<label for="identifier">Handle</label><input id="identifier" name="identifier" required placeholder="yourname.bsky.social" value="${identifier}">
<label for="password">App password</label><input id="password" name="password" type="password" required placeholder="xxxx-xxxx-xxxx-xxxx">
<p class="muted">Create an app password in Bluesky under Settings → Privacy and security → App passwords. Never your main password.</p>
<label for="service">Server</label><input id="service" name="service" type="url" required value="${serviceUrl}">
<button type="submit">Connect</button></form>`);
}
