import type { Executor } from '../db/database.ts';
import { insertEventDeliveries } from '../db/webhooks.ts';
import type { Queue } from '../queue/queue.ts';

/**
 * Every recorded event goes to the workspace's subscribed URLs: one delivery row and one job per
 * matching subscription, in the caller's transaction, so an event and its webhooks commit together.
 * Events recorded outside recordEvent (metrics) call this too.
 */
export async function fanOutToWebhooks(tx: Executor, queue: Queue, event: { id: number; workspaceId: string; kind: string }): Promise<void> {
  const ids = await insertEventDeliveries(tx, event);
  for (const deliveryId of ids) await queue.sendWebhook(tx, { deliveryId }, new Date());
}
