import { findOverdue, findStuckSending, transitionDelivery } from '../../db/deliveries.ts';
import { inTransaction } from '../../db/transaction.ts';
import type { WorkflowDeps } from '../deps.ts';

/** A due delivery whose job has not started it within this long has lost its job. */
const OVERDUE_GRACE_SECONDS = 30;
/**
 * An attempt still `sending` after this long has lost its worker: every network call has a timeout
 * well under it, and pg-boss's heartbeat has already given the job to another worker by then.
 */
export const STUCK_SENDING_SECONDS = 180;
const BATCH = 500;

/**
 * The safety net, every minute: re-enqueue due deliveries that have no job (a job deleted by hand, a
 * queue restored from an old backup), and hand attempts whose worker died to reconciliation.
 */
export async function sweep(deps: WorkflowDeps): Promise<{ requeued: number; recovered: number }> {
  const now = deps.now();
  const overdue = await findOverdue(deps.db, now, OVERDUE_GRACE_SECONDS, BATCH);
  // The publish queue keeps one waiting job per delivery, so this never doubles a live job.
  for (const d of overdue) await deps.queue.sendPublish(deps.db, d.id, now);
  const stuck = await findStuckSending(deps.db, now, STUCK_SENDING_SECONDS, BATCH);
  let recovered = 0;
  for (const d of stuck) {
    const done = await inTransaction(deps.db, async (tx) => {
      const row = await transitionDelivery(tx, d.id, 'pending', { due_at: now, last_error: { class: 'unknown_outcome', message: 'the worker stopped during the attempt' } }, ['sending']);
      if (row) await deps.queue.sendPublish(tx, row.id, now);
      return row;
    });
    if (done) {
      recovered += 1;
      deps.log.warn({ postId: done.post_id, deliveryId: done.id, network: done.network }, 'recovered a delivery whose worker stopped mid-attempt; it will be reconciled before any retry');
    }
  }
  if (overdue.length > 0 || recovered > 0) deps.log.info({ requeued: overdue.length, recovered }, 'sweep');
  return { requeued: overdue.length, recovered };
}
