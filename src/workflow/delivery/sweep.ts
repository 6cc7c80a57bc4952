import { findOverdue, findStuckSending } from '../../db/deliveries.ts';
import { pruneRateRows } from '../../db/rate-limits.ts';
import { inTransaction } from '../../db/transaction.ts';
import { POSTING_LIMITS, longestWindowMs } from '../../domain/rate-limits.ts';
import type { WorkflowDeps } from '../deps.ts';

/**
 * An attempt left in `sending` by a worker that died (kill -9, a crash, a lost database connection
 * after the claim) goes back to `pending` marked as an unknown outcome, so the next attempt looks at
 * the network before sending anything. Guarded: an attempt that is still alive and finishes first wins.
 */
export async function recoverStuck(deps: WorkflowDeps, deliveryId: string): Promise<boolean> {
  const now = deps.now();
  const row = await inTransaction(deps.db, async (tx) => {
    const stale = new Date(now.getTime() - deps.publish.stuckAfterMs);
    const recovered = await tx
      .updateTable('deliveries')
      .set({ state: 'pending', due_at: now, maybe_sent_at: now, last_error: JSON.stringify({ class: 'unknown_outcome', message: 'the worker stopped during the attempt' }) })
      .where('id', '=', deliveryId)
      .where('state', '=', 'sending')
      .where('sending_started_at', '<=', stale)
      .returningAll()
      .executeTakeFirst();
    if (recovered) await deps.queue.sendPublish(tx, recovered, now);
    return recovered;
  });
  if (row) deps.log.warn({ postId: row.post_id, deliveryId: row.id, network: row.network }, 'recovered a delivery whose worker stopped mid-attempt; it will be reconciled before any retry');
  return row !== undefined;
}

/** A due delivery whose job has not started it within this long has lost its job. */
const OVERDUE_GRACE_SECONDS = 30;
const BATCH = 500;

/**
 * The safety net, every minute: re-enqueue due deliveries that have no job (a job deleted by hand, a
 * queue restored from an old backup), and hand attempts whose worker died to reconciliation.
 */
export async function sweep(deps: WorkflowDeps): Promise<{ requeued: number; recovered: number }> {
  const now = deps.now();
  const overdue = await findOverdue(deps.db, now, OVERDUE_GRACE_SECONDS, BATCH);
  // The publish queue keeps one waiting job per delivery, so this never doubles a live job.
  for (const d of overdue) await deps.queue.sendPublish(deps.db, d, now);
  const stuck = await findStuckSending(deps.db, now, deps.publish.stuckAfterMs / 1000, BATCH);
  let recovered = 0;
  for (const d of stuck) if (await recoverStuck(deps, d.id)) recovered += 1;
  // Sends older than every network's longest window no longer count against anyone.
  await pruneRateRows(deps.db, new Date(now.getTime() - longestWindowMs(Object.values({ ...POSTING_LIMITS, ...deps.postingLimits }).flat())), now);
  if (overdue.length > 0 || recovered > 0) deps.log.info({ requeued: overdue.length, recovered }, 'sweep');
  return { requeued: overdue.length, recovered };
}
