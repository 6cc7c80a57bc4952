import { sql } from 'kysely';
import { jsonArrayFrom } from 'kysely/helpers/postgres';
import { postPredecessors } from '../domain/post-state.ts';
import { anyUuid, type Executor, runPrepared } from './database.ts';
import type { Delivery } from './schema.ts';

export interface StoredPart {
  position: number;
  externalId: string;
  url: string;
}
/** A claimed delivery, with the thread parts its earlier attempts published. */
export type ClaimedDelivery = Delivery & { parts: StoredPart[] };

/**
 * Claims due deliveries for one attempt each: `pending -> sending`, counting the attempt, and moves
 * their posts to `publishing`, in one statement. Of any number of concurrent callers exactly one gets
 * a given delivery; a delivery not pending or not yet due is not claimed.
 *
 * With `skipLocked`, a delivery whose row someone else holds (an edit, a pause) is left out instead
 * of waited for: a batch claim then never waits on a delivery row, so (with its posts locked first,
 * in id order, by the caller) it can never be part of a deadlock. What it left out is claimed alone.
 */
export function claimDeliveries(tx: Executor, deliveryIds: string[], now: Date, options: { skipLocked: boolean }): Promise<ClaimedDelivery[]> {
  if (deliveryIds.length === 0) return Promise.resolve([]);
  // The ids as one array parameter: one text whatever the batch's size, run as a prepared statement.
  const ids = anyUuid(deliveryIds);
  const query = tx
    .with('candidate', (db) => {
      const rows = db
        .selectFrom('deliveries')
        .select('id')
        .where('id', '=', ids)
        .where('state', '=', 'pending')
        .where('due_at', '<=', now)
        .orderBy('id')
        .forUpdate();
      return options.skipLocked ? rows.skipLocked() : rows;
    })
    .with('claimed', (db) =>
      db
        .updateTable('deliveries')
        .set({ state: 'sending', attempts: sql<number>`attempts + 1`, sending_started_at: now, updated_at: sql<Date>`now()` })
        // The ids again, not only the candidates: with the list the planner reads the rows by primary
        // key; with the CTE alone it hashed the candidates and scanned every pending delivery (a seq
        // scan per claim, 5,000 rows in the throughput bench, 100,000 in a burst; issue 18).
        .where('id', '=', ids)
        .where('id', 'in', (eb) => eb.selectFrom('candidate').select('id'))
        .where('state', '=', 'pending')
        .returningAll(),
    )
    .with('publishing', (db) =>
      db
        .updateTable('posts')
        .set({ state: 'publishing', updated_at: sql<Date>`now()` })
        .where('id', 'in', (eb) => eb.selectFrom('claimed').select('post_id'))
        .where('state', 'in', postPredecessors('publishing'))
        .returning('id'),
    )
    .selectFrom('claimed')
    .selectAll('claimed')
    .select((eb) =>
      jsonArrayFrom(
        eb
          .selectFrom('delivery_parts')
          .select(['delivery_parts.position', 'delivery_parts.external_id as externalId', 'delivery_parts.url'])
          .whereRef('delivery_parts.delivery_id', '=', 'claimed.id')
          .orderBy('delivery_parts.position'),
      ).as('parts'),
    )
    .compile();
  return runPrepared(tx, query);
}

/** One delivery, waiting for its row if someone else holds it. */
export async function claimDelivery(tx: Executor, deliveryId: string, now: Date): Promise<ClaimedDelivery | undefined> {
  return (await claimDeliveries(tx, [deliveryId], now, { skipLocked: false }))[0];
}
