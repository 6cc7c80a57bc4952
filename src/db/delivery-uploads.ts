import { sql } from 'kysely';
import type { Executor } from './database.ts';

/**
 * How far a delivery's video upload got (issue 15): the adapter's own checkpoint (src/networks/adapter.ts
 * UploadCheckpoint), one row per delivery, written after each step (a segment, a finalize, a container)
 * so a worker killed mid-upload leaves the next attempt where to resume.
 */
export async function loadDeliveryUpload(db: Executor, deliveryId: string): Promise<Record<string, unknown> | undefined> {
  const row = await db.selectFrom('delivery_uploads').select('state').where('delivery_id', '=', deliveryId).executeTakeFirst();
  return row?.state;
}

/** Saves the state, or clears it with `undefined`. */
export async function saveDeliveryUpload(db: Executor, deliveryId: string, state: Record<string, unknown> | undefined): Promise<void> {
  if (state === undefined) {
    await db.deleteFrom('delivery_uploads').where('delivery_id', '=', deliveryId).execute();
    return;
  }
  await db
    .insertInto('delivery_uploads')
    .values({ delivery_id: deliveryId, state: JSON.stringify(state) })
    .onConflict((oc) => oc.column('delivery_id').doUpdateSet({ state: JSON.stringify(state), updated_at: sql`now()` }))
    .execute();
}
