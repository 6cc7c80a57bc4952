import { findAccount } from '../db/accounts.ts';
import { findDelivery, transitionDelivery } from '../db/deliveries.ts';
import { lockPost, transitionPost } from '../db/posts.ts';
import { inTransaction } from '../db/transaction.ts';
import { findWorkspace } from '../db/workspaces.ts';
import { NETWORK_LABELS } from '../domain/networks.ts';
import type { Actor } from './actor.ts';
import type { WorkflowDeps } from './deps.ts';
import { ok, refused, type Outcome } from './outcome.ts';
import { settlePost } from './delivery/settle-post.ts';
import { recordEvent } from './record-event.ts';
import { retryComment, scheduleFirstComments } from './first-comment.ts';

/**
 * Buttons in a receipt: Retry, It is live, Publish again, Publish late. Anyone in the workspace may
 * press them (the content was approved); each is a guarded transition, so a double click acts once.
 */
export async function deliveryAction(
  deps: WorkflowDeps,
  actor: Actor,
  deliveryId: string,
  action: 'retry' | 'confirm_live' | 'publish_again' | 'publish_late' | 'retry_comment',
): Promise<Outcome> {
  if (action === 'retry_comment') return retryComment(deps, actor, deliveryId);
  const delivery = await findDelivery(deps.db, deliveryId);
  const workspace = await findWorkspace(deps.db, actor.workspaceId);
  if (!delivery || !workspace) return refused('That delivery no longer exists.');
  const label = NETWORK_LABELS[delivery.network];
  if (action === 'retry' || action === 'publish_again' || action === 'publish_late') {
    const account = await findAccount(deps.db, delivery.account_id);
    if (account?.status !== 'connected') return refused(`Reconnect ${label} first (/greenlight connect ${delivery.network}), then press Retry.`);
    if (workspace.paused_at) return refused('Publishing is paused for this workspace: an admin can /greenlight resume.');
  }
  const from = { retry: ['failed', 'needs_reconnect'], publish_again: ['unconfirmed'], publish_late: ['held'], confirm_live: ['unconfirmed'] } as const;
  return inTransaction(deps.db, async (tx) => {
    const post = await lockPost(tx, delivery.post_id);
    if (!post || post.workspace_id !== workspace.id) return refused('That post no longer exists.');
    const now = deps.now();
    if (action === 'confirm_live') {
      const done = await transitionDelivery(tx, delivery.id, 'published', { published_at: now }, [...from.confirm_live]);
      if (!done) return refused(`${label} is no longer waiting for an answer.`);
      await recordEvent(tx, deps.queue, {
        workspaceId: workspace.id,
        postId: post.id,
        deliveryId: delivery.id,
        kind: 'delivery_confirmed',
        actor: actor.userId,
        data: { network: delivery.network },
      });
      // The post is live, so its first comment is due as after any publish (the job finds the post first).
      await scheduleFirstComments(tx, deps, [delivery.id]);
      await settlePost(tx, post.id);
      return ok();
    }
    // A retry is a fresh attempt: the last error is kept for the record only when it says nothing about the network's state.
    // "Publish again" is the team's answer to an unknown outcome; a Retry still looks before sending.
    const decided = action === 'publish_again' ? { maybe_sent_at: null } : {};
    const done = await transitionDelivery(tx, delivery.id, 'pending', { due_at: now, last_error: null, ...decided }, [...from[action]]);
    if (!done) return refused(`${label} is not waiting for that any more: the card shows where it is.`);
    await transitionPost(tx, post.id, 'publishing', ['failed', 'partially_published']);
    await deps.queue.sendPublish(tx, delivery, now);
    await recordEvent(tx, deps.queue, {
      workspaceId: workspace.id,
      postId: post.id,
      deliveryId: delivery.id,
      kind: 'delivery_retry_requested',
      actor: actor.userId,
      data: { network: delivery.network },
    });
    return ok();
  });
}
