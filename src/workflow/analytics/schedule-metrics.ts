import type { Executor } from '../../db/database.ts';
import type { Network } from '../../domain/networks.ts';
import type { WorkflowDeps } from '../deps.ts';
import { metricSchedule } from '../../domain/metric-slots.ts';

export interface JustPublished {
  deliveryId: string;
  network: Network;
  publishedAt: Date;
}

/**
 * Queues the four metrics jobs (1 h, 6 h, 24 h, 7 d) of deliveries just published, in the caller's
 * transaction: the delivery becomes `published` and its measurements are planned together, or neither.
 * A network whose adapter has no metrics call gets none.
 */
export async function scheduleMetrics(tx: Executor, deps: Pick<WorkflowDeps, 'queue' | 'adapters'>, published: JustPublished[]): Promise<void> {
  const jobs = published
    .filter((p) => deps.adapters[p.network]?.metrics)
    .flatMap((p) => metricSchedule(p.publishedAt).map(({ slot, at }) => ({ deliveryId: p.deliveryId, slot, attempt: 1, at })));
  await deps.queue.sendMetrics(tx, jobs);
}
