import { CARD_ACTIONS, FORMS } from '../../workflow/chat-actions.ts';

/**
 * Every command, action and view id the Slack edge handles. manifests/slack.yaml declares the
 * commands; a test checks that each declared command and each id here has a listener.
 */
export const COMMANDS = { post: '/post', greenlight: '/greenlight' } as const;

export const ACTIONS = {
  ...CARD_ACTIONS,
  openLink: 'open_link',
} as const;

/** The App Home calendar's week buttons (no card's: they are not in the shared vocabulary). */
export const HOME_WEEK_ACTIONS = { prev: 'home_week_prev', today: 'home_week_today', next: 'home_week_next' } as const;

export const VIEWS = FORMS;

/** Message shortcuts (manifests/slack.yaml `features.shortcuts`, type message), by callback_id. */
export const SHORTCUTS = { draftFromMessage: 'draft_from_message' } as const;

/** block_id of each compose field; validation errors are keyed the same way. */
export const COMPOSE_BLOCKS = ['text', 'targets', 'when', 'zone', 'files', 'alt', 'media', 'note'] as const;
