import type { Executor } from '../../db/database.ts';
import type { Network } from '../../domain/networks.ts';
import type { WorkflowDeps } from '../deps.ts';
import { metricSchedule, type MetricSlot } from '../../domain/metric-slots.ts';

export interface JustPublished {
  deliveryId: string;
  network: Network;
  publishedAt: Date;
}

/**
 * Queues the measurements (1 h, 6 h, 24 h, 7 d) of deliveries just published, in the caller's
 * transaction: the delivery becomes `published` and its measurements are planned together, or neither.
 * Deliveries whose slot falls due at the same time (slot times are rounded to 5 minutes, so a batch
 * recorded together nearly always does) share one job per slot: four job rows per batch, not four per
 * delivery. A network whose adapter has no metrics call gets none.
 */
export async function scheduleMetrics(tx: Executor, deps: Pick<WorkflowDeps, 'queue' | 'adapters'>, published: JustPublished[]): Promise<void> {
  const jobs = new Map<string, { deliveryIds: string[]; slot: MetricSlot; attempt: number; at: Date }>();
  for (const p of published) {
    if (!deps.adapters[p.network]?.metrics) continue;
    for (const { slot, at } of metricSchedule(p.publishedAt)) {
      const key = `${slot}@${at.getTime()}`;
      const job = jobs.get(key);
      if (job) job.deliveryIds.push(p.deliveryId);
      else jobs.set(key, { deliveryIds: [p.deliveryId], slot, attempt: 1, at });
    }
  }
  await deps.queue.sendMetrics(tx, [...jobs.values()]);
}
