import { isCancelable, isEditable } from '../domain/post-state.ts';
import { listAccounts } from '../db/accounts.ts';
import { listDeliveries, transitionDelivery } from '../db/deliveries.ts';
import { voidApprovals } from '../db/decisions.ts';
import { lockPost, replacePostContent, transitionPost } from '../db/posts.ts';
import type { Post, Workspace } from '../db/schema.ts';
import type { Tx } from '../db/database.ts';
import { inTransaction } from '../db/transaction.ts';
import { findWorkspace } from '../db/workspaces.ts';
import { parsePublishTime } from '../domain/publish-time.ts';
import { hashOf, validateCompose, type ComposeInput } from './compose.ts';
import { withMediaCheck } from './outbound-checks.ts';
import { askLinkPreview, hasMedia } from './link-preview.ts';
import { saveFirstComments } from '../db/first-comments.ts';
import { hashWithComments } from '../domain/first-comment.ts';
import type { Actor } from './actor.ts';
import type { WorkflowDeps } from './deps.ts';
import { ok, refused, type Outcome } from './outcome.ts';
import { bookSlot, chooseSlot } from './next-slot.ts';
import { cancelFollowers, editFollowers } from './series.ts';
import { recordEvent } from './record-event.ts';
import { watchReview } from './review-deadline.ts';
import { scheduleApprovedPost } from './schedule-deliveries.ts';
import type { SubmitResult } from './submit-post.ts';
import { deleteUnsentDeliveries } from '../db/deliveries.ts';
import { mediaLimits } from './media-copy.ts';
import { currentHash, setPostFiles, withStoredFacts } from './post-files.ts';

/**
 * The author's buttons: Edit, Reschedule, Cancel. Admins may cancel anyone's post (the brake for a
 * wrong campaign). Each works until publishing starts, and each locks the post so it cannot race a
 * decision or the publish worker.
 */
async function withOwnPost(
  deps: WorkflowDeps,
  actor: Actor,
  postId: string,
  allowAdmin: boolean,
  work: (tx: Tx, post: Post, workspace: Workspace) => Promise<Outcome>,
): Promise<Outcome> {
  const workspace = await findWorkspace(deps.db, actor.workspaceId);
  if (!workspace) return refused('This workspace is not set up in Greenlight yet.');
  const admin = allowAdmin ? (await deps.chats[workspace.chat]?.roles(workspace, actor.userId))?.admin === true : false;
  return inTransaction(deps.db, async (tx) => {
    const post = await lockPost(tx, postId);
    if (!post || post.workspace_id !== workspace.id) return refused('That post no longer exists.');
    if (post.author_id !== actor.userId && !admin) return refused(`Only the author (<@${post.author_id}>)${allowAdmin ? ' or an admin' : ''} can do that.`);
    return work(tx, post, workspace);
  });
}

export function cancelPost(deps: WorkflowDeps, actor: Actor, postId: string): Promise<Outcome> {
  return withOwnPost(deps, actor, postId, true, async (tx, post) => {
    const outcome = await cancelLockedPost(tx, deps, post, actor.userId);
    // A series' head: what has not started of the series stops with it.
    if (outcome.ok) await cancelFollowers(tx, deps, post, actor.userId);
    return outcome;
  });
}

/** The cancel itself, on a post locked by the caller, who has checked the rights; `actorId` goes to the event log. */
export async function cancelLockedPost(tx: Tx, deps: WorkflowDeps, post: Post, actorId: string): Promise<Outcome> {
  if (!isCancelable(post.state))
    return refused(
      post.state === 'publishing'
        ? 'Publishing has already started, so it cannot be canceled: what went out stays out.'
        : `This post is ${post.state.replace('_', ' ')} and can no longer be canceled.`,
    );
  await transitionPost(tx, post.id, 'canceled', [post.state]);
  for (const d of await listDeliveries(tx, post.id)) await transitionDelivery(tx, d.id, 'skipped', {}, ['pending', 'held']);
  await recordEvent(tx, deps.queue, { workspaceId: post.workspace_id, postId: post.id, kind: 'canceled', actor: actorId });
  return ok('Canceled.');
}

/** An edit replaces the content and voids every approval: it was given to other content. */
export async function editPost(deps: WorkflowDeps, actor: Actor, postId: string, input: ComposeInput): Promise<SubmitResult | { ok: false; message: string }> {
  const accounts = await listAccounts(deps.db, actor.workspaceId);
  const workspace = await findWorkspace(deps.db, actor.workspaceId);
  // Files kept from the store are checked on their stored facts, not on what a form says of them.
  const files = await withStoredFacts(deps.db, postId, input.files);
  const checked = await withMediaCheck(
    validateCompose({ ...input, ...(files ? { files } : {}) }, accounts, deps.now(), {
      requireAlt: workspace?.require_alt_text ?? false,
      maxFileBytes: mediaLimits(deps).maxFileBytes,
    }),
    input.media,
  );
  if (!checked.ok) return checked;
  let v = checked.value;
  if (v.repeat) return { ok: false, errors: { when: "A series repeats as it was posted: an edit changes its content (and this post's time), not its rule." } };
  const outcome = await withOwnPost(deps, actor, postId, false, async (tx, post, workspace) => {
    if (!isEditable(post.state)) return refused(`This post is ${post.state.replace('_', ' ')}: it can no longer be edited.`);
    if (v.slot) {
      const choice = await chooseSlot(
        tx,
        workspace,
        accounts.filter((a) => v.targets.some((t) => t.accountId === a.id)),
        v.slot,
        deps.now(),
      );
      if (!choice.ok) return refused(choice.message);
      v = {
        ...v,
        publishAt: choice.at,
        contentHash: hashWithComments(hashOf(v.text, v.targets, v.variants, v.media, choice.at, [], v.instagram), v.comments ?? {}),
      };
      await bookSlot(
        tx,
        workspace.id,
        v.targets.map((t) => t.accountId),
        choice.at,
        post.id,
      );
    }
    await replacePostContent(tx, post.id, {
      accountIds: v.targets.map((t) => t.accountId),
      variants: v.variants,
      media: v.media.map((url) => ({ url })),
      instagramKind: v.instagram,
    });
    // A form that says nothing of files (a chat or tool without them) keeps the post's files.
    if (files) await setPostFiles(tx, deps, post, v.files);
    // The comments and the new card request first: the hash reads them (a card still to be read adds nothing).
    await saveFirstComments(tx, post.id, v.comments ?? {});
    await askLinkPreview(
      tx,
      deps,
      { id: post.id, version: post.version + 1 },
      { text: v.text, variants: v.variants, hasMedia: hasMedia(input), noPreview: input.noLinkPreview },
    );
    v = { ...v, contentHash: await currentHash(tx, { id: post.id, text: v.text, publish_at: v.publishAt }) };
    const voided = await reopenReview(tx, post, {
      text: v.text,
      note: v.note,
      publish_at: v.publishAt,
      zone: v.zone,
      content_hash: v.contentHash,
      version: post.version + 1,
    });
    await recordEvent(tx, deps.queue, {
      workspaceId: post.workspace_id,
      postId: post.id,
      kind: 'edited',
      actor: actor.userId,
      data: { approvalsVoided: voided > 0 },
    });
    await watchReview(tx, deps, { id: post.id, version: post.version + 1, publish_at: v.publishAt }, workspace);
    // A series' head: the edit applies to the occurrences not yet started, which wait for approval again.
    await editFollowers(tx, deps, post, v, actor.userId);
    return ok();
  });
  return outcome.ok ? { ok: true, postId } : { ok: false, message: outcome.message };
}

/** A new time is new content for the approvers (the hash includes it), so an approved post goes back to review. */
export function reschedulePost(deps: WorkflowDeps, actor: Actor, postId: string, when: string): Promise<Outcome> {
  return withOwnPost(deps, actor, postId, false, async (tx, post, workspace) => {
    if (!isEditable(post.state)) return refused(`This post is ${post.state.replace('_', ' ')}: its time can no longer change.`);
    const parsed = parsePublishTime(when, post.zone, deps.now());
    if (!parsed.ok) return refused(parsed.message);
    const content_hash = await rehash(tx, post, parsed.at);
    const voided = await reopenReview(tx, post, { publish_at: parsed.at, content_hash, version: post.version + 1 });
    await recordEvent(tx, deps.queue, {
      workspaceId: post.workspace_id,
      postId: post.id,
      kind: 'rescheduled',
      actor: actor.userId,
      data: { publishAt: parsed.at.toISOString(), approvalsVoided: voided > 0 },
    });
    await watchReview(tx, deps, { id: post.id, version: post.version + 1, publish_at: parsed.at }, workspace);
    return ok();
  });
}

/** Back to review with new content: approvals voided, deliveries not yet sent withdrawn. */
async function reopenReview(
  tx: Tx,
  post: Post,
  changes: { text?: string; note?: string | null; publish_at: Date; zone?: string; content_hash: string; version: number },
): Promise<number> {
  const voided = await voidApprovals(tx, post.id);
  // Unsent deliveries belong to the approved content; their jobs find nothing when they wake. Skipped
  // ones are networks held at approval (nothing is sent before publishing starts): the new version
  // is approved, or held, afresh.
  await deleteUnsentDeliveries(tx, post.id);
  const to = post.state === 'draft' ? 'draft' : 'in_review';
  await transitionPost(tx, post.id, to, [post.state], changes);
  return voided;
}

async function rehash(tx: Tx, post: Post, publishAt: Date): Promise<string> {
  return currentHash(tx, post, publishAt);
}

/**
 * "Publish now" on approved content: the deliveries fall due at once. The approval stands (the
 * approvers approved this content to go out; only the moment moves earlier), which is why this,
 * unlike Reschedule, keeps the content hash as approved.
 */
export function publishNow(deps: WorkflowDeps, actor: Actor, postId: string): Promise<Outcome> {
  return withOwnPost(deps, actor, postId, false, async (tx, post) => {
    if (post.state !== 'approved' && post.state !== 'scheduled') {
      return refused(
        post.state === 'in_review' ? 'Publish now works once the post is approved: ask an approver.' : `This post is ${post.state.replace('_', ' ')}.`,
      );
    }
    const now = deps.now();
    const moved = await transitionPost(tx, post.id, post.state, [post.state], { publish_at: now });
    if (!moved) return refused('The post changed meanwhile; try again.');
    await recordEvent(tx, deps.queue, { workspaceId: post.workspace_id, postId: post.id, kind: 'publish_now', actor: actor.userId });
    if (post.state === 'approved') {
      await scheduleApprovedPost(tx, deps, moved, actor.userId);
      return ok();
    }
    for (const d of await listDeliveries(tx, post.id)) {
      const due = await transitionDelivery(tx, d.id, 'pending', { due_at: now }, ['pending']);
      if (due) await deps.queue.sendPublish(tx, d, now);
    }
    return ok();
  });
}
