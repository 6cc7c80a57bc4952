import { checkDecisionRights, type ApprovalPolicy } from '../domain/approval-policy.ts';
import type { Network } from '../domain/networks.ts';
import { isAwaitingDecision } from '../domain/post-state.ts';
import { insertDecision } from '../db/decisions.ts';
import { lockPost, transitionPost } from '../db/posts.ts';
import type { Post } from '../db/schema.ts';
import { inTransaction } from '../db/transaction.ts';
import { findWorkspace } from '../db/workspaces.ts';
import type { Actor } from './actor.ts';
import type { WorkflowDeps } from './deps.ts';
import { ok, refused, type Outcome } from './outcome.ts';
import { approveLockedPost } from './approve-post.ts';
import { recordEvent } from './record-event.ts';

export type Decision =
  /** `hold`: networks the approver keeps out of this version (approve, but not on X). */
  { kind: 'approve'; seenHash: string; hold?: Network[] } | { kind: 'request_changes'; comment: string } | { kind: 'reject'; reason: string };

/**
 * An approver's click. Rights are asked of the chat first (outside the transaction: it is a network
 * call), then the post row is locked so decisions on one post are taken one at a time: of two
 * simultaneous clicks one wins and the other is told what happened.
 */
export async function decidePost(deps: WorkflowDeps, actor: Actor, postId: string, decision: Decision): Promise<Outcome> {
  const workspace = await findWorkspace(deps.db, actor.workspaceId);
  if (!workspace) return refused('This workspace is not set up in Greenlight yet.');
  const chat = deps.chats[workspace.chat];
  const roles = chat ? await chat.roles(workspace, actor.userId) : { approver: false, admin: false };
  const policy: ApprovalPolicy = { approvalsRequired: workspace.approvals_required, allowSelfApproval: workspace.allow_self_approval };

  return inTransaction(deps.db, async (tx) => {
    const post = await lockPost(tx, postId);
    if (!post || post.workspace_id !== workspace.id) return refused('That post no longer exists.');
    if (!isAwaitingDecision(post.state)) return refused(alreadyDecided(post));

    if (decision.kind === 'approve') {
      if (decision.seenHash !== post.content_hash.slice(0, HASH_PREFIX)) {
        return refused('The post changed after you saw it. The card now shows the new version: read it again before approving.');
      }
      return approveLockedPost(tx, deps, post, { actorId: actor.userId, isApprover: roles.approver, policy, hold: decision.hold ?? [] });
    }

    const rights = checkDecisionRights({ policy, decision: decision.kind, actorId: actor.userId, actorIsApprover: roles.approver, authorId: post.author_id });
    if (!rights.ok) return refused(rights.message);
    const text = decision.kind === 'reject' ? decision.reason.trim() : decision.comment.trim();
    if (text === '') return refused(decision.kind === 'reject' ? 'Give a reason for rejecting.' : 'Say what should change.');
    const to = decision.kind === 'reject' ? 'rejected' : 'changes_requested';
    await insertDecision(tx, { postId: post.id, actorId: actor.userId, kind: decision.kind, comment: text, contentHash: post.content_hash });
    await transitionPost(tx, post.id, to, ['in_review']);
    await recordEvent(tx, deps.queue, {
      workspaceId: workspace.id,
      postId: post.id,
      kind: to,
      actor: actor.userId,
      data: decision.kind === 'reject' ? { reason: text } : { comment: text },
    });
    return ok();
  });
}

/** The approve button carries this much of the content hash it was rendered with. */
export const HASH_PREFIX = 16;

function alreadyDecided(post: Post): string {
  switch (post.state) {
    case 'approved':
    case 'scheduled':
    case 'publishing':
    case 'published':
    case 'partially_published':
    case 'failed':
      return 'This post was already approved: the card shows its current state.';
    case 'changes_requested':
      return 'Changes were already requested on this post; it comes back for review after the author edits it.';
    case 'rejected':
      return 'This post was already rejected.';
    case 'canceled':
      return 'The author canceled this post.';
    default:
      return 'This post is not waiting for a decision.';
  }
}
