import type { ServerResponse } from 'node:http';
import { newWebhookSecret } from '../crypto/webhook-signature.ts';
import { findWorkspace } from '../db/workspaces.ts';
import { parseWebhookUrl } from '../domain/webhook-url.ts';
import { addressProblem } from '../workflow/outbound-checks.ts';
import { completeConnect } from './complete-connect.ts';
import { checkLink, type ConnectContext } from './context.ts';
import { html, refusedPage, sendPage } from './pages.ts';

/**
 * The webhook network has no sign-in: the admin gives the URL of their blog or CMS, Greenlight makes a
 * signing secret and shows it once, on the page that confirms the connection (it is stored encrypted and
 * never shown again; connecting the same URL again makes a new one).
 */
export function webhookForm(res: ServerResponse, token: string, problem?: string, url = ''): void {
  sendPage(
    res,
    problem ? 400 : 200,
    'Connect a webhook',
    html`${problem ? html`<p class="error">${problem}</p>` : ''}
<form method="post" action="/connect/webhook" autocomplete="off"><input type="hidden" name="t" value="${token}">
<label for="url">Your endpoint</label><input id="url" name="url" type="url" required placeholder="https://blog.example.com/hooks/greenlight" value="${url}">
<p class="muted">Greenlight will POST each approved post there as signed JSON. The next page shows the signing secret, once.</p>
<button type="submit">Connect</button></form>`,
  );
}

/** POST /connect/webhook: stores the account (URL, new secret encrypted) and shows the secret once. */
export async function submitWebhook(ctx: ConnectContext, form: URLSearchParams, res: ServerResponse): Promise<void> {
  const token = form.get('t') ?? '';
  const link = await checkLink(ctx, 'webhook', token, null);
  if (!link.ok) return refusedPage(res, link.status, link.title, link.reason);
  const typed = (form.get('url') ?? '').slice(0, 2100);
  const parsed = parseWebhookUrl(typed, { allowPlainHttp: ctx.allowPlainHttp });
  if (!parsed.ok) return webhookForm(res, token, parsed.message, typed);
  const problem = await addressProblem(parsed.url);
  if (problem) return webhookForm(res, token, `That URL ${problem}: Greenlight only posts to public addresses.`, typed);
  const secret = newWebhookSecret();
  const where = new URL(parsed.url);
  const identity = {
    externalAccountId: parsed.url,
    displayName: `${where.host}${where.pathname === '/' ? '' : where.pathname}`,
    credentials: { accessToken: secret },
  };
  const done = await completeConnect(ctx.deps, { ...link.claims, identity, instanceUrl: parsed.url, boundAccountId: link.claims.accountId });
  if (!done.ok) return refusedPage(res, 409, 'That is a different webhook', `This Reconnect link is for ${done.expected}. Nothing was changed.`);
  const workspace = await findWorkspace(ctx.deps.db, link.claims.workspaceId);
  const chat = workspace?.chat === 'discord' ? 'Discord' : 'Slack';
  sendPage(
    res,
    200,
    `Connected Webhook as ${done.account.display_name}`,
    html`<p>Connected. Posts sent to this webhook are signed with this secret:</p>
<p><code id="secret">${secret}</code></p>
<p class="muted">Copy it now into your receiver: it is not shown again. Each request carries <code>Greenlight-Signature: t=…,v1=…</code> (HMAC-SHA256 of <code>t.body</code>) and <code>Idempotency-Key</code>; see docs/webhooks.md. You can return to ${chat}.</p>`,
  );
}
