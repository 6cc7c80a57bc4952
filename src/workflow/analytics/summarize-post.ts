import { readingsAt, summaryRecorded } from '../../db/delivery-metrics.ts';
import { lockPost } from '../../db/posts.ts';
import { NETWORKS } from '../../domain/networks.ts';
import { inTransaction } from '../../db/transaction.ts';
import type { WorkflowDeps } from '../deps.ts';
import { recordEvent } from '../record-event.ts';
import { SUMMARY_SLOT } from '../../domain/metric-slots.ts';
import { bestNetwork, summaryEntry } from './summary-line.ts';

export const SUMMARY_EVENT = 'metrics_summary';

/**
 * Once every measured network of a post has its 24-hour row, the post's thread gets one summary: the
 * `metrics_summary` event, whose receipt is the summary line. The post row is locked first, so two
 * batches storing the last two networks at once cannot both miss (or both write) the summary.
 */
export async function summarizeIfComplete(deps: Pick<WorkflowDeps, 'db' | 'queue' | 'adapters'>, post: { id: string; workspaceId: string }): Promise<boolean> {
  return inTransaction(deps.db, async (tx) => {
    await lockPost(tx, post.id);
    if (await summaryRecorded(tx, post.id)) return false;
    const readings = (await readingsAt(tx, post.id, SUMMARY_SLOT)).filter((r) => deps.adapters[r.network]?.metrics);
    if (readings.length === 0 || readings.some((r) => r.row === undefined)) return false;
    const entries = readings.map((r) => summaryEntry(r.network, r.row)).sort((a, b) => NETWORKS.indexOf(a.network) - NETWORKS.indexOf(b.network));
    await recordEvent(tx, deps.queue, {
      workspaceId: post.workspaceId,
      postId: post.id,
      kind: SUMMARY_EVENT,
      data: { entries, best: bestNetwork(entries) ?? null },
    });
    return true;
  });
}
