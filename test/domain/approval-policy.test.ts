import { describe, expect, it } from 'vitest';
import {
  type ApprovalPolicy,
  checkDecisionRights,
  currentApprovers,
  decideApproval,
  isReviewRequired,
  validateApprovalPolicy,
} from '../../src/domain/approval-policy.ts';

const strict: ApprovalPolicy = { approvalsRequired: 1, allowSelfApproval: false };
const HASH = 'hash-v2';
const base = { policy: strict, actorId: 'ana', actorIsApprover: true, authorId: 'bo', contentHash: HASH, approvals: [] };

describe('decideApproval', () => {
  it('lets an approver approve and completes a one-approval policy', () => {
    expect(decideApproval(base)).toEqual({ ok: true, count: 1, required: 1, complete: true });
  });

  it('refuses someone who is not an approver', () => {
    expect(decideApproval({ ...base, actorIsApprover: false })).toEqual({
      ok: false,
      reason: 'not_approver',
      message: 'Only approvers can approve posts.',
    });
  });

  it('refuses the author when self-approval is not allowed', () => {
    expect(decideApproval({ ...base, actorId: 'bo' })).toEqual({
      ok: false,
      reason: 'self_approval',
      message: 'You wrote this post, and this workspace does not allow approving your own posts.',
    });
  });

  it('lets the author approve when the workspace allows it', () => {
    const policy = { approvalsRequired: 1, allowSelfApproval: true };
    expect(decideApproval({ ...base, policy, actorId: 'bo' })).toMatchObject({ ok: true, complete: true });
  });

  it('checks approver rights before authorship', () => {
    expect(decideApproval({ ...base, actorId: 'bo', actorIsApprover: false })).toMatchObject({ reason: 'not_approver' });
  });

  it('counts distinct approvers up to the required number', () => {
    const policy = { approvalsRequired: 3, allowSelfApproval: false };
    const first = decideApproval({ ...base, policy });
    expect(first).toEqual({ ok: true, count: 1, required: 3, complete: false });
    const second = decideApproval({ ...base, policy, actorId: 'cy', approvals: [{ approverId: 'ana', contentHash: HASH }] });
    expect(second).toEqual({ ok: true, count: 2, required: 3, complete: false });
    const approvals = [
      { approverId: 'ana', contentHash: HASH },
      { approverId: 'cy', contentHash: HASH },
    ];
    expect(decideApproval({ ...base, policy, actorId: 'di', approvals })).toEqual({
      ok: true,
      count: 3,
      required: 3,
      complete: true,
    });
  });

  it('refuses a second approval by the same person of the same content', () => {
    const approvals = [{ approverId: 'ana', contentHash: HASH }];
    expect(decideApproval({ ...base, policy: { ...strict, approvalsRequired: 2 }, approvals })).toMatchObject({
      ok: false,
      reason: 'already_approved',
    });
  });

  it('ignores approvals of older content: an edit voids them', () => {
    const policy = { approvalsRequired: 2, allowSelfApproval: false };
    const approvals = [
      { approverId: 'ana', contentHash: 'hash-v1' },
      { approverId: 'cy', contentHash: 'hash-v1' },
    ];
    // ana approved the old version; approving the new one is allowed and counts as the first.
    expect(decideApproval({ ...base, policy, approvals })).toEqual({ ok: true, count: 1, required: 2, complete: false });
  });

  it('does not count the same approver twice', () => {
    const approvals = [
      { approverId: 'ana', contentHash: HASH },
      { approverId: 'ana', contentHash: HASH },
      { approverId: 'cy', contentHash: 'old' },
    ];
    expect(currentApprovers(approvals, HASH)).toEqual(['ana']);
  });
});

describe('checkDecisionRights', () => {
  const input = { policy: strict, actorId: 'ana', actorIsApprover: true, authorId: 'bo' };

  it.each(['request_changes', 'reject'] as const)('lets an approver %s', (decision) => {
    expect(checkDecisionRights({ ...input, decision })).toEqual({ ok: true });
  });

  it.each([
    ['request_changes', 'Only approvers can request changes.'],
    ['reject', 'Only approvers can reject posts.'],
  ] as const)('refuses a non-approver to %s', (decision, message) => {
    expect(checkDecisionRights({ ...input, decision, actorIsApprover: false })).toEqual({
      ok: false,
      reason: 'not_approver',
      message,
    });
  });

  it('refuses the author, pointing to cancel instead of reject', () => {
    const result = checkDecisionRights({ ...input, decision: 'reject', actorId: 'bo' });
    expect(result).toMatchObject({ ok: false, reason: 'own_post' });
    expect(result.ok === false && result.message).toContain('cancel it instead');
  });

  it('lets the author decide when self-approval is allowed', () => {
    const policy = { approvalsRequired: 1, allowSelfApproval: true };
    expect(checkDecisionRights({ ...input, policy, decision: 'reject', actorId: 'bo' })).toEqual({ ok: true });
  });
});

describe('policy settings', () => {
  it('knows when no review is needed', () => {
    expect(isReviewRequired({ approvalsRequired: 0, allowSelfApproval: false })).toBe(false);
    expect(isReviewRequired(strict)).toBe(true);
  });

  it.each([-1, 1.5, 11, Number.NaN])('refuses %s approvals', (n) => {
    expect(validateApprovalPolicy({ approvalsRequired: n, allowSelfApproval: false })).toHaveLength(1);
  });

  it('accepts 0 to 10', () => {
    expect(validateApprovalPolicy({ approvalsRequired: 0, allowSelfApproval: false })).toEqual([]);
    expect(validateApprovalPolicy({ approvalsRequired: 10, allowSelfApproval: true })).toEqual([]);
  });
});
