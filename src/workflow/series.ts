import { insertDecision, listDecisions, voidApprovals } from '../db/decisions.ts';
import { deleteUnsentDeliveries, insertDeliveries, listDeliveries, transitionDelivery } from '../db/deliveries.ts';
import { insertPost, loadPostContent, replacePostContent, transitionPost } from '../db/posts.ts';
import { insertSeries, lockFollowers, seriesOf } from '../db/post-series.ts';
import type { Tx } from '../db/database.ts';
import type { Post } from '../db/schema.ts';
import { isCancelable, isEditable } from '../domain/post-state.ts';
import { describeRepeat, type RepeatRule } from '../domain/recurrence.ts';
import { hashOf, type ValidCompose } from './compose.ts';
import type { WorkflowDeps } from './deps.ts';
import { recordEvent } from './record-event.ts';
import { PASSED_AFTER_MS } from './schedule-deliveries.ts';
import { currentHash } from './post-files.ts';

/**
 * Recurring posts. A series is a head post (the first occurrence: its card stands for the series) and
 * one post per further occurrence, each with its own time, content hash, deliveries and receipts (in
 * the head card's thread: src/workflow/notify.ts). The followers have no card and no review of their
 * own: an approval of the head covers every follower whose content is the head's (the content hash,
 * computed with the follower's own time), which is then scheduled with it. An edit of the head
 * applies to the followers not yet started and voids their approvals with the head's; a cancel of the
 * head cancels them. One summary reply in the thread says what happened to the series.
 */
export async function createFollowers(tx: Tx, head: Post, v: ValidCompose, rule: RepeatRule, instants: Date[]): Promise<number> {
  const ids = [head.id];
  for (const at of instants.slice(1)) {
    const post = await insertPost(tx, {
      workspaceId: head.workspace_id,
      authorId: head.author_id,
      state: 'in_review',
      text: v.text,
      note: v.note,
      originChannelId: head.origin_channel_id,
      publishAt: at,
      zone: v.zone,
      contentHash: hashOf(v.text, v.targets, v.variants, v.media, at, [], v.instagram),
      accountIds: v.targets.map((t) => t.accountId),
      variants: v.variants,
      media: v.media.map((url) => ({ url })),
      instagramKind: v.instagram,
    });
    ids.push(post.id);
  }
  await insertSeries(tx, head.id, ids, describeRepeat(rule));
  return ids.length - 1;
}

/** The head's content with another time: what a follower must hash to for the head's approval to cover it. */
async function expectedHash(tx: Tx, head: Post, at: Date): Promise<string> {
  // As the occurrences are hashed: without the head's own first comments and link card.
  return currentHash(tx, head, at, head.id, false);
}

/**
 * The head's files are the series' files (a follower has none of its own: one copy in the store for
 * all): once they are stored, each follower waiting for approval is hashed again with them, so the
 * head's approval covers it as before.
 */
export async function rehashFollowers(tx: Tx, head: Post): Promise<void> {
  const series = await seriesOf(tx, head.id);
  if (!series || series.position !== 0) return;
  for (const follower of await lockFollowers(tx, head.id)) {
    if (follower.state !== 'in_review' && follower.state !== 'draft') continue;
    const hash = await currentHash(tx, follower, follower.publish_at, head.id);
    if (hash !== follower.content_hash) await transitionPost(tx, follower.id, follower.state, [follower.state], { content_hash: hash });
  }
}

/**
 * The head was approved (and scheduled, or found past its time): its live approvals are copied to every
 * follower in review with the same content, and those are scheduled. Followers whose time passed are left.
 */
export async function approveFollowers(tx: Tx, deps: WorkflowDeps, head: Post, actorId: string): Promise<void> {
  const series = await seriesOf(tx, head.id);
  if (!series || series.position !== 0) return;
  const approvals = (await listDecisions(tx, head.id)).filter(
    (d) => !d.voided_at && d.content_hash === head.content_hash && (d.kind === 'approve' || d.kind === 'hold'),
  );
  const held = approvals.filter((d) => d.kind === 'hold').map((d) => d.network);
  const now = deps.now();
  let scheduled = 0;
  for (const follower of await lockFollowers(tx, head.id)) {
    if (follower.state !== 'in_review' || follower.content_hash !== (await expectedHash(tx, head, follower.publish_at))) continue;
    if (follower.publish_at.getTime() < now.getTime() - PASSED_AFTER_MS) continue;
    for (const d of approvals)
      await insertDecision(tx, {
        postId: follower.id,
        actorId: d.actor_id,
        kind: d.kind,
        comment: null,
        contentHash: follower.content_hash,
        network: d.network,
      });
    await transitionPost(tx, follower.id, 'approved', ['in_review']);
    const content = await loadPostContent(tx, follower.id);
    const dueAt = follower.publish_at.getTime() < now.getTime() ? now : follower.publish_at;
    const deliveries = await insertDeliveries(
      tx,
      follower.id,
      content.targets.map((t) => ({ accountId: t.accountId, network: t.network })),
      dueAt,
    );
    for (const delivery of deliveries) {
      if (!held.includes(delivery.network)) await deps.queue.sendPublish(tx, delivery, dueAt);
      else await transitionDelivery(tx, delivery.id, 'skipped', { last_error: { class: 'held', message: 'held by an approver at approval' } }, ['pending']);
    }
    await transitionPost(tx, follower.id, 'scheduled', ['approved']);
    scheduled += 1;
  }
  if (scheduled > 0)
    await recordEvent(tx, deps.queue, {
      workspaceId: head.workspace_id,
      postId: head.id,
      kind: 'series_approved',
      actor: actorId,
      data: { count: scheduled, rule: series.rule },
    });
}

/** The head was edited: the followers not yet started take the same content, and wait for approval again. */
export async function editFollowers(tx: Tx, deps: WorkflowDeps, head: Post, v: ValidCompose, actorId: string): Promise<void> {
  const series = await seriesOf(tx, head.id);
  if (!series || series.position !== 0) return;
  let edited = 0;
  for (const follower of await lockFollowers(tx, head.id)) {
    if (!isEditable(follower.state)) continue;
    await replacePostContent(tx, follower.id, {
      accountIds: v.targets.map((t) => t.accountId),
      variants: v.variants,
      media: v.media.map((url) => ({ url })),
      instagramKind: v.instagram,
    });
    await voidApprovals(tx, follower.id);
    await deleteUnsentDeliveries(tx, follower.id);
    const to = follower.state === 'draft' ? 'draft' : 'in_review';
    await transitionPost(tx, follower.id, to, [follower.state], {
      text: v.text,
      note: v.note,
      content_hash: await currentHash(tx, { id: follower.id, text: v.text, publish_at: follower.publish_at }, follower.publish_at, head.id),
      version: follower.version + 1,
    });
    edited += 1;
  }
  if (edited > 0)
    await recordEvent(tx, deps.queue, { workspaceId: head.workspace_id, postId: head.id, kind: 'series_edited', actor: actorId, data: { count: edited } });
}

/** The head was canceled: so is every follower that has not started publishing. */
export async function cancelFollowers(tx: Tx, deps: WorkflowDeps, head: Post, actorId: string): Promise<void> {
  const series = await seriesOf(tx, head.id);
  if (!series || series.position !== 0) return;
  let canceled = 0;
  for (const follower of await lockFollowers(tx, head.id)) {
    if (!isCancelable(follower.state)) continue;
    await transitionPost(tx, follower.id, 'canceled', [follower.state]);
    for (const d of await listDeliveries(tx, follower.id)) await transitionDelivery(tx, d.id, 'skipped', {}, ['pending', 'held']);
    canceled += 1;
  }
  if (canceled > 0)
    await recordEvent(tx, deps.queue, { workspaceId: head.workspace_id, postId: head.id, kind: 'series_canceled', actor: actorId, data: { count: canceled } });
}
