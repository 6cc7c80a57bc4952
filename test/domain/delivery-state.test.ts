import { describe, expect, it } from 'vitest';
import {
  DELIVERY_STATES,
  type DeliveryState,
  assertDeliveryTransition,
  canTransitionDelivery,
  deliveryPredecessors,
  derivePostOutcome,
  isTerminalDelivery,
} from '../../src/domain/delivery-state.ts';
import { IllegalTransitionError } from '../../src/domain/errors.ts';

const LEGAL: Record<DeliveryState, DeliveryState[]> = {
  pending: ['sending', 'held', 'skipped'],
  sending: ['published', 'failed', 'needs_reconnect', 'unconfirmed', 'pending', 'held'],
  held: ['pending', 'skipped'],
  needs_reconnect: ['pending', 'skipped'],
  failed: ['pending', 'skipped'],
  unconfirmed: ['published', 'pending', 'skipped'],
  published: [],
  skipped: [],
};

const pairs = DELIVERY_STATES.flatMap((from) => DELIVERY_STATES.map((to) => ({ from, to, legal: LEGAL[from].includes(to) })));

describe('delivery transitions', () => {
  it('covers every pair of states', () => {
    expect(pairs).toHaveLength(64);
  });

  it.each(pairs.filter((p) => p.legal))('$from -> $to is legal', ({ from, to }) => {
    expect(canTransitionDelivery(from, to)).toBe(true);
    expect(() => assertDeliveryTransition(from, to)).not.toThrow();
  });

  it.each(pairs.filter((p) => !p.legal))('$from -> $to is refused', ({ from, to }) => {
    expect(canTransitionDelivery(from, to)).toBe(false);
    expect(() => assertDeliveryTransition(from, to)).toThrow(IllegalTransitionError);
    expect(() => assertDeliveryTransition(from, to)).toThrow(expect.objectContaining({ code: 'illegal_transition', entity: 'delivery', from, to }));
  });

  it.each(DELIVERY_STATES)('predecessors of %s are exactly the states that may move to it', (to) => {
    expect(deliveryPredecessors(to)).toEqual(DELIVERY_STATES.filter((from) => LEGAL[from].includes(to)));
  });

  it('only an attempt in flight can end up published, unconfirmed or failed', () => {
    expect(deliveryPredecessors('failed')).toEqual(['sending']);
    expect(deliveryPredecessors('published')).toEqual(['sending', 'unconfirmed']);
  });
});

describe('settled deliveries', () => {
  it.each([
    ['pending', false],
    ['sending', false],
    ['held', false],
    ['published', true],
    ['failed', true],
    ['needs_reconnect', true],
    ['skipped', true],
    ['unconfirmed', true],
  ] as const)('%s settled: %s', (state, settled) => {
    expect(isTerminalDelivery(state)).toBe(settled);
  });
});

describe('derivePostOutcome', () => {
  it.each([
    { states: ['published', 'pending'], outcome: null },
    { states: ['published', 'sending'], outcome: null },
    { states: ['failed', 'held'], outcome: null },
    { states: ['published'], outcome: 'published' },
    { states: ['published', 'published'], outcome: 'published' },
    { states: ['published', 'failed'], outcome: 'partially_published' },
    { states: ['published', 'needs_reconnect'], outcome: 'partially_published' },
    { states: ['published', 'unconfirmed'], outcome: 'partially_published' },
    { states: ['failed', 'needs_reconnect'], outcome: 'failed' },
    { states: ['unconfirmed'], outcome: 'failed' },
    { states: ['published', 'skipped'], outcome: 'published' },
    { states: ['failed', 'skipped'], outcome: 'failed' },
    { states: ['skipped', 'skipped'], outcome: 'failed' },
    { states: [], outcome: 'failed' },
  ] as { states: DeliveryState[]; outcome: string | null }[])('$states -> $outcome', ({ states, outcome }) => {
    expect(derivePostOutcome(states)).toBe(outcome);
  });
});
