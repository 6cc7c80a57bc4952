import { sql } from 'kysely';
import type { SentPosts } from '../domain/rate-limits.ts';
import { anyUuid, type Executor, runPrepared, type Tx } from './database.ts';
import type { Delivery } from './schema.ts';

/** Advisory lock namespace for "one account's rate check at a time" (any constant unused elsewhere). */
const RATE_LOCK_CLASS = 7_402_311;

/**
 * Serialises rate checks of these accounts across every worker process until the transaction ends,
 * so two workers cannot both take the last free place in a window. The locks are taken in one order
 * (a volatile function in the select list runs after ORDER BY), so two batches never wait on each
 * other crosswise; an advisory lock touches no row, so it cannot deadlock with the claim, an edit or
 * a pause.
 */
export async function lockAccountsRate(tx: Tx, accountIds: string[]): Promise<void> {
  const ids = [...new Set(accountIds)].sort();
  if (ids.length === 0) return;
  await runPrepared(tx, sql`SELECT pg_advisory_xact_lock(${RATE_LOCK_CLASS}, hashtext(id)) FROM unnest(${ids}::text[]) AS id ORDER BY id`.compile(tx));
}

/** The sends of several accounts since `since`, oldest first, by account. */
export async function recentSendsOf(tx: Executor, accountIds: string[], since: Date): Promise<Map<string, SentPosts[]>> {
  const byAccount = new Map<string, SentPosts[]>(accountIds.map((id) => [id, []]));
  if (accountIds.length === 0) return byAccount;
  // The gate of every publish batch reads this: the ids as one array parameter, run prepared (issue 18).
  const query = tx
    .selectFrom('account_sends')
    .select(['account_id', 'sent_at', 'posts'])
    .where('account_id', '=', anyUuid(accountIds))
    .where('sent_at', '>', since)
    .orderBy('sent_at')
    .compile();
  const rows = await runPrepared(tx, query);
  for (const r of rows) byAccount.get(r.account_id)?.push({ at: r.sent_at, posts: r.posts });
  return byAccount;
}

/** Until when the network told each of these accounts to wait, for those it did. */
export async function networkResetsOf(tx: Executor, accountIds: string[]): Promise<Map<string, Date>> {
  if (accountIds.length === 0) return new Map();
  const rows = await runPrepared(
    tx,
    tx.selectFrom('account_limits').select(['account_id', 'limited_until']).where('account_id', '=', anyUuid(accountIds)).compile(),
  );
  return new Map(rows.map((r) => [r.account_id, r.limited_until]));
}

export async function recordSends(tx: Executor, sends: { accountId: string; deliveryId: string; at: Date; posts: number }[]): Promise<void> {
  if (sends.length === 0) return;
  // Columns as arrays (unnest): one prepared text for a batch of any size.
  await runPrepared(
    tx,
    sql`INSERT INTO account_sends (account_id, delivery_id, sent_at, posts)
      SELECT * FROM unnest(${sends.map((s) => s.accountId)}::uuid[], ${sends.map((s) => s.deliveryId)}::uuid[], ${sends.map((s) => s.at)}::timestamptz[], ${sends.map((s) => s.posts)}::int[])`.compile(
      tx,
    ),
  );
}

/** The network answered 429 with a reset time: the whole account waits until then (never shortened by an older answer). */
export async function markAccountLimited(tx: Executor, accountId: string, until: Date, reason: string): Promise<void> {
  await tx
    .insertInto('account_limits')
    .values({ account_id: accountId, limited_until: until, reason })
    .onConflict((oc) =>
      oc.column('account_id').doUpdateSet({
        limited_until: sql<Date>`greatest(account_limits.limited_until, excluded.limited_until)`,
        reason: sql<string>`excluded.reason`,
        updated_at: sql<Date>`now()`,
      }),
    )
    .execute();
}

/**
 * A claimed delivery that may not go yet goes back to `pending` at `dueAt`, and the claim's attempt
 * is given back: waiting for a limit is not a try.
 */
export function deferClaimed(tx: Executor, deliveryId: string, dueAt: Date): Promise<Delivery | undefined> {
  return tx
    .updateTable('deliveries')
    .set({ state: 'pending', due_at: dueAt, attempts: sql<number>`greatest(attempts - 1, 0)`, sending_started_at: null, updated_at: sql<Date>`now()` })
    .where('id', '=', deliveryId)
    .where('state', '=', 'sending')
    .returningAll()
    .executeTakeFirst();
}

/** Whether the delivery's thread was already told it waits for a limit (it is said once). */
export async function alreadyToldWaiting(tx: Executor, postId: string, deliveryId: string): Promise<boolean> {
  const row = await tx
    .selectFrom('events')
    .select('id')
    .where('post_id', '=', postId)
    .where('delivery_id', '=', deliveryId)
    .where('kind', '=', 'delivery_rate_limited')
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/** Sends older than every window and reset times long past count for nothing: the sweeper drops them. */
export async function pruneRateRows(db: Executor, sendsBefore: Date, now: Date): Promise<void> {
  await db.deleteFrom('account_sends').where('sent_at', '<', sendsBefore).execute();
  await db.deleteFrom('account_limits').where('limited_until', '<', now).execute();
}
