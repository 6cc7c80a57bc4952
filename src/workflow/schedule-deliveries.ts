import { listCurrentHolds } from '../db/decisions.ts';
import { insertDeliveries, transitionDelivery } from '../db/deliveries.ts';
import { loadPostContent, transitionPost } from '../db/posts.ts';
import type { Tx } from '../db/database.ts';
import type { Post } from '../db/schema.ts';
import { recordEvent } from './record-event.ts';
import type { WorkflowDeps } from './deps.ts';

/** Grace before a publish time counts as passed: a click at 9:00:30 for 9:00 still publishes. */
export const PASSED_AFTER_MS = 5 * 60_000;

/**
 * An approved post gets one delivery per target account and one publish job per delivery, in the
 * caller's transaction. A publish time that passed while the post waited for approval is not
 * silently used: the post stays approved and the thread asks the author to reschedule.
 * A network an approver held gets its delivery skipped at once, with the reason on the card: it is
 * never sent, and the post's outcome is that of the networks that were approved.
 */
export async function scheduleApprovedPost(tx: Tx, deps: WorkflowDeps, post: Post, actor: string): Promise<Post> {
  const now = deps.now();
  if (post.publish_at.getTime() < now.getTime() - PASSED_AFTER_MS) {
    await recordEvent(tx, deps.queue, {
      workspaceId: post.workspace_id,
      postId: post.id,
      kind: 'publish_time_passed',
      actor,
      data: { publishAt: post.publish_at.toISOString() },
    });
    return post;
  }
  const content = await loadPostContent(tx, post.id);
  const dueAt = post.publish_at.getTime() < now.getTime() ? now : post.publish_at;
  const deliveries = await insertDeliveries(
    tx,
    post.id,
    content.targets.map((t) => ({ accountId: t.accountId, network: t.network })),
    dueAt,
  );
  const held = await listCurrentHolds(tx, post.id, post.content_hash);
  for (const delivery of deliveries) {
    if (!held.includes(delivery.network)) await deps.queue.sendPublish(tx, delivery, dueAt);
    else await transitionDelivery(tx, delivery.id, 'skipped', { last_error: { class: 'held', message: 'held by an approver at approval' } }, ['pending']);
  }
  const scheduled = await transitionPost(tx, post.id, 'scheduled', ['approved']);
  if (!scheduled) throw new Error(`post ${post.id} left 'approved' while it was being scheduled`);
  await recordEvent(tx, deps.queue, {
    workspaceId: post.workspace_id,
    postId: post.id,
    kind: 'scheduled',
    actor,
    data: { publishAt: dueAt.toISOString(), deliveries: deliveries.length, ...(held.length ? { held } : {}) },
  });
  return scheduled;
}
