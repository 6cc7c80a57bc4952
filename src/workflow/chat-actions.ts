import { isNetwork } from '../domain/networks.ts';

/**
 * The one vocabulary of the card's buttons and forms, for both chats: Slack's action ids and view
 * callback ids, Discord's custom-id prefixes. A button carries its arguments (post, delivery or draft
 * ids, the approve button's hash prefix, a network to hold) encoded by `encodeArgs` and read back by
 * `decodeArgs`, which refuses anything Greenlight did not write (a forged or mangled value).
 */
export const CARD_ACTIONS = {
  approve: 'approve',
  /** Approve, but hold the picked network(s): Slack's static select, Discord's select menu. */
  approveHolding: 'approve_holding',
  requestChanges: 'request_changes',
  reject: 'reject',
  edit: 'edit',
  reschedule: 'reschedule',
  publishNow: 'publish_now',
  cancel: 'cancel',
  retryDelivery: 'retry_delivery',
  confirmLive: 'confirm_live',
  publishAgain: 'publish_again',
  publishLate: 'publish_late',
  /** A first comment that failed after its post went out (issue 16). */
  retryComment: 'retry_comment',
} as const;

/** The forms (Slack views, Discord modals) the card's buttons open. */
export const FORMS = {
  compose: 'compose',
  requestChanges: 'request_changes_form',
  reject: 'reject_form',
  reschedule: 'reschedule_form',
} as const;

export type CardAction = (typeof CARD_ACTIONS)[keyof typeof CARD_ACTIONS];

/** Post, delivery and draft ids (UUIDs) and the approve button's hash prefix (16 hex). */
const ID_ARG = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{16})$/i;

const isArg = (arg: string, i: number, networksFrom: number): boolean => ID_ARG.test(arg) || (i >= networksFrom && isNetwork(arg));

export function encodeArgs(...args: string[]): string {
  return args.join(':');
}

/**
 * The arguments of a button's value; undefined when one is not an argument Greenlight writes. Networks
 * are accepted from position `networksFrom` on (Slack's "approve, but hold" option: post, hash, network).
 */
export function decodeArgs(value: string | undefined, networksFrom = Number.POSITIVE_INFINITY): string[] | undefined {
  if (!value) return undefined;
  const args = value.split(':');
  return args.every((arg, i) => isArg(arg, i, networksFrom)) ? args : undefined;
}

/** What the person is told when a button's value was not written by Greenlight. */
export const FORGED_ACTION = 'That button is not one Greenlight made: use the buttons on the card.';
