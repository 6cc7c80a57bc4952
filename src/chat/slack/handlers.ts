import type { App, BlockStaticSelectAction } from '@slack/bolt';
import type { ActionHandler, CommandHandler, ShortcutHandler, SlackEdge, ViewHandler } from './edge-context.ts';
import { ACTIONS, COMMANDS, HOME_WEEK_ACTIONS, SHORTCUTS, VIEWS } from './ids.ts';
import { draftFromMessage } from './listeners/draft-from-message.ts';
import { homeWeek } from './listeners/app-home.ts';
import { cancelButton, edit, publishNowButton, reschedule, rescheduleForm } from './listeners/author-actions.ts';
import { composeSubmit } from './listeners/compose-view.ts';
import { deliveryButton, openLink } from './listeners/delivery-actions.ts';
import { greenlightCommand } from './listeners/greenlight-command.ts';
import { postCommand } from './listeners/post-command.ts';
import { approve, approveHolding, reject, rejectForm, requestChanges, requestChangesForm } from './listeners/review-actions.ts';

type Values<T> = T[keyof T];
type ActionId = Values<typeof ACTIONS> | Values<typeof HOME_WEEK_ACTIONS>;

/**
 * One handler per command, action and form, as on Discord (src/chat/discord/interactions.ts); the
 * types make a missing one a compile error. A button's arguments are decoded and checked by the
 * handler (edge-context.ts `buttonArgs`), with the same validation as Discord's.
 */
export const COMMAND_HANDLERS: Record<Values<typeof COMMANDS>, CommandHandler> = {
  [COMMANDS.post]: postCommand,
  [COMMANDS.greenlight]: greenlightCommand,
};

export const ACTION_HANDLERS: Record<ActionId, ActionHandler | ActionHandler<BlockStaticSelectAction>> = {
  [ACTIONS.approve]: approve,
  [ACTIONS.approveHolding]: approveHolding,
  [ACTIONS.requestChanges]: requestChanges,
  [ACTIONS.reject]: reject,
  [ACTIONS.edit]: edit,
  [ACTIONS.reschedule]: reschedule,
  [ACTIONS.publishNow]: publishNowButton,
  [ACTIONS.cancel]: cancelButton,
  [ACTIONS.retryDelivery]: deliveryButton('retry'),
  [ACTIONS.confirmLive]: deliveryButton('confirm_live'),
  [ACTIONS.publishAgain]: deliveryButton('publish_again'),
  [ACTIONS.publishLate]: deliveryButton('publish_late'),
  [ACTIONS.openLink]: openLink,
  [HOME_WEEK_ACTIONS.prev]: homeWeek,
  [HOME_WEEK_ACTIONS.today]: homeWeek,
  [HOME_WEEK_ACTIONS.next]: homeWeek,
};

export const VIEW_HANDLERS: Record<Values<typeof VIEWS>, ViewHandler> = {
  [VIEWS.compose]: composeSubmit,
  [VIEWS.requestChanges]: requestChangesForm,
  [VIEWS.reject]: rejectForm,
  [VIEWS.reschedule]: rescheduleForm,
};

/** Message shortcuts, by callback_id (manifests/slack.yaml `features.shortcuts`). */
export const SHORTCUT_HANDLERS: Record<Values<typeof SHORTCUTS>, ShortcutHandler> = {
  [SHORTCUTS.draftFromMessage]: draftFromMessage,
};

/**
 * Link buttons carry a suffix (`open_link:<n>`): Slack wants action ids unique within a message, and a
 * receipt may hold several links. Every other action id is matched exactly.
 */
const SUFFIXED_ACTIONS = new Set<string>([ACTIONS.openLink]);

/** The action ids this version knows; a click on any other is logged and dropped (slack-app.ts). */
export const KNOWN_ACTIONS = new Set<string>(Object.keys(ACTION_HANDLERS));

/** Registers every handler of the table with Bolt. */
export function registerHandlers(app: App, edge: SlackEdge): void {
  for (const [command, handler] of Object.entries(COMMAND_HANDLERS)) app.command(command, (args) => handler(edge, args));
  for (const [actionId, handler] of Object.entries(ACTION_HANDLERS)) {
    app.action(SUFFIXED_ACTIONS.has(actionId) ? new RegExp(`^${actionId}:`) : actionId, (args) => handler(edge, args as never));
  }
  for (const [callbackId, handler] of Object.entries(VIEW_HANDLERS)) app.view(callbackId, (args) => handler(edge, args as never));
  for (const [callbackId, handler] of Object.entries(SHORTCUT_HANDLERS)) app.shortcut(callbackId, (args) => handler(edge, args as never));
}
