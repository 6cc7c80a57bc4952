import type { Executor } from '../../db/database.ts';
import type { MetricRow } from '../../db/delivery-metrics.ts';
import { appendEvents } from '../../db/events.ts';
import type { Queue } from '../../queue/queue.ts';
import { fanOutAllToWebhooks } from '../webhook-fan-out.ts';

export const MEASURED_EVENT = 'metrics_measured';

/**
 * One `metrics_measured` event per stored measurement (a delivery at 1 h, 6 h, 24 h or 7 d), for the
 * workspace's outgoing webhooks, in the transaction that stored the rows. The counts are as stored:
 * null where the network reported nothing. No thread receipt: the thread gets the one summary line.
 */
export async function recordMeasurements(tx: Executor, queue: Queue, rows: MetricRow[], measuredAt: Date): Promise<void> {
  if (rows.length === 0) return;
  const events = rows.map(({ target, slot, metrics }) => ({
    workspaceId: target.workspaceId,
    postId: target.postId,
    deliveryId: target.deliveryId,
    kind: MEASURED_EVENT,
    data: {
      network: target.network,
      slot,
      externalId: target.externalId,
      publishedAt: target.publishedAt.toISOString(),
      measuredAt: measuredAt.toISOString(),
      likes: metrics?.likes ?? null,
      reposts: metrics?.reposts ?? null,
      replies: metrics?.replies ?? null,
      impressions: metrics?.impressions ?? null,
    },
  }));
  const ids = await appendEvents(tx, events);
  await fanOutAllToWebhooks(
    tx,
    queue,
    events.map((event, i) => ({ id: ids[i]!, workspaceId: event.workspaceId, kind: event.kind })),
  );
}
