import { lockPost } from '../db/posts.ts';
import type { Tx } from '../db/database.ts';
import type { Post, Workspace } from '../db/schema.ts';
import { inTransaction } from '../db/transaction.ts';
import type { WorkflowDeps } from './deps.ts';
import { recordEvent } from './record-event.ts';
import { PASSED_AFTER_MS } from './schedule-deliveries.ts';
import { hasVersionEvent } from '../db/events.ts';
import { isAwaitingDecision } from '../domain/post-state.ts';

/**
 * A post (re)entering review gets two wake-ups, in the caller's transaction: the reminder after the
 * workspace's delay, and the deadline at its publish time. Both are bound to the post's version, so
 * an edit or a new time (a new version, with its own pair) leaves the old ones with nothing to do.
 * The deadline is the publish time plus the grace an approval still gets (scheduleApprovedPost): the
 * moment from which the post can no longer go out at its time. Earlier it would be wrong for every
 * post sent for review with "now", whose approval a minute later still publishes it.
 */
export async function watchReview(
  tx: Tx,
  deps: WorkflowDeps,
  post: Pick<Post, 'id' | 'version' | 'publish_at'>,
  workspace: Pick<Workspace, 'reminder_after_minutes'>,
): Promise<void> {
  const job = { postId: post.id, version: post.version };
  await deps.queue.sendRemind(tx, job, new Date(deps.now().getTime() + workspace.reminder_after_minutes * 60_000));
  await deps.queue.sendReviewDeadline(tx, job, reviewDeadline(post.publish_at));
}

/**
 * The publish time came and the post is still waiting for approval: nothing is published, and the
 * thread and the card say so at that moment (not only when someone approves too late). A post that
 * left review, or changed since, has nothing to report.
 */
export async function handleReviewDeadlineJob(deps: WorkflowDeps, postId: string, version: number): Promise<void> {
  await inTransaction(deps.db, async (tx) => {
    const post = await lockPost(tx, postId);
    if (!post || !isAwaitingDecision(post.state) || post.version !== version) return;
    if (reviewDeadline(post.publish_at).getTime() > deps.now().getTime()) return;
    // A retried job (the worker died after the commit) must not say it twice.
    if (await hasVersionEvent(tx, post.id, 'publish_time_passed', version)) return;
    await recordEvent(tx, deps.queue, {
      workspaceId: post.workspace_id,
      postId: post.id,
      kind: 'publish_time_passed',
      actor: null,
      data: { publishAt: post.publish_at.toISOString(), stillInReview: true, version },
    });
  });
}

/** When a post still in review has missed its time: its publish time plus the approval grace. */
export function reviewDeadline(publishAt: Date): Date {
  return new Date(publishAt.getTime() + PASSED_AFTER_MS);
}
