import { claimDeliveries, type ClaimedDelivery } from '../../db/claim.ts';
import { lockPosts } from '../../db/posts.ts';
import { inTransaction } from '../../db/transaction.ts';
import type { WorkflowDeps } from '../deps.ts';
import { coalesce } from './coalesce.ts';
import { passRateGates } from './rate-gate.ts';
import { loadDeliveryContexts, type DeliveryContext } from './load-delivery.ts';
import { recordPublishedAll, type PublishedDelivery } from './record-published.ts';

/**
 * The database work that publish jobs running side by side share, one statement or transaction for
 * many deliveries instead of one each: the publish worker takes jobs in batches, and per-statement
 * cost, not network time, is what limits deliveries per second. Each job still decides alone; a batch
 * that fails leaves every job to do its own step alone, as before.
 */
export interface PublishBatches {
  /** The delivery's rows (undefined: withdrawn). Jobs that ask in the same turn share one statement. */
  load(deliveryId: string): Promise<DeliveryContext | undefined>;
  /** Claims the delivery with others; undefined when this batch did not claim it (the caller tries alone). */
  claim(delivery: { id: string; postId: string }): Promise<{ claimed: ClaimedDelivery | undefined; now: Date }>;
  /** Records the published delivery with others that finished within a few ms; false: the caller records it alone. */
  published(item: PublishedDelivery): Promise<boolean>;
  /** The posting-limit gate with others of the same turn; rejects when the batch failed (the caller asks alone). */
  gate(item: { context: DeliveryContext; posts: number }): Promise<boolean>;
}

export function createBatches(deps: WorkflowDeps): PublishBatches {
  return {
    load: coalesce((ids: string[]) => loadDeliveryContexts(deps.db, ids), { maxBatch: 100, windowMs: 0 }),
    claim: coalesce((deliveries: { id: string; postId: string }[]) => claimBatch(deps, deliveries), { maxBatch: 100, windowMs: 0 }),
    published: coalesce((items: PublishedDelivery[]) => recordBatch(deps, items), { maxBatch: 50, windowMs: 5 }),
    gate: coalesce((items: { context: DeliveryContext; posts: number }[]) => passRateGates(deps, items), { maxBatch: 100, windowMs: 0 }),
  };
}

/**
 * One transaction: the posts locked first, in id order (as every writer of a post and its deliveries
 * does), then every delivery nobody else holds (claimDeliveries with skipLocked). It never waits on a
 * delivery row, so it cannot deadlock with a pause or an edit; what it skipped is claimed alone.
 */
async function claimBatch(deps: WorkflowDeps, deliveries: { id: string; postId: string }[]) {
  const now = deps.now();
  try {
    const claimed = await inTransaction(deps.db, async (tx) => {
      await lockPosts(
        tx,
        deliveries.map((d) => d.postId),
      );
      return claimDeliveries(
        tx,
        deliveries.map((d) => d.id),
        now,
        { skipLocked: true },
      );
    });
    // Two jobs of one delivery fetched into the same batch (a duplicate wake-up beside the regular
    // job) ask for the same row: only the first caller gets it, or both would call the network.
    const byId = new Map(claimed.map((c) => [c.id, c]));
    return deliveries.map((d) => {
      const row = byId.get(d.id);
      byId.delete(d.id);
      return { claimed: row, now };
    });
  } catch (error) {
    deps.log.warn({ err: error, deliveryIds: deliveries.map((d) => d.id) }, 'claiming a batch of deliveries failed; claiming them one by one');
    return deliveries.map(() => ({ claimed: undefined, now }));
  }
}

async function recordBatch(deps: WorkflowDeps, items: PublishedDelivery[]): Promise<boolean[]> {
  try {
    await recordPublishedAll(deps, items);
    return items.map(() => true);
  } catch (error) {
    deps.log.warn({ err: error, deliveryIds: items.map((i) => i.delivery.id) }, 'recording a batch of published deliveries failed; recording them one by one');
    return items.map(() => false);
  }
}
