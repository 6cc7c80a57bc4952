import { appendEvent, type NewEvent } from '../db/events.ts';
import type { Executor } from '../db/database.ts';
import type { Queue } from '../queue/queue.ts';

/**
 * Writes the event to the audit log and, in the same transaction, asks for the card to be refreshed
 * and the event's receipt posted in its thread. If the chat is down the notify job retries: a
 * receipt is delayed, never dropped.
 */
export async function recordEvent(tx: Executor, queue: Queue, event: NewEvent & { postId: string }): Promise<number> {
  const eventId = await appendEvent(tx, event);
  await queue.sendNotify(tx, { postId: event.postId });
  return eventId;
}
