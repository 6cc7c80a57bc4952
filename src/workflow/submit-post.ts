import { listAccounts } from '../db/accounts.ts';
import { insertPost, transitionPost } from '../db/posts.ts';
import { inTransaction } from '../db/transaction.ts';
import { findWorkspace } from '../db/workspaces.ts';
import { hashOf, validateCompose, type ComposeInput, type ComposeResult } from './compose.ts';
import type { Actor } from './actor.ts';
import type { WorkflowDeps } from './deps.ts';
import { bookSlot, chooseSlot } from './next-slot.ts';
import { approveFollowers, createFollowers } from './series.ts';
import { describeRepeat } from '../domain/recurrence.ts';
import { withMediaCheck } from './outbound-checks.ts';
import { askLinkPreview, hasMedia } from './link-preview.ts';
import { saveFirstComments } from '../db/first-comments.ts';
import { hashWithComments } from '../domain/first-comment.ts';
import { recordEvent } from './record-event.ts';
import { watchReview } from './review-deadline.ts';
import { mediaLimits } from './media-copy.ts';
import { setPostFiles } from './post-files.ts';
import { scheduleApprovedPost } from './schedule-deliveries.ts';

export type SubmitResult = { ok: true; postId: string } | Extract<ComposeResult, { ok: false }>;

/**
 * The compose form was submitted: validate, store the post in review and ask for its card. With a
 * policy of zero approvals the post is approved and scheduled at once; otherwise a reminder and the
 * publish-time deadline are queued with it.
 */
export async function submitPost(deps: WorkflowDeps, actor: Actor, input: ComposeInput, originChannelId: string): Promise<SubmitResult> {
  const workspace = await findWorkspace(deps.db, actor.workspaceId);
  if (!workspace) throw new Error(`workspace ${actor.workspaceId} not found`);
  const accounts = await listAccounts(deps.db, workspace.id);
  const checked = await withMediaCheck(
    validateCompose(input, accounts, deps.now(), { requireAlt: workspace.require_alt_text, maxFileBytes: mediaLimits(deps).maxFileBytes }),
    input.media,
  );
  if (!checked.ok) return checked;
  let v = checked.value;

  const postId = await inTransaction(deps.db, async (tx): Promise<string | SubmitResult> => {
    // "next slot": chosen here, under the accounts' slot locks, and booked before this commits.
    let slot: string | undefined;
    if (v.slot) {
      const choice = await chooseSlot(
        tx,
        workspace,
        accounts.filter((a) => v.targets.some((t) => t.accountId === a.id)),
        v.slot,
        deps.now(),
      );
      if (!choice.ok) return { ok: false, errors: { when: choice.message } };
      slot = choice.slot;
      v = {
        ...v,
        publishAt: choice.at,
        contentHash: hashWithComments(hashOf(v.text, v.targets, v.variants, v.media, choice.at, [], v.instagram), v.comments ?? {}),
      };
    }
    const post = await insertPost(tx, {
      workspaceId: workspace.id,
      authorId: actor.userId,
      state: 'in_review',
      text: v.text,
      note: v.note,
      originChannelId,
      publishAt: v.publishAt,
      zone: v.zone,
      contentHash: v.contentHash,
      accountIds: v.targets.map((t) => t.accountId),
      variants: v.variants,
      media: v.media.map((url) => ({ url })),
      instagramKind: v.instagram,
    });
    // Attached files: `preparing` rows now, the copy after this answer (src/workflow/media-copy.ts).
    const preparing = await setPostFiles(tx, deps, post, v.files);
    await saveFirstComments(tx, post.id, v.comments ?? {});
    await askLinkPreview(tx, deps, post, { text: v.text, variants: v.variants, hasMedia: hasMedia(input), noPreview: input.noLinkPreview, isNew: true });
    if (slot)
      await bookSlot(
        tx,
        workspace.id,
        v.targets.map((t) => t.accountId),
        v.publishAt,
        post.id,
      );
    const followers = v.repeat ? await createFollowers(tx, post, v, v.repeat.rule, v.repeat.at) : 0;
    const series = v.repeat ? { series: describeRepeat(v.repeat.rule), followers, lastAt: v.repeat.at.at(-1)!.toISOString() } : {};
    await recordEvent(tx, deps.queue, {
      workspaceId: workspace.id,
      postId: post.id,
      kind: 'submitted',
      actor: actor.userId,
      data: { publishAt: v.publishAt.toISOString(), ...(slot ? { slot } : {}), ...series },
    });
    if (workspace.approvals_required === 0 && preparing > 0) {
      // Nothing to approve yet: the copy job approves it once every file is stored (finishIntake).
    } else if (workspace.approvals_required === 0) {
      const approved = await transitionPost(tx, post.id, 'approved', ['in_review']);
      await scheduleApprovedPost(tx, deps, approved!, actor.userId);
      await approveFollowers(tx, deps, approved!, actor.userId);
    } else {
      await watchReview(tx, deps, post, workspace);
    }
    return post.id;
  });
  return typeof postId === 'string' ? { ok: true, postId } : postId;
}
