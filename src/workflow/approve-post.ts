import { approveNetworks } from '../domain/approval-networks.ts';
import { decideApproval, type ApprovalPolicy } from '../domain/approval-policy.ts';
import type { Network } from '../domain/networks.ts';
import { insertDecision, listDecisions } from '../db/decisions.ts';
import { loadPostContent, transitionPost } from '../db/posts.ts';
import { countPreparingFiles } from '../db/post-files.ts';
import type { Tx } from '../db/database.ts';
import type { Post } from '../db/schema.ts';
import type { WorkflowDeps } from './deps.ts';
import { ok, refused, type Outcome } from './outcome.ts';
import { recordEvent } from './record-event.ts';
import { scheduleApprovedPost } from './schedule-deliveries.ts';
import { approveFollowers } from './series.ts';

/**
 * An approval on a post locked by the caller, in review, with the content the approver saw. `hold`
 * names the networks this approver keeps out ("approve, but not on X"); the post is scheduled once
 * every network not held has its approvals, and the held ones get no publish (see scheduleApprovedPost).
 */
export async function approveLockedPost(
  tx: Tx,
  deps: WorkflowDeps,
  post: Post,
  o: { actorId: string; isApprover: boolean; policy: ApprovalPolicy; hold: readonly Network[] },
): Promise<Outcome> {
  // The approver must see every image before approving it (the card shows them once stored).
  if ((await countPreparingFiles(tx, post.id)) > 0) return refused('Media still preparing: the images are being copied in. Approve once the card shows them.');
  const live = (await listDecisions(tx, post.id)).filter((d) => !d.voided_at);
  const approvals = live.filter((d) => d.kind === 'approve').map((d) => ({ approverId: d.actor_id, contentHash: d.content_hash, network: d.network }));
  const holds = live.flatMap((d) => (d.kind === 'hold' && d.network ? [{ approverId: d.actor_id, contentHash: d.content_hash, network: d.network }] : []));
  // Someone who held a network has decided on this version as surely as someone who approved it.
  const decided = [...approvals, ...holds.map((h) => ({ ...h, network: null }))];
  const verdict = decideApproval({
    policy: o.policy,
    actorId: o.actorId,
    actorIsApprover: o.isApprover,
    authorId: post.author_id,
    contentHash: post.content_hash,
    approvals: decided,
  });
  if (!verdict.ok) return refused(verdict.message);
  const networks = (await loadPostContent(tx, post.id)).targets.map((t) => t.network);
  const byNetwork = approveNetworks({
    networks,
    required: o.policy.approvalsRequired,
    actorId: o.actorId,
    contentHash: post.content_hash,
    approvals,
    holds,
    hold: o.hold,
  });
  if (!byNetwork.ok) return refused(byNetwork.message);

  const base = { postId: post.id, actorId: o.actorId, comment: null, contentHash: post.content_hash };
  if (o.hold.length === 0) await insertDecision(tx, { ...base, kind: 'approve' });
  for (const network of o.hold.length === 0 ? [] : byNetwork.approved) await insertDecision(tx, { ...base, kind: 'approve', network });
  for (const network of new Set(o.hold)) await insertDecision(tx, { ...base, kind: 'hold', network });
  const partial = o.hold.length > 0 ? { networks: byNetwork.approved, held: [...new Set(o.hold)] } : {};
  await recordEvent(tx, deps.queue, {
    workspaceId: post.workspace_id,
    postId: post.id,
    kind: 'approved',
    actor: o.actorId,
    data: { count: verdict.count, required: verdict.required, ...partial },
  });
  if (!byNetwork.complete) return ok(`Approved (${verdict.count} of ${verdict.required}).`);
  const approved = await transitionPost(tx, post.id, 'approved', ['in_review']);
  await scheduleApprovedPost(tx, deps, approved!, o.actorId);
  // A series' head: its approval covers the occurrences with the same content (src/workflow/series.ts).
  await approveFollowers(tx, deps, approved!, o.actorId);
  return ok();
}
