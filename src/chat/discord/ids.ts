/**
 * Every command, button and form id the Discord edge handles. manifests/discord-commands.json
 * declares the commands; a test checks that each of them and each id here has a handler.
 * A custom id is `<prefix>:<arg>:<arg>` and never longer than Discord's 100 characters.
 */
export const COMMANDS = { post: 'post', greenlight: 'greenlight' } as const;

export const GREENLIGHT_SUBCOMMANDS = ['queue', 'accounts', 'connect', 'settings', 'pause', 'resume', 'besttime', 'slots', 'webhooks', 'help'] as const;

export const BUTTONS = {
  approve: 'approve',
  /** The card's select menu "Approve, but hold…": its values are the held networks. */
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
  composeTargets: 'compose_targets',
  composeSend: 'compose_send',
  composeReopen: 'compose_reopen',
} as const;

export const MODALS = {
  compose: 'compose',
  requestChanges: 'request_changes_form',
  reject: 'reject_form',
  reschedule: 'reschedule_form',
} as const;

export type ButtonPrefix = (typeof BUTTONS)[keyof typeof BUTTONS];
export type ModalPrefix = (typeof MODALS)[keyof typeof MODALS];

export function customId(prefix: string, ...args: string[]): string {
  const id = [prefix, ...args].join(':');
  if (id.length > 100) throw new Error(`custom id over Discord's 100 characters: ${id.slice(0, 40)}…`);
  return id;
}

/** Our custom ids carry only post, delivery and draft ids (UUIDs) and the approve button's hash prefix. */
const ARG = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{16})$/i;

/** The prefix and its arguments; undefined when the arguments are not ones we write (a forged id). */
export function parseCustomId(id: string): { prefix: string; args: string[] } | undefined {
  const [prefix = '', ...args] = id.split(':');
  return args.every((a) => ARG.test(a)) ? { prefix, args } : undefined;
}
