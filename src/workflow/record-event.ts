import { appendEvent, appendPostEvents, type NewEvent } from '../db/events.ts';
import type { Executor } from '../db/database.ts';
import { addThreadReceipts } from '../db/thread-receipts.ts';
import { addLogContext } from '../log.ts';
import type { Queue } from '../queue/queue.ts';
import { fanOutToWebhooks } from './webhook-fan-out.ts';

/**
 * Writes the event to the audit log and, in the same transaction, its thread receipt still to post
 * (an outbox row) and a notify job to post it and refresh the card. If the chat is down the notify job
 * retries, and the sweeper nudges receipts left unposted: a receipt is delayed, never dropped. The
 * workspace's outgoing webhooks get it in the same transaction.
 */
export async function recordEvent(tx: Executor, queue: Queue, event: NewEvent & { postId: string }): Promise<number> {
  // Whatever the request or job logs from here on is about this post.
  addLogContext({ postId: event.postId });
  const eventId = await appendEvent(tx, event);
  await addThreadReceipts(tx, [{ eventId, postId: event.postId }]);
  await queue.sendNotify(tx, { postId: event.postId });
  await fanOutToWebhooks(tx, queue, { id: eventId, workspaceId: event.workspaceId, kind: event.kind });
  return eventId;
}

/**
 * recordEvent for several events in one transaction (a batch of recorded outcomes): one statement
 * for the events, their receipts and webhook rows (appendPostEvents), one for their notify jobs and
 * one for their webhook jobs (none when nobody subscribed). Does what recordEvent does: keep them in step.
 */
export async function recordEvents(tx: Executor, queue: Queue, events: (NewEvent & { postId: string })[]): Promise<number[]> {
  const { eventIds, webhookDeliveryIds } = await appendPostEvents(tx, events);
  await queue.sendNotifyAll(
    tx,
    [...new Set(events.map((e) => e.postId))].map((postId) => ({ postId })),
  );
  await queue.sendWebhooks(
    tx,
    webhookDeliveryIds.map((deliveryId) => ({ deliveryId })),
    new Date(),
  );
  return eventIds;
}
