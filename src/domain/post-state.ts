import { transitionRules, type TransitionTable } from './transition-table.ts';

export const POST_STATES = [
  'draft',
  'in_review',
  'changes_requested',
  'approved',
  'scheduled',
  'publishing',
  'published',
  'partially_published',
  'failed',
  'rejected',
  'canceled',
] as const;
export type PostState = (typeof POST_STATES)[number];

const POST_TRANSITIONS: TransitionTable<PostState> = {
  draft: ['in_review', 'canceled'],
  // in_review -> in_review: the author edited while under review; older approvals no longer count.
  in_review: ['approved', 'changes_requested', 'rejected', 'canceled', 'in_review'],
  changes_requested: ['in_review', 'canceled'],
  approved: ['scheduled', 'in_review', 'canceled'],
  // scheduled -> scheduled is a reschedule (the time is in the content hash, so the workflow must re-check approvals).
  scheduled: ['publishing', 'in_review', 'canceled', 'scheduled'],
  // Once publishing has started nothing can be canceled: something may already be live.
  publishing: ['published', 'partially_published', 'failed'],
  // The outcome states are re-derived from the deliveries: a retry goes back to publishing, and a team decision
  // ("It is live" on an unconfirmed delivery, skipping a failed one) can settle the post without a new attempt.
  failed: ['publishing', 'published', 'partially_published'],
  partially_published: ['publishing', 'published'],
  published: [],
  rejected: [],
  canceled: [],
};

const rules = transitionRules('post', POST_STATES, POST_TRANSITIONS);

/** Throws IllegalTransitionError unless `from -> to` is a legal post transition. */
export function assertPostTransition(from: PostState, to: PostState): void {
  rules.assert(from, to);
}

export function canTransitionPost(from: PostState, to: PostState): boolean {
  return rules.can(from, to);
}

export function postPredecessors(to: PostState): PostState[] {
  return rules.predecessors(to);
}

export function isPostState(value: string): value is PostState {
  return (POST_STATES as readonly string[]).includes(value);
}

const EDITABLE: readonly PostState[] = ['draft', 'in_review', 'changes_requested', 'approved', 'scheduled'];

/** Content can change until publishing starts. */
export function isEditable(state: PostState): boolean {
  return EDITABLE.includes(state);
}

export function isCancelable(state: PostState): boolean {
  return rules.can(state, 'canceled');
}

/**
 * Where an edit leaves the post: a draft stays a draft; everything else goes (back) to review,
 * since approvals are bound to the content hash. Throws for states that cannot be edited.
 */
export function postStateAfterEdit(state: PostState): PostState {
  if (state === 'draft') return 'draft';
  rules.assert(state, 'in_review');
  return 'in_review';
}

/** The post states a workflow will never change again. */
export function isFinalPostState(state: PostState): boolean {
  return POST_TRANSITIONS[state].length === 0;
}

/** A post waits for the approvers' decision (approve, request changes, reject) only while in review. */
export function isAwaitingDecision(state: PostState): boolean {
  return state === 'in_review';
}

const PUBLISHABLE: readonly PostState[] = ['scheduled', 'publishing', 'failed', 'partially_published'];

/** A delivery goes out only while its post is scheduled or publishing (or retried after a failure). */
export function isPublishable(state: PostState): boolean {
  return PUBLISHABLE.includes(state);
}

const PUBLISH_OUTCOMES: readonly PostState[] = ['publishing', 'failed', 'partially_published'];

/** The states a post settles from into `outcome` (published, partially published, failed) as its deliveries end. */
export function settledFrom(outcome: PostState): PostState[] {
  return PUBLISH_OUTCOMES.filter((state) => state !== outcome);
}
