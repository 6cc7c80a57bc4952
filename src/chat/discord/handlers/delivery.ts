import { deliveryAction } from '../../../workflow/delivery-actions.ts';
import { actorFor, deferUpdate, firstTime, tell, type Turn } from '../edge-context.ts';

type Kind = Parameters<typeof deliveryAction>[3];

/** The buttons on receipts in the card's thread: Retry, It is live, Publish again, Publish late. */
export function deliveryButton(kind: Kind) {
  return async (turn: Turn, [deliveryId = '']: string[]): Promise<void> => {
    await deferUpdate(turn);
    if (!(await firstTime(turn))) return;
    await tell(turn, await deliveryAction(turn.edge.deps, await actorFor(turn), deliveryId, kind));
  };
}
