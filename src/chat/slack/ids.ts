/**
 * Every command, action and view id the Slack edge handles. manifests/slack.yaml declares the
 * commands; a test checks that each declared command and each id here has a listener.
 */
export const COMMANDS = { post: '/post', greenlight: '/greenlight' } as const;

export const ACTIONS = {
  approve: 'approve',
  /** The static select beside Approve: approve, but hold the picked network. */
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
  openLink: 'open_link',
} as const;

export const VIEWS = {
  compose: 'compose',
  requestChanges: 'request_changes_form',
  reject: 'reject_form',
  reschedule: 'reschedule_form',
} as const;

/** block_id of each compose field; validation errors are keyed the same way. */
export const COMPOSE_BLOCKS = ['text', 'targets', 'when', 'zone', 'media', 'note'] as const;
