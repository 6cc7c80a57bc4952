import { findOverdue, findStuckSending } from '../../db/deliveries.ts';
import { pruneRateRows } from '../../db/rate-limits.ts';
import { postsWithOverdueReceipts } from '../../db/thread-receipts.ts';
import { inTransaction } from '../../db/transaction.ts';
import { POSTING_LIMITS, longestWindowMs } from '../../domain/rate-limits.ts';
import type { WorkflowDeps } from '../deps.ts';
import { recoverStuckDelivery } from '../../db/deliveries.ts';

/**
 * An attempt left in `sending` by a worker that died (kill -9, a crash, a lost database connection
 * after the claim) goes back to `pending` marked as an unknown outcome, so the next attempt looks at
 * the network before sending anything. Guarded: an attempt that is still alive and finishes first wins.
 */
export async function recoverStuck(deps: WorkflowDeps, deliveryId: string): Promise<boolean> {
  const now = deps.now();
  const row = await inTransaction(deps.db, async (tx) => {
    const stale = new Date(now.getTime() - deps.publish.stuckAfterMs);
    const recovered = await recoverStuckDelivery(tx, deliveryId, now, stale);
    if (recovered) await deps.queue.sendPublish(tx, recovered, now);
    return recovered;
  });
  if (row)
    deps.log.warn(
      { postId: row.post_id, deliveryId: row.id, network: row.network },
      'recovered a delivery whose worker stopped mid-attempt; it will be reconciled before any retry',
    );
  return row !== undefined;
}

/** A receipt unposted this long has lost its job: notify retries are never more than 10 minutes apart. */
const RECEIPT_OVERDUE_SECONDS = 15 * 60;

/** A due delivery whose job has not started it within this long has lost its job. */
const OVERDUE_GRACE_SECONDS = 30;
const BATCH = 500;

/**
 * The safety net, every minute: re-enqueue due deliveries that have no job (a job deleted by hand, a
 * queue restored from an old backup), hand attempts whose worker died to reconciliation, give a
 * post whose receipts wait with no live notify job a job again, and move jobs from the publish queues
 * before issue 18.
 */
export async function sweep(deps: WorkflowDeps): Promise<{ requeued: number; recovered: number; receipts: number; moved: number }> {
  const now = deps.now();
  // Jobs an older replica still sent to the publish queues before issue 18 (during an upgrade) move to today's.
  const moved = await deps.queue.moveLegacyPublishJobs(deps.db);
  const overdue = await findOverdue(deps.db, now, OVERDUE_GRACE_SECONDS, BATCH);
  // The publish queue keeps one waiting job per delivery, so this never doubles a live job.
  for (const d of overdue) await deps.queue.sendPublish(deps.db, d, now);
  const stuck = await findStuckSending(deps.db, now, deps.publish.stuckAfterMs / 1000, BATCH);
  let recovered = 0;
  for (const d of stuck) if (await recoverStuck(deps, d.id)) recovered += 1;
  // Sends older than every network's longest window no longer count against anyone.
  await pruneRateRows(deps.db, new Date(now.getTime() - longestWindowMs(Object.values({ ...POSTING_LIMITS, ...deps.postingLimits }).flat())), now);
  const receipts = await nudgeReceipts(deps);
  if (overdue.length > 0 || recovered > 0 || receipts > 0) deps.log.info({ requeued: overdue.length, recovered, receipts }, 'sweep');
  return { requeued: overdue.length, recovered, receipts, moved };
}

/** Posts whose receipts have waited too long and had no live notify job: how many got one again. */
async function nudgeReceipts(deps: WorkflowDeps): Promise<number> {
  let nudged = 0;
  const chats = (Object.keys(deps.chats) as (keyof typeof deps.chats)[]).filter((c) => deps.chats[c]);
  for (const postId of await postsWithOverdueReceipts(deps.db, chats, RECEIPT_OVERDUE_SECONDS, BATCH)) {
    try {
      const how = await deps.queue.nudgeNotify(postId);
      if (how !== 'live') {
        nudged += 1;
        deps.log.warn({ postId, how }, 'receipts waited with no live notify job; the job is back');
      }
    } catch (error) {
      deps.log.error({ err: error, postId }, 'could not give waiting receipts a notify job; the next sweep tries again');
    }
  }
  return nudged;
}
