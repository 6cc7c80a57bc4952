import { claimDeliveries, type ClaimedDelivery } from '../../db/claim.ts';
import { lockPosts } from '../../db/posts.ts';
import { inTransaction } from '../../db/transaction.ts';
import type { WorkflowDeps } from '../deps.ts';
import { coalesce } from './coalesce.ts';
import { gateClaimed, passRateGates } from './rate-gate.ts';
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
  /**
   * Claims the delivery with others; undefined when this batch did not claim it (the caller tries
   * alone). With `gate` (the delivery's context and its number of thread parts), a claimed delivery
   * also passes the posting-limit gate in the same transaction: `passed` is its answer (false: it
   * was deferred and waits, as passRateGate would leave it).
   */
  claim(delivery: ClaimRequest): Promise<ClaimAnswer>;
  /** Records the published delivery with others that finished within a few ms; false: the caller records it alone. */
  published(item: PublishedDelivery): Promise<boolean>;
  /** The posting-limit gate with others of the same turn; rejects when the batch failed (the caller asks alone). */
  gate(item: { context: DeliveryContext; posts: number }): Promise<boolean>;
}

export function createBatches(deps: WorkflowDeps): PublishBatches {
  return {
    load: coalesce((ids: string[]) => loadDeliveryContexts(deps.db, ids), { maxBatch: 100, windowMs: 0 }),
    claim: coalesce((deliveries: ClaimRequest[]) => claimBatch(deps, deliveries), { maxBatch: 100, windowMs: 0 }),
    published: coalesce((items: PublishedDelivery[]) => recordBatch(deps, items), { maxBatch: 50, windowMs: 5 }),
    gate: coalesce((items: { context: DeliveryContext; posts: number }[]) => passRateGates(deps, items), { maxBatch: 100, windowMs: 0 }),
  };
}

/** A claim's answer: the row if this batch claimed it, and the gate's verdict when the claim gated it. */
export type ClaimAnswer = { claimed: ClaimedDelivery | undefined; now: Date; passed?: boolean };

export interface ClaimRequest {
  id: string;
  postId: string;
  /** Gate the claimed delivery in the claim's transaction; absent: the caller decides (a content problem fails it first). */
  gate?: { context: DeliveryContext; partCount: number };
}

/**
 * One transaction: the posts locked first, in id order (as every writer of a post and its deliveries
 * does), then every delivery nobody else holds (claimDeliveries with skipLocked), then the posting-limit
 * gate of those claimed that asked for it (gateClaimed: accounts locked after posts, as everywhere).
 * It never waits on a delivery row, so it cannot deadlock with a pause or an edit; what it skipped is
 * claimed alone. Claim and gate commit together: a delivery is never left claimed without its verdict.
 */
async function claimBatch(deps: WorkflowDeps, deliveries: ClaimRequest[]): Promise<ClaimAnswer[]> {
  const now = deps.now();
  try {
    const { claimed, gated } = await inTransaction(deps.db, async (tx) => {
      await lockPosts(
        tx,
        deliveries.map((d) => d.postId),
      );
      const claimed = await claimDeliveries(
        tx,
        deliveries.map((d) => d.id),
        now,
        { skipLocked: true },
      );
      // Each claimed row once, with the gate its first request asked for.
      const asked = new Map<string, NonNullable<ClaimRequest['gate']>>();
      for (const d of deliveries) if (d.gate && !asked.has(d.id)) asked.set(d.id, d.gate);
      const toGate = claimed.flatMap((row) => {
        const gate = asked.get(row.id);
        if (!gate) return [];
        const { parts, ...delivery } = row;
        return [{ id: row.id, context: { ...gate.context, delivery }, posts: Math.max(1, gate.partCount - parts.length) }];
      });
      const answers = await gateClaimed(deps, tx, toGate);
      return { claimed, gated: new Map(toGate.map((g, i) => [g.id, answers[i]!])) };
    });
    // Two jobs of one delivery fetched into the same batch (a duplicate wake-up beside the regular
    // job) ask for the same row: only the first caller gets it, or both would call the network.
    const byId = new Map(claimed.map((c) => [c.id, c]));
    return deliveries.map((d) => {
      const row = byId.get(d.id);
      byId.delete(d.id);
      return row && d.gate && gated.has(d.id) ? { claimed: row, now, passed: gated.get(d.id)! } : { claimed: row, now };
    });
  } catch (error) {
    deps.log.warn({ err: error, deliveryIds: deliveries.map((d) => d.id) }, 'claiming a batch of deliveries failed; claiming them one by one');
    return deliveries.map((): ClaimAnswer => ({ claimed: undefined, now }));
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
