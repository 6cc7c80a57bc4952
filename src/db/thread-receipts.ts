import { sql } from 'kysely';
import type { Executor } from './database.ts';
import type { Chat, EventsTable } from './schema.ts';
import type { Selectable } from 'kysely';

/** How long a claimed receipt belongs to the worker posting it; after that it is posted again. */
export const RECEIPT_LEASE_SECONDS = 600;

/** The outbox side of recordEvent: each event of a post waits for its reply in the thread. */
export async function addThreadReceipts(tx: Executor, rows: { eventId: number; postId: string }[]): Promise<void> {
  if (rows.length === 0) return;
  await tx
    .insertInto('thread_receipts')
    .values(rows.map((r) => ({ event_id: String(r.eventId), post_id: r.postId })))
    .onConflict((oc) => oc.doNothing())
    .execute();
}

export type PendingReceipt = Selectable<EventsTable> & { claimed_at: Date | null };

/** The post's events whose reply is not in the thread yet, oldest first. */
export function pendingReceipts(tx: Executor, postId: string): Promise<PendingReceipt[]> {
  return tx
    .selectFrom('thread_receipts as r')
    .innerJoin('events as e', 'e.id', 'r.event_id')
    .selectAll('e')
    .select('r.claimed_at')
    .where('r.post_id', '=', postId)
    .where('r.posted_at', 'is', null)
    .orderBy('r.event_id')
    .execute();
}

/**
 * Takes the receipt for posting: one statement, so of two workers (an expired notify job still
 * running beside its retry, two replicas) exactly one gets it. A claim older than the lease is taken
 * over (`takeover`): its worker died between claiming and recording, perhaps after the chat took the
 * reply, so the caller looks in the thread before posting. A released claim (releaseReceipt) is null
 * again, so taking it is no takeover. The locked read gives the claim as it is now, not as the
 * statement's snapshot saw it.
 */
export async function claimReceipt(tx: Executor, eventId: string): Promise<{ takeover: boolean } | undefined> {
  const { rows } = await sql<{ takeover: boolean }>`
    WITH prev AS (SELECT event_id, claimed_at FROM thread_receipts WHERE event_id = ${eventId} AND posted_at IS NULL FOR UPDATE)
    UPDATE thread_receipts r SET claimed_at = now() FROM prev
    WHERE r.event_id = prev.event_id
      AND (prev.claimed_at IS NULL OR prev.claimed_at < now() - make_interval(secs => ${RECEIPT_LEASE_SECONDS}))
    RETURNING prev.claimed_at IS NOT NULL AS takeover`.execute(tx);
  return rows[0];
}

/** The newest reply of the post recorded in its thread: a reply posted later is newer than this. */
export async function lastReceiptMessageId(tx: Executor, postId: string): Promise<string | undefined> {
  const row = await tx
    .selectFrom('thread_receipts')
    .select('message_id')
    .where('post_id', '=', postId)
    .where('message_id', 'is not', null)
    .orderBy('event_id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.message_id ?? undefined;
}

/** The reply is in the thread (`messageId`), or the event needs none (null). */
export async function markReceiptPosted(tx: Executor, eventId: string, messageId: string | null): Promise<void> {
  await tx
    .updateTable('thread_receipts')
    .set({ posted_at: sql<Date>`now()`, message_id: messageId })
    .where('event_id', '=', eventId)
    .where('posted_at', 'is', null)
    .execute();
}

/**
 * A takeover whose look-up in the thread failed: the claim goes back to expired (not to null), so the
 * next try may take it over at once and looks again, instead of waiting out another lease.
 */
export async function reopenTakeover(tx: Executor, eventId: string): Promise<void> {
  await tx
    .updateTable('thread_receipts')
    .set({ claimed_at: sql<Date>`now() - make_interval(secs => ${RECEIPT_LEASE_SECONDS + 1})` })
    .where('event_id', '=', eventId)
    .where('posted_at', 'is', null)
    .execute();
}

/** The chat refused the reply: nothing was posted, so the next try may take it at once. */
export async function releaseReceipt(tx: Executor, eventId: string): Promise<void> {
  await tx.updateTable('thread_receipts').set({ claimed_at: null }).where('event_id', '=', eventId).where('posted_at', 'is', null).execute();
}

/**
 * Posts of workspaces on one of `chats` (the chats this server runs) with a receipt still unposted
 * after `olderThanSeconds`: the sweeper's catch-up list. A workspace whose chat is not configured here
 * waits for a server that has it, instead of being nudged every minute.
 */
export async function postsWithOverdueReceipts(tx: Executor, chats: Chat[], olderThanSeconds: number, limit: number): Promise<string[]> {
  if (chats.length === 0) return [];
  const rows = await tx
    .selectFrom('thread_receipts as r')
    .innerJoin('posts as p', 'p.id', 'r.post_id')
    .innerJoin('workspaces as w', 'w.id', 'p.workspace_id')
    .select('r.post_id')
    .distinct()
    .where('r.posted_at', 'is', null)
    .where('r.created_at', '<', sql<Date>`now() - make_interval(secs => ${olderThanSeconds})`)
    .where('w.chat', 'in', chats)
    .limit(limit)
    .execute();
  return rows.map((r) => r.post_id);
}
