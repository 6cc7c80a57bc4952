import type { ServerResponse } from 'node:http';
import { findOauthClient, saveOauthClient, type OauthClient } from '../db/oauth-clients.ts';
import { NetworkError } from '../networks/adapter.ts';
import { makeError, str } from '../networks/http.ts';
import { addressProblem } from '../workflow/outbound-checks.ts';
import { checkLink, normalizeServerUrl, type ConnectContext } from './context.ts';
import { callJson } from './exchange.ts';
import { mastodonForm, refusedPage, sendRedirect } from './pages.ts';
import { MASTODON_SCOPES, mastodonProvider, redirectUriFor } from './providers.ts';
import { beginAuthorization } from './start-flow.ts';
import { findAccount } from '../db/accounts.ts';

/**
 * POST /connect/mastodon (the form: which server). Greenlight registers an app on the instance once (POST
 * /api/v1/apps, kept encrypted in oauth_clients), then sends the browser to the instance's authorize page.
 */
export async function submitMastodon(ctx: ConnectContext, form: URLSearchParams, res: ServerResponse): Promise<void> {
  const token = form.get('t') ?? '';
  const link = await checkLink(ctx, 'mastodon', token, null);
  if (!link.ok) return refusedPage(res, link.status, link.title, link.reason);
  const typed = (form.get('instance') ?? '').slice(0, 300);
  const instance = normalizeServerUrl(ctx, typed);
  if (!instance) return mastodonForm(res, token, 'Enter the address of your Mastodon server, such as https://mastodon.social.', typed);
  const problem = await addressProblem(instance);
  if (problem) return mastodonForm(res, token, `${instance} ${problem}: Greenlight only connects to public servers.`, typed);
  const bound = await boundInstance(ctx, link.claims.accountId);
  if (bound !== undefined && bound !== instance) return mastodonForm(res, token, `This Reconnect link is for an account on ${bound}.`, typed);
  let client: OauthClient;
  try {
    client = await mastodonClient(ctx, instance);
  } catch (err) {
    if (!(err instanceof NetworkError)) throw err;
    ctx.deps.log.warn({ network: 'mastodon', instance, status: err.status, networkCode: err.networkCode }, 'mastodon app registration failed');
    // Our own words only: the server's answer is not shown (it may be any page the address leads to).
    const why =
      err.networkCode === 'outbound_refused' ? err.message.replace(/^[^:]*: /, '') : err.status ? `it answered HTTP ${err.status}` : 'it could not be reached';
    return mastodonForm(res, token, `${instance} did not register Greenlight: ${why}.`, typed);
  }
  sendRedirect(res, await beginAuthorization(ctx, mastodonProvider(instance, client), link.claims, instance));
}

async function boundInstance(ctx: ConnectContext, accountId: string | undefined): Promise<string | undefined> {
  if (!accountId) return undefined;
  const account = await findAccount(ctx.deps.db, accountId);
  return account?.instance_url ?? undefined;
}

/** The app registered on this instance for the current redirect URI, registering it the first time. */
export async function mastodonClient(ctx: ConnectContext, instance: string): Promise<OauthClient> {
  const { db, cipher, publicUrl } = ctx.deps;
  const redirectUri = redirectUriFor(publicUrl, 'mastodon');
  const known = await findOauthClient(db, cipher, 'mastodon', instance);
  if (known?.redirectUri === redirectUri) return known;
  const body = new URLSearchParams({ client_name: 'Greenlight', redirect_uris: redirectUri, scopes: MASTODON_SCOPES, website: publicUrl });
  const json = await callJson('mastodon', ctx.http, {
    method: 'POST',
    url: `${instance}/api/v1/apps`,
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: body.toString(),
    signal: AbortSignal.timeout(ctx.http.timeoutMs + 1_000),
    what: 'app registration',
  });
  const clientId = str(json.client_id);
  const clientSecret = str(json.client_secret);
  if (!clientId || !clientSecret)
    throw makeError('mastodon', [clientSecret ?? ''], { errorClass: 'permanent', message: 'the server answered without client credentials' });
  await saveOauthClient(db, cipher, 'mastodon', instance, { clientId, clientSecret, redirectUri }, known !== undefined);
  // Re-read: a registration racing this one may have been stored first, and flows use what is stored.
  return (await findOauthClient(db, cipher, 'mastodon', instance))!;
}
