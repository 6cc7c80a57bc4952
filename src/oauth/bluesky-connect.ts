import type { ServerResponse } from 'node:http';
import { findWorkspace } from '../db/workspaces.ts';
import { NetworkError, type Credentials } from '../networks/adapter.ts';
import { createBlueskySession } from '../networks/bluesky.ts';
import { str } from '../networks/http.ts';
import { completeConnect } from './complete-connect.ts';
import { addressProblem } from '../workflow/outbound-checks.ts';
import { checkLink, normalizeServerUrl, type ConnectContext } from './context.ts';
import { getJson } from './exchange.ts';
import { blueskyForm, connectedPage, refusedPage } from './pages.ts';

/**
 * POST /connect/bluesky (the form: handle, app password, server). Bluesky is connected with an app password:
 * com.atproto.server.createSession on the server gives the session JWTs Greenlight stores (encrypted); the
 * app password itself is never stored or logged.
 */
export async function submitBluesky(ctx: ConnectContext, form: URLSearchParams, res: ServerResponse): Promise<void> {
  const token = form.get('t') ?? '';
  const link = await checkLink(ctx, 'bluesky', token, null);
  if (!link.ok) return refusedPage(res, link.status, link.title, link.reason);
  const identifier = (form.get('identifier') ?? '').trim().replace(/^@/, '').slice(0, 253);
  const password = form.get('password') ?? '';
  const typedService = (form.get('service') ?? '').slice(0, 300);
  const service = normalizeServerUrl(ctx, typedService);
  const again = (problem: string) => blueskyForm(res, token, typedService || ctx.oauth.bluesky.serviceUrl, problem, identifier);
  if (!identifier || !password) return again('Enter your handle and an app password.');
  if (!service) return again('Enter the address of your Bluesky server, such as https://bsky.social.');
  const problem = await addressProblem(service);
  if (problem) return again(`${service} ${problem}: Greenlight only signs in to public servers.`);
  let credentials: Credentials;
  try {
    credentials = await createBlueskySession({ identifier, password, serviceUrl: service, timeoutMs: ctx.http.timeoutMs });
  } catch (err) {
    if (!(err instanceof NetworkError)) throw err;
    ctx.deps.log.warn({ network: 'bluesky', status: err.status, networkCode: err.networkCode }, 'bluesky sign-in refused');
    // Our own words only: the server's answer is not shown (it may be any page the address leads to).
    const words =
      err.errorClass === 'auth'
        ? 'Check the handle and the app password.'
        : err.networkCode === 'outbound_refused'
          ? `the server ${err.message.replace(/^[^:]*: [^ ]+ /, '')}.`
          : err.status
            ? `the server answered HTTP ${err.status}.`
            : 'the server could not be reached.';
    return again(`Bluesky did not accept the sign-in: ${words}`);
  }
  const { accessToken, refreshToken, expiresAt } = credentials;
  const tokens = { accessToken, ...(refreshToken ? { refreshToken } : {}), ...(expiresAt ? { expiresAt } : {}) };
  const handle = await sessionHandle(ctx, credentials);
  const identity = { externalAccountId: credentials.accountId, displayName: `@${handle ?? identifier}`, credentials: tokens };
  const done = await completeConnect(ctx.deps, {
    ...link.claims,
    identity,
    instanceUrl: credentials.instanceUrl ?? service,
    boundAccountId: link.claims.accountId,
  });
  if (!done.ok)
    return refusedPage(
      res,
      409,
      'That is a different Bluesky account',
      `This Reconnect link is for ${done.expected}, but you signed in as ${identity.displayName}. Nothing was changed.`,
    );
  const workspace = await findWorkspace(ctx.deps.db, link.claims.workspaceId);
  connectedPage(res, {
    label: 'Bluesky',
    displayName: done.account.display_name,
    chat: workspace?.chat ?? 'slack',
    resumed: done.resumed,
    waiting: done.waiting,
    late: done.late,
  });
}

/** The account's handle as the server knows it (com.atproto.server.getSession); undefined if it will not say. */
async function sessionHandle(ctx: ConnectContext, credentials: Credentials): Promise<string | undefined> {
  const base = credentials.instanceUrl;
  if (!base) return undefined;
  try {
    const json = await getJson('bluesky', ctx.http, `${base}/xrpc/com.atproto.server.getSession`, credentials, 'session lookup');
    return str(json.handle);
  } catch {
    return undefined;
  }
}
