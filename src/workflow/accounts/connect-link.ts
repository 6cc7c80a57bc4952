// Links to Greenlight's connect route, as chat shows them (`/greenlight connect x`, the Reconnect button).
//
// Whoever sees a link could open it, so the link itself carries a short-lived signed token naming the workspace,
// the person it was made for and the network; the route trusts nothing else in the URL. A Reconnect link (posted in
// a thread, so the whole channel sees it) also names the account: it can only reconnect that very account, which
// needs its own sign-in at the network. Link tokens are signed under a key derived from STATE_SECRET, so a link
// token is never a valid OAuth `state`, nor the reverse.
import { createHmac, randomBytes } from 'node:crypto';
import type { SocialAccount } from '../../db/schema.ts';
import { isNetwork, type Network } from '../../domain/networks.ts';
import type { Actor } from '../actor.ts';
import { createState, verifyState } from '../../crypto/signed-state.ts';

/** A link answered to `/greenlight connect` in chat: the person has it in front of them. */
export const CHAT_LINK_TTL_SECONDS = 10 * 60;
/** A Reconnect button in a thread may be pressed later; it reconnects only its own account. */
export const RECONNECT_LINK_TTL_SECONDS = 24 * 3600;

const LINK_CONTEXT = 'greenlight.connect-link.v1';
const NO_ACCOUNT = '-';

export interface LinkClaims {
  workspaceId: string;
  userId: string;
  network: Network;
  /** Set for a Reconnect link: the one account it may reconnect. */
  accountId?: string;
}

export type ReadLinkResult = { ok: true; claims: LinkClaims } | { ok: false; reason: 'malformed' | 'bad_signature' | 'expired' };

export interface LinkDeps {
  publicUrl: string;
  stateSecret?: string | undefined;
  now: () => Date;
}

function linkSecret(secret: string): string {
  return createHmac('sha256', secret).update(LINK_CONTEXT).digest('base64url');
}

export function signLink(secret: string, claims: LinkClaims, now: Date, ttlSeconds: number): string {
  const nonce = `${claims.accountId ?? NO_ACCOUNT}.${randomBytes(12).toString('base64url')}`;
  const payload = { workspaceId: claims.workspaceId, userId: claims.userId, network: claims.network, nonce };
  return createState(payload, linkSecret(secret), now, ttlSeconds);
}

export function readLink(secret: string, token: string, now: Date): ReadLinkResult {
  const verified = verifyState(token, linkSecret(secret), now);
  if (!verified.ok) return verified;
  const { workspaceId, userId, network, nonce } = verified.payload;
  const dot = nonce.indexOf('.');
  if (dot <= 0 || !isNetwork(network)) return { ok: false, reason: 'malformed' };
  const account = nonce.slice(0, dot);
  return { ok: true, claims: { workspaceId, userId, network, ...(account === NO_ACCOUNT ? {} : { accountId: account }) } };
}

function secretOf(deps: LinkDeps): string {
  if (!deps.stateSecret) throw new Error('connect links need STATE_SECRET (generated in development, required in production)');
  return deps.stateSecret;
}

function linkUrl(deps: LinkDeps, claims: LinkClaims, ttlSeconds: number): string {
  const token = signLink(secretOf(deps), claims, deps.now(), ttlSeconds);
  return `${deps.publicUrl}/connect/${claims.network}?workspace=${encodeURIComponent(claims.workspaceId)}&t=${token}`;
}

/** The link `/greenlight connect <network>` answers with, for the person who asked. */
export function connectLink(deps: LinkDeps, actor: Actor, network: Network): string {
  return linkUrl(deps, { workspaceId: actor.workspaceId, userId: actor.userId, network }, CHAT_LINK_TTL_SECONDS);
}

/** The Reconnect button's link: made for the account's connector, good only for this account. */
export function reconnectLink(deps: LinkDeps, account: Pick<SocialAccount, 'id' | 'workspace_id' | 'network' | 'connected_by'>): string {
  const claims = { workspaceId: account.workspace_id, userId: account.connected_by, network: account.network, accountId: account.id };
  return linkUrl(deps, claims, RECONNECT_LINK_TTL_SECONDS);
}
