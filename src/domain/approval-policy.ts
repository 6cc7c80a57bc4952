export interface ApprovalPolicy {
  /** Distinct approvers needed for the current content. 0 means posts need no review. */
  approvalsRequired: number;
  /** Whether the author may approve (and reject or request changes on) their own post. */
  allowSelfApproval: boolean;
}

export interface RecordedApproval {
  approverId: string;
  /** The content hash the approver saw when they clicked. */
  contentHash: string;
}

export type ApprovalDecision =
  | { ok: true; count: number; required: number; complete: boolean }
  | { ok: false; reason: 'not_approver' | 'self_approval' | 'already_approved'; message: string };

export type DecisionKind = 'request_changes' | 'reject';

export type DecisionRights = { ok: true } | { ok: false; reason: 'not_approver' | 'own_post'; message: string };

const NOT_APPROVER = {
  approve: 'Only approvers can approve posts.',
  request_changes: 'Only approvers can request changes.',
  reject: 'Only approvers can reject posts.',
} as const;

export function isReviewRequired(policy: ApprovalPolicy): boolean {
  return policy.approvalsRequired > 0;
}

/** Distinct approvers whose approval matches the current content; an edit voids every earlier approval. */
export function currentApprovers(approvals: readonly RecordedApproval[], contentHash: string): string[] {
  const approvers = approvals.filter((a) => a.contentHash === contentHash).map((a) => a.approverId);
  return [...new Set(approvers)];
}

/** Whether `actorId` may approve now, and how many current approvals the post would then have. */
export function decideApproval(input: {
  policy: ApprovalPolicy;
  actorId: string;
  actorIsApprover: boolean;
  authorId: string;
  contentHash: string;
  approvals: readonly RecordedApproval[];
}): ApprovalDecision {
  const { policy, actorId, authorId, contentHash } = input;
  if (!input.actorIsApprover) {
    return { ok: false, reason: 'not_approver', message: NOT_APPROVER.approve };
  }
  if (actorId === authorId && !policy.allowSelfApproval) {
    return {
      ok: false,
      reason: 'self_approval',
      message: 'You wrote this post, and this workspace does not allow approving your own posts.',
    };
  }
  const approvers = currentApprovers(input.approvals, contentHash);
  if (approvers.includes(actorId)) {
    return { ok: false, reason: 'already_approved', message: 'You have already approved this version of the post.' };
  }
  const count = approvers.length + 1;
  const required = policy.approvalsRequired;
  return { ok: true, count, required, complete: count >= required };
}

/**
 * Rights for "Request changes" and "Reject". Approvers only. Authors get the same rule as for approving:
 * unless the workspace allows self-approval, they cannot decide on their own post, because a decision on the
 * card should always come from a second person; the author has Edit and Cancel for the same ends.
 */
export function checkDecisionRights(input: {
  policy: ApprovalPolicy;
  decision: DecisionKind;
  actorId: string;
  actorIsApprover: boolean;
  authorId: string;
}): DecisionRights {
  if (!input.actorIsApprover) {
    return { ok: false, reason: 'not_approver', message: NOT_APPROVER[input.decision] };
  }
  if (input.actorId === input.authorId && !input.policy.allowSelfApproval) {
    const instead = input.decision === 'reject' ? 'cancel it' : 'edit it';
    return {
      ok: false,
      reason: 'own_post',
      message: `You wrote this post, and this workspace does not allow deciding on your own posts: ${instead} instead.`,
    };
  }
  return { ok: true };
}

/** One message per bad setting, for the admin command that changes the policy. */
export function validateApprovalPolicy(policy: ApprovalPolicy): string[] {
  const problems: string[] = [];
  const n = policy.approvalsRequired;
  if (!Number.isInteger(n) || n < 0 || n > 10) {
    problems.push(`Approvals required must be a whole number from 0 to 10 (got ${n}).`);
  }
  return problems;
}
