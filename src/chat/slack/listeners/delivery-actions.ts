import { deliveryAction } from '../../../workflow/delivery-actions.ts';
import { type ActionHandler, actorFor, buttonArgs, requestTeam, tellUser } from '../edge-context.ts';

/** A button on a receipt in the card's thread (retry, confirm live, publish again, publish late). */
export function deliveryButton(kind: Parameters<typeof deliveryAction>[3]): ActionHandler {
  return async (edge, { body, action, client }) => {
    const where = { channelId: body.channel?.id, userId: body.user.id, ...(body.message?.thread_ts ? { threadTs: body.message.thread_ts } : {}) };
    const [deliveryId] = (await buttonArgs(client, where, action.value)) ?? [];
    if (!deliveryId) return;
    const actor = await actorFor(edge, requestTeam(body), body.user.id);
    const outcome = await deliveryAction(edge.deps, actor, deliveryId, kind);
    await tellUser(client, where, outcome);
  };
}

/** Link buttons (Reconnect) open their URL in the browser; the click needs only the ack it already had. */
export const openLink: ActionHandler = async () => {};
