import { describe, expect, it } from 'vitest';
import { IllegalTransitionError } from '../../src/domain/errors.ts';
import {
  POST_STATES,
  type PostState,
  assertPostTransition,
  canTransitionPost,
  isAwaitingDecision,
  isCancelable,
  isEditable,
  isFinalPostState,
  isPublishable,
  postPredecessors,
  postStateAfterEdit,
  settledFrom,
} from '../../src/domain/post-state.ts';

// The expected table, written out independently of the module so a change to either side fails a test.
const LEGAL: Record<PostState, PostState[]> = {
  draft: ['in_review', 'canceled'],
  in_review: ['approved', 'changes_requested', 'rejected', 'canceled', 'in_review'],
  changes_requested: ['in_review', 'canceled'],
  approved: ['scheduled', 'in_review', 'canceled'],
  scheduled: ['publishing', 'in_review', 'canceled', 'scheduled'],
  publishing: ['published', 'partially_published', 'failed'],
  failed: ['publishing', 'published', 'partially_published'],
  partially_published: ['publishing', 'published'],
  published: [],
  rejected: [],
  canceled: [],
};

const pairs = POST_STATES.flatMap((from) => POST_STATES.map((to) => ({ from, to, legal: LEGAL[from].includes(to) })));

describe('post transitions', () => {
  it('covers every pair of states', () => {
    expect(pairs).toHaveLength(121);
    expect(pairs.filter((p) => p.legal)).toHaveLength(Object.values(LEGAL).flat().length);
  });

  it.each(pairs.filter((p) => p.legal))('$from -> $to is legal', ({ from, to }) => {
    expect(canTransitionPost(from, to)).toBe(true);
    expect(() => assertPostTransition(from, to)).not.toThrow();
  });

  it.each(pairs.filter((p) => !p.legal))('$from -> $to is refused', ({ from, to }) => {
    expect(canTransitionPost(from, to)).toBe(false);
    let error: unknown;
    try {
      assertPostTransition(from, to);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(IllegalTransitionError);
    expect(error).toMatchObject({ code: 'illegal_transition', entity: 'post', from, to });
  });

  it.each(POST_STATES)('predecessors of %s are exactly the states that may move to it', (to) => {
    const expected = POST_STATES.filter((from) => LEGAL[from].includes(to));
    expect(postPredecessors(to)).toEqual(expected);
  });

  it('gives the SQL guard for canceling', () => {
    expect(postPredecessors('canceled')).toEqual(['draft', 'in_review', 'changes_requested', 'approved', 'scheduled']);
  });
});

describe('editing and canceling', () => {
  const beforePublishing: PostState[] = ['draft', 'in_review', 'changes_requested', 'approved', 'scheduled'];
  const fromPublishingOn = POST_STATES.filter((s) => !beforePublishing.includes(s));

  it.each(beforePublishing)('%s can be edited and canceled', (state) => {
    expect(isEditable(state)).toBe(true);
    expect(isCancelable(state)).toBe(true);
  });

  it.each(fromPublishingOn)('%s can be neither edited nor canceled', (state) => {
    expect(isEditable(state)).toBe(false);
    expect(isCancelable(state)).toBe(false);
  });

  it('sends an edited post back to review, except a draft', () => {
    expect(postStateAfterEdit('draft')).toBe('draft');
    for (const state of ['in_review', 'changes_requested', 'approved', 'scheduled'] as const) {
      expect(postStateAfterEdit(state)).toBe('in_review');
    }
    expect(() => postStateAfterEdit('publishing')).toThrow(IllegalTransitionError);
    expect(() => postStateAfterEdit('published')).toThrow(IllegalTransitionError);
  });

  it('knows the final states', () => {
    expect(POST_STATES.filter(isFinalPostState)).toEqual(['published', 'rejected', 'canceled']);
  });
});

describe("where a rule about a post's state lives (one place: src/domain/post-state.ts)", () => {
  it('waits for a decision only in review', () => {
    expect(POST_STATES.filter(isAwaitingDecision)).toEqual(['in_review']);
  });

  it('publishes deliveries only of scheduled, publishing or retried posts', () => {
    expect(POST_STATES.filter(isPublishable)).toEqual(['scheduled', 'publishing', 'partially_published', 'failed']);
  });

  it('settles an outcome only from publishing or another outcome', () => {
    expect(settledFrom('published')).toEqual(['publishing', 'failed', 'partially_published']);
    expect(settledFrom('partially_published')).toEqual(['publishing', 'failed']);
    expect(settledFrom('failed')).toEqual(['publishing', 'partially_published']);
  });
});
