import { transitionRules, type TransitionTable } from './transition-table.ts';

export const DELIVERY_STATES = ['pending', 'sending', 'published', 'failed', 'needs_reconnect', 'skipped', 'unconfirmed', 'held'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

const DELIVERY_TRANSITIONS: TransitionTable<DeliveryState> = {
  pending: ['sending', 'held', 'skipped'],
  // sending -> pending: a transient error scheduled a retry, or a dead worker's attempt was reconciled as not sent.
  sending: ['published', 'failed', 'needs_reconnect', 'unconfirmed', 'pending', 'held'],
  held: ['pending', 'skipped'],
  needs_reconnect: ['pending', 'skipped'],
  failed: ['pending', 'skipped'],
  // The team answers in the thread: "It is live" or "Publish again".
  unconfirmed: ['published', 'pending', 'skipped'],
  published: [],
  skipped: [],
};

const rules = transitionRules('delivery', DELIVERY_STATES, DELIVERY_TRANSITIONS);

/** Throws IllegalTransitionError unless `from -> to` is a legal delivery transition. */
export function assertDeliveryTransition(from: DeliveryState, to: DeliveryState): void {
  rules.assert(from, to);
}

export function canTransitionDelivery(from: DeliveryState, to: DeliveryState): boolean {
  return rules.can(from, to);
}

export function deliveryPredecessors(to: DeliveryState): DeliveryState[] {
  return rules.predecessors(to);
}

export function isDeliveryState(value: string): value is DeliveryState {
  return (DELIVERY_STATES as readonly string[]).includes(value);
}

const UNSETTLED: readonly DeliveryState[] = ['pending', 'sending', 'held'];

/**
 * Settled for the purpose of deriving the post: no worker will touch it again without a person acting
 * (failed, needs_reconnect and unconfirmed can still be retried, but only on request).
 */
export function isTerminalDelivery(state: DeliveryState): boolean {
  return !UNSETTLED.includes(state);
}

export type PostOutcome = 'published' | 'partially_published' | 'failed';

/**
 * The post's final state from its deliveries, or null while any delivery is still pending, sending or held.
 * Skipped deliveries were dropped on purpose and do not count against the post: one published and one skipped
 * is `published`. When nothing is left but skipped ones (or there are none), nothing went out: that is `failed`,
 * so the card never claims a success and the post shows up among what failed.
 * Unconfirmed counts as not published until the team says it is live.
 */
export function derivePostOutcome(states: readonly DeliveryState[]): PostOutcome | null {
  if (states.some((state) => !isTerminalDelivery(state))) return null;
  const counted = states.filter((state) => state !== 'skipped');
  const published = counted.filter((state) => state === 'published').length;
  if (published === 0) return 'failed';
  return published === counted.length ? 'published' : 'partially_published';
}
