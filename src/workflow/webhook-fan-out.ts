import type { Executor } from '../db/database.ts';
import { insertEventsDeliveries } from '../db/webhooks.ts';
import type { Queue } from '../queue/queue.ts';

/**
 * Every recorded event goes to the workspace's subscribed URLs: one delivery row and one job per
 * matching subscription, in the caller's transaction, so an event and its webhooks commit together.
 * Events recorded outside recordEvent (metrics) call this too.
 */
export async function fanOutToWebhooks(tx: Executor, queue: Queue, event: { id: number; workspaceId: string; kind: string }): Promise<void> {
  await fanOutAllToWebhooks(tx, queue, [event]);
}

/**
 * fanOutToWebhooks for several events (a batch of recorded outcomes): one statement for the delivery
 * rows of them all and one for their jobs, whatever the batch size; none when nobody subscribed.
 */
export async function fanOutAllToWebhooks(tx: Executor, queue: Queue, events: { id: number; workspaceId: string; kind: string }[]): Promise<void> {
  const ids = await insertEventsDeliveries(tx, events);
  await queue.sendWebhooks(
    tx,
    ids.map((deliveryId) => ({ deliveryId })),
    new Date(),
  );
}
