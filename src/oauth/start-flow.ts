import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { insertOauthState, verifierAad } from '../db/oauth-states.ts';
import type { Network } from '../domain/networks.ts';
import type { LinkClaims } from '../workflow/accounts/connect-link.ts';
import { checkLink, labelOf, STATE_TTL_SECONDS, stateSecretOf, type ConnectContext } from './context.ts';
import { blueskyForm, mastodonForm, notConfiguredPage, refusedPage, sendRedirect } from './pages.ts';
import { authorizeUrl, configuredProvider, redirectUriFor, type Provider } from './providers.ts';
import { createPkcePair, createState } from '../crypto/signed-state.ts';
import { webhookForm } from './webhook-connect.ts';
import { findAccount } from '../db/accounts.ts';

/**
 * GET /connect/<network>?t=<link token>: checks the link, then either shows the network's form (Mastodon:
 * which server; Bluesky: handle and app password; webhook: the URL) or starts the OAuth code flow at the network.
 */
export async function startConnect(ctx: ConnectContext, network: Network, url: URL, res: ServerResponse): Promise<void> {
  const token = url.searchParams.get('t');
  const link = await checkLink(ctx, network, token, url.searchParams.get('workspace'));
  if (!link.ok) return refusedPage(res, link.status, link.title, link.reason);
  if (network === 'mastodon') return mastodonForm(res, token!);
  if (network === 'bluesky') return blueskyForm(res, token!, ctx.oauth.bluesky.serviceUrl);
  if (network === 'webhook') return webhookForm(res, token!);
  const lookup = configuredProvider(ctx.oauth, network);
  if (!lookup.ok) return notConfiguredPage(res, labelOf(network), lookup.missing, redirectUriFor(ctx.deps.publicUrl, network));
  const check = await checkBoundAccount(ctx, link.claims);
  if (check) return refusedPage(res, 404, 'Account not found', check);
  sendRedirect(res, await beginAuthorization(ctx, lookup.provider, link.claims));
}

/** A Reconnect link names its account: it must still be there, in this workspace, on this network. */
export async function checkBoundAccount(ctx: ConnectContext, claims: LinkClaims): Promise<string | undefined> {
  if (!claims.accountId) return undefined;
  const account = await findAccount(ctx.deps.db, claims.accountId);
  if (account?.workspace_id === claims.workspaceId && account.network === claims.network) return undefined;
  return `The ${labelOf(claims.network)} account this Reconnect link was made for is no longer connected to the workspace.`;
}

/**
 * Stores the state row (nonce, who, which network, the PKCE verifier encrypted), and returns the network's
 * authorize URL carrying the signed state and the exact redirect URI.
 */
export async function beginAuthorization(ctx: ConnectContext, provider: Provider, claims: LinkClaims, instanceUrl?: string): Promise<string> {
  const { deps } = ctx;
  const nonce = randomBytes(18).toString('base64url');
  const now = deps.now();
  const pkce = provider.pkce ? createPkcePair() : undefined;
  await insertOauthState(deps.db, {
    nonce,
    workspaceId: claims.workspaceId,
    userId: claims.userId,
    network: claims.network,
    codeVerifier: pkce ? deps.cipher.encrypt(pkce.verifier, verifierAad(nonce)) : null,
    expiresAt: new Date(now.getTime() + STATE_TTL_SECONDS * 1000),
    instanceUrl: instanceUrl ?? null,
    accountId: claims.accountId ?? null,
  });
  const state = createState(
    { workspaceId: claims.workspaceId, userId: claims.userId, network: claims.network, nonce },
    stateSecretOf(ctx),
    now,
    STATE_TTL_SECONDS,
  );
  deps.log.info(
    { workspaceId: claims.workspaceId, userId: claims.userId, network: claims.network, reconnect: Boolean(claims.accountId) },
    'connect flow started',
  );
  return authorizeUrl(provider, { redirectUri: redirectUriFor(deps.publicUrl, claims.network), state, ...(pkce ? { challenge: pkce.challenge } : {}) });
}
