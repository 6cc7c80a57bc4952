import type { App, BlockButtonAction } from '@slack/bolt';
import { deliveryAction } from '../../../workflow/delivery-actions.ts';
import { actorFor, buttonArgs, requestTeam, tellUser, type SlackEdge } from '../edge-context.ts';
import { ACTIONS } from '../ids.ts';

const BUTTONS = [
  [ACTIONS.retryDelivery, 'retry'],
  [ACTIONS.confirmLive, 'confirm_live'],
  [ACTIONS.publishAgain, 'publish_again'],
  [ACTIONS.publishLate, 'publish_late'],
] as const;

/** The buttons on receipts in the card's thread. Link buttons (Reconnect) need only an ack. */
export function registerDeliveryActions(app: App, edge: SlackEdge): void {
  for (const [actionId, kind] of BUTTONS) {
    app.action<BlockButtonAction>(actionId, async ({ body, action, client }) => {
      const where = { channelId: body.channel?.id, userId: body.user.id, ...(body.message?.thread_ts ? { threadTs: body.message.thread_ts } : {}) };
      const [deliveryId] = (await buttonArgs(client, where, action.value)) ?? [];
      if (!deliveryId) return;
      const actor = await actorFor(edge, requestTeam(body), body.user.id);
      const outcome = await deliveryAction(edge.deps, actor, deliveryId, kind);
      await tellUser(client, where, outcome);
    });
  }
  app.action(new RegExp(`^${ACTIONS.openLink}:`), async () => {});
}
