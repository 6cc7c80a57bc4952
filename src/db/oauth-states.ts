import { sql } from 'kysely';
import type { Network } from '../domain/networks.ts';
import type { Executor } from './database.ts';

/** The associated data binding an encrypted PKCE verifier to its state row. */
export const verifierAad = (nonce: string) => `oauth_state:${nonce}`;

export interface NewOauthState {
  nonce: string;
  workspaceId: string;
  userId: string;
  network: Network;
  /** Already encrypted (verifierAad). */
  codeVerifier: string | null;
  expiresAt: Date;
  instanceUrl?: string | null;
  accountId?: string | null;
}

export interface ConsumedState {
  nonce: string;
  codeVerifier: string | null;
  instanceUrl: string | null;
  accountId: string | null;
}

export type RefusedState = 'unknown' | 'used' | 'expired';

export async function insertOauthState(tx: Executor, state: NewOauthState): Promise<void> {
  await tx
    .insertInto('oauth_states')
    .values({
      nonce: state.nonce,
      workspace_id: state.workspaceId,
      user_id: state.userId,
      network: state.network,
      code_verifier: state.codeVerifier,
      expires_at: state.expiresAt,
      instance_url: state.instanceUrl ?? null,
      account_id: state.accountId ?? null,
    })
    .execute();
}

/**
 * Marks the state used, atomically: of two callbacks racing with the same state exactly one gets the row.
 * Workspace, user and network must match what the signed state says.
 */
export async function consumeOauthState(
  tx: Executor,
  claims: { nonce: string; workspaceId: string; userId: string; network: Network },
): Promise<ConsumedState | RefusedState> {
  const row = await tx
    .updateTable('oauth_states')
    .set({ used_at: sql<Date>`now()` })
    .where('nonce', '=', claims.nonce)
    .where('workspace_id', '=', claims.workspaceId)
    .where('user_id', '=', claims.userId)
    .where('network', '=', claims.network)
    .where('used_at', 'is', null)
    .where('expires_at', '>', sql<Date>`now()`)
    .returning(['nonce', 'code_verifier', 'instance_url', 'account_id'])
    .executeTakeFirst();
  if (row) return { nonce: row.nonce, codeVerifier: row.code_verifier, instanceUrl: row.instance_url, accountId: row.account_id };
  const seen = await tx
    .selectFrom('oauth_states')
    .select(['used_at', 'workspace_id', 'user_id', 'network'])
    .where('nonce', '=', claims.nonce)
    .executeTakeFirst();
  if (!seen || seen.workspace_id !== claims.workspaceId || seen.user_id !== claims.userId || seen.network !== claims.network) return 'unknown';
  return seen.used_at ? 'used' : 'expired';
}

/** Drops the verifier of a consumed state (it is spent) and states expired for a day; returns how many rows went. */
export async function pruneOauthStates(tx: Executor): Promise<number> {
  await tx.updateTable('oauth_states').set({ code_verifier: null }).where('used_at', 'is not', null).where('code_verifier', 'is not', null).execute();
  const gone = await tx.deleteFrom('oauth_states').where('expires_at', '<', sql<Date>`now() - interval '1 day'`).executeTakeFirst();
  return Number(gone.numDeletedRows);
}
