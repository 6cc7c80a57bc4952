import type { ServerResponse } from 'node:http';
import { findOauthClient } from '../db/oauth-clients.ts';
import { consumeOauthState, verifierAad, type ConsumedState, type RefusedState } from '../db/oauth-states.ts';
import { findWorkspace } from '../db/workspaces.ts';
import type { Network } from '../domain/networks.ts';
import { NetworkError } from '../networks/adapter.ts';
import { completeConnect } from './complete-connect.ts';
import { labelOf, stateSecretOf, type ConnectContext } from './context.ts';
import { exchangeCode } from './exchange.ts';
import { identify } from './identity.ts';
import { connectedPage, providerErrorPage, refusedPage } from './pages.ts';
import { offerPick } from './pick-accounts.ts';
import { configuredProvider, isOAuthNetwork, mastodonProvider, redirectUriFor, type Provider } from './providers.ts';
import { verifyState, type VerifiedState } from '../crypto/signed-state.ts';

/**
 * GET /oauth/callback/<network>?code&state (or ?error&error_description&state). The state must be ours
 * (signature), fresh (its exp and the row's expires_at) and unused (the row is marked used atomically)
 * before the code is exchanged; then the account is looked up and stored.
 */
export async function oauthCallback(ctx: ConnectContext, network: Network, url: URL, res: ServerResponse): Promise<void> {
  const q = url.searchParams;
  const label = labelOf(network);
  const claims = checkState(ctx, network, q.get('state'), res);
  if (!claims) return;
  const consumed = await consumeOauthState(ctx.deps.db, claims);
  if (typeof consumed === 'string') return refuseConsumed(res, label, consumed);
  const error = q.get('error');
  if (error) return providerErrorPage(res, label, error.slice(0, 200), q.get('error_description')?.slice(0, 1000) ?? undefined);
  const code = q.get('code');
  if (!code) return refusedPage(res, 400, `${label} sent no code`, `${label} came back without an authorization code, so nothing was connected.`);
  const provider = await providerFor(ctx, network, consumed);
  if (!provider) return refusedPage(res, 503, `${label} is not set up on this Greenlight`, `The ${label} app configuration changed during the sign-in.`);
  try {
    const verifier = consumed.codeVerifier ? ctx.deps.cipher.decrypt(consumed.codeVerifier, verifierAad(consumed.nonce)) : undefined;
    const tokens = await exchangeCode(provider, { code, redirectUri: redirectUriFor(ctx.deps.publicUrl, network), verifier }, ctx.http);
    const identity = await identify(provider, tokens, ctx.http);
    // Several accounts (organization pages, Facebook Pages): the person picks (not on a Reconnect link, which names one).
    if (identity.choices && identity.choices.length > 1 && !consumed.accountId) return offerPick(ctx, claims, network, identity.choices, res);
    const done = await completeConnect(ctx.deps, { ...claims, identity, instanceUrl: consumed.instanceUrl ?? undefined, boundAccountId: consumed.accountId });
    if (!done.ok) return wrongAccount(res, label, done.expected, identity.displayName);
    const workspace = await findWorkspace(ctx.deps.db, claims.workspaceId);
    connectedPage(res, {
      label,
      displayName: done.account.display_name,
      chat: workspace?.chat ?? 'slack',
      note: identity.note,
      resumed: done.resumed,
      waiting: done.waiting,
      late: done.late,
    });
  } catch (err) {
    if (!(err instanceof NetworkError)) throw err;
    ctx.deps.log.warn(
      { workspaceId: claims.workspaceId, network, status: err.status, networkCode: err.networkCode, message: err.message },
      'connect flow: the network refused',
    );
    refusedPage(
      res,
      502,
      `${label} did not complete the sign-in`,
      `${label} said: ${err.networkMessage ?? err.message}`,
      'Nothing was connected. Run the connect command in chat to try again.',
    );
  }
}

function checkState(ctx: ConnectContext, network: Network, state: string | null, res: ServerResponse): (VerifiedState & { network: Network }) | undefined {
  const label = labelOf(network);
  if (!state) {
    refusedPage(res, 400, 'This sign-in is not valid', `The answer from ${label} carried no state, so Greenlight cannot tell who started it.`);
    return undefined;
  }
  const verified = verifyState(state, stateSecretOf(ctx), ctx.deps.now());
  if (!verified.ok) {
    if (verified.reason === 'expired')
      refusedPage(res, 410, 'This sign-in has expired', `The ${label} sign-in must be finished within 10 minutes of starting it.`);
    else refusedPage(res, 400, 'This sign-in is not valid', 'Its state was not made by this Greenlight or was changed on the way (a forged or damaged link).');
    return undefined;
  }
  if (verified.payload.network !== network) {
    refusedPage(res, 400, 'This sign-in is not valid', `This answer was meant for another network, not ${label}.`);
    return undefined;
  }
  return { ...verified.payload, network };
}

function refuseConsumed(res: ServerResponse, label: string, reason: RefusedState): void {
  if (reason === 'used')
    return refusedPage(res, 409, 'This sign-in was already used', `Each ${label} sign-in can finish once; this one already did (or was replayed).`);
  if (reason === 'expired') return refusedPage(res, 410, 'This sign-in has expired', `The ${label} sign-in must be finished within 10 minutes of starting it.`);
  refusedPage(res, 400, 'This sign-in is not valid', 'Greenlight has no record of starting it.');
}

function wrongAccount(res: ServerResponse, label: string, expected: string, got: string): void {
  refusedPage(
    res,
    409,
    `That is a different ${label} account`,
    `This Reconnect link is for ${expected}, but you signed in as ${got}. Nothing was changed.`,
    `To add ${got} as another account, run \`/greenlight connect\` in chat.`,
  );
}

async function providerFor(ctx: ConnectContext, network: Network, consumed: ConsumedState): Promise<Provider | undefined> {
  if (network === 'mastodon') {
    if (!consumed.instanceUrl) return undefined;
    const client = await findOauthClient(ctx.deps.db, ctx.deps.cipher, 'mastodon', consumed.instanceUrl);
    return client ? mastodonProvider(consumed.instanceUrl, client) : undefined;
  }
  if (!isOAuthNetwork(network)) return undefined;
  const lookup = configuredProvider(ctx.oauth, network);
  return lookup.ok ? lookup.provider : undefined;
}
