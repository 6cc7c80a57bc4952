import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Network } from '../domain/networks.ts';
import type { Executor } from './database.ts';

/**
 * Account pickers (issue 16): one row per sign-in that gave several accounts. The link token is never
 * stored, only its sha256; the choices (which carry tokens) are stored as the cipher's envelope.
 */

export const pickTokenHash = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

export interface NewPick {
  token: string;
  workspaceId: string;
  userId: string;
  network: Network;
  /** Encrypted JSON of the choices. */
  choices: string;
  expiresAt: Date;
}

export async function insertPick(db: Executor, pick: NewPick): Promise<void> {
  await db
    .insertInto('connect_picks')
    .values({
      token_hash: pickTokenHash(pick.token),
      workspace_id: pick.workspaceId,
      user_id: pick.userId,
      network: pick.network,
      choices: pick.choices,
      expires_at: pick.expiresAt,
    })
    .execute();
}

export interface StoredPick {
  workspace_id: string;
  user_id: string;
  network: Network;
  choices: string;
  expires_at: Date;
  used_at: Date | null;
}

/** The pick behind a link token, used or not (the page says which). */
export function findPick(db: Executor, token: string): Promise<StoredPick | undefined> {
  return db
    .selectFrom('connect_picks')
    .select(['workspace_id', 'user_id', 'network', 'choices', 'expires_at', 'used_at'])
    .where('token_hash', '=', pickTokenHash(token))
    .executeTakeFirst() as Promise<StoredPick | undefined>;
}

/** Marks the pick used, once: undefined when it was used (or expired) already. */
export function consumePick(db: Executor, token: string, now: Date): Promise<StoredPick | undefined> {
  return db
    .updateTable('connect_picks')
    .set({ used_at: sql<Date>`now()` })
    .where('token_hash', '=', pickTokenHash(token))
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .returning(['workspace_id', 'user_id', 'network', 'choices', 'expires_at', 'used_at'])
    .executeTakeFirst() as Promise<StoredPick | undefined>;
}
