import { sql } from 'kysely';
import type { Network } from '../domain/networks.ts';
import { type Executor, runPrepared } from './database.ts';
import type { CommentState, DeliveryError } from './schema.ts';

/** First comments (issue 16): the author's text per network, and each delivery's comment once its post went out. */

/** Replaces a post version's first comments (submit, edit). */
export async function saveFirstComments(tx: Executor, postId: string, comments: Partial<Record<Network, string>>): Promise<void> {
  await tx.deleteFrom('post_first_comments').where('post_id', '=', postId).execute();
  const rows = Object.entries(comments)
    .filter(([, text]) => text && text.trim() !== '')
    .map(([network, text]) => ({ post_id: postId, network: network as Network, text: text!.trim() }));
  if (rows.length > 0) await tx.insertInto('post_first_comments').values(rows).execute();
}

export async function listFirstComments(db: Executor, postId: string): Promise<Partial<Record<Network, string>>> {
  const rows = await db.selectFrom('post_first_comments').select(['network', 'text']).where('post_id', '=', postId).execute();
  return Object.fromEntries(rows.map((r) => [r.network, r.text]));
}

/**
 * Deliveries that just went out and have a first comment for their network (a series occurrence: the
 * series' first post's) get their comment row
 * (`pending`), once: a delivery recorded twice keeps its first row. Returns the delivery ids that got one.
 */
export async function queueComments(tx: Executor, deliveryIds: string[]): Promise<string[]> {
  if (deliveryIds.length === 0) return [];
  // Prepared: planning this statement cost ten times running it (issue 18).
  const rows = await runPrepared(
    tx,
    sql<{ delivery_id: string }>`
    INSERT INTO delivery_comments (delivery_id, text)
    SELECT d.id, c.text FROM deliveries d
    -- A later occurrence of a series has no comments of its own: it takes the series' first post's, as its files.
    JOIN post_first_comments c ON c.network = d.network AND c.post_id = coalesce(
      (SELECT s.head_id FROM post_series s WHERE s.post_id = d.post_id AND s.position > 0
        AND NOT EXISTS (SELECT 1 FROM post_first_comments own WHERE own.post_id = d.post_id)),
      d.post_id)
    WHERE d.id = ANY(${deliveryIds}::uuid[])
    ON CONFLICT (delivery_id) DO NOTHING
    RETURNING delivery_id`.compile(tx),
  );
  return rows.map((r) => r.delivery_id);
}

export interface DeliveryComment {
  delivery_id: string;
  text: string;
  state: CommentState;
  attempts: number;
  external_id: string | null;
  url: string | null;
  last_error: DeliveryError | null;
}

export function findDeliveryComment(db: Executor, deliveryId: string): Promise<DeliveryComment | undefined> {
  return db.selectFrom('delivery_comments').selectAll().where('delivery_id', '=', deliveryId).executeTakeFirst() as Promise<DeliveryComment | undefined>;
}

/** The comments of a post's deliveries, by delivery id (the card and receipts show them). */
export async function listPostComments(db: Executor, postId: string): Promise<DeliveryComment[]> {
  return (await db
    .selectFrom('delivery_comments as c')
    .innerJoin('deliveries as d', 'd.id', 'c.delivery_id')
    .selectAll('c')
    .where('d.post_id', '=', postId)
    .execute()) as DeliveryComment[];
}

/**
 * Moves a comment from one of `from` to `to`, with the changes; undefined when someone else moved it
 * first (a second job, a double click on Retry).
 */
export async function transitionComment(
  tx: Executor,
  deliveryId: string,
  to: CommentState,
  from: CommentState[],
  changes: { external_id?: string; url?: string; last_error?: DeliveryError | null; countAttempt?: boolean } = {},
): Promise<DeliveryComment | undefined> {
  const { countAttempt, last_error, ...rest } = changes;
  return (await tx
    .updateTable('delivery_comments')
    .set({
      ...rest,
      ...(last_error !== undefined ? { last_error: last_error === null ? null : JSON.stringify(last_error) } : {}),
      state: to,
      updated_at: sql<Date>`now()`,
      ...(countAttempt ? { attempts: sql<number>`attempts + 1` } : {}),
    } as never)
    .where('delivery_id', '=', deliveryId)
    .where('state', 'in', from)
    .returningAll()
    .executeTakeFirst()) as DeliveryComment | undefined;
}
