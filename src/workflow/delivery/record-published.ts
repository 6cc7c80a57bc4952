import { scheduleMetrics } from '../analytics/schedule-metrics.ts';
import { markPublished } from '../../db/deliveries.ts';
import { lockPosts } from '../../db/posts.ts';
import type { Delivery } from '../../db/schema.ts';
import { inTransaction } from '../../db/transaction.ts';
import type { PublishResult } from '../../networks/adapter.ts';
import type { WorkflowDeps } from '../deps.ts';
import { recordEvents } from '../record-event.ts';
import { settlePosts } from './settle-post.ts';
import { scheduleFirstComments } from '../first-comment.ts';

export interface PublishedDelivery {
  delivery: Delivery;
  workspaceId: string;
  result: PublishResult;
  publishedAt: Date;
}

/**
 * Records published deliveries, any number in one transaction (the publish worker gathers those that
 * finish together): their posts locked in id order, then each delivery `sending -> published` with its
 * parts (one statement), its audit event and receipt job, and each post's derived state. A delivery that someone else
 * changed first is left alone, as recordPublished always did. About eight statements for the whole
 * batch, where one delivery at a time took eight each.
 */
export async function recordPublishedAll(deps: WorkflowDeps, items: PublishedDelivery[]): Promise<void> {
  if (items.length === 0) return;
  const postIds = [...new Set(items.map((i) => i.delivery.post_id))];
  const recorded = await inTransaction(deps.db, async (tx) => {
    await lockPosts(tx, postIds);
    // The last part is saved with the outcome rather than on its own just before: a crash in between
    // leaves the attempt unknown, and the next one reconciles, as for a crash right after the network answered.
    const done = await markPublished(
      tx,
      items.map((i) => ({ deliveryId: i.delivery.id, externalId: i.result.externalId, url: i.result.url, publishedAt: i.publishedAt, parts: i.result.parts })),
    );
    // One event per delivery that changed, even if it came twice in the batch (each id is taken once).
    const changed = new Set(done.map((d) => d.id));
    const recorded = items.filter((i) => changed.delete(i.delivery.id));
    await recordEvents(
      tx,
      deps.queue,
      recorded.map(({ delivery, workspaceId, result, publishedAt }) => ({
        workspaceId,
        postId: delivery.post_id,
        deliveryId: delivery.id,
        kind: 'delivery_published',
        data: { network: delivery.network, url: result.url, publishedAt: publishedAt.toISOString(), totalParts: result.parts.length },
      })),
    );
    await scheduleMetrics(
      tx,
      deps,
      recorded.map(({ delivery, publishedAt }) => ({ deliveryId: delivery.id, network: delivery.network, publishedAt })),
    );
    await scheduleFirstComments(
      tx,
      deps,
      recorded.map((i) => i.delivery.id),
    );
    await settlePosts(tx, postIds);
    return recorded;
  });
  for (const { delivery } of recorded) deps.metrics.deliveries.inc({ network: delivery.network, outcome: 'published' });
}
