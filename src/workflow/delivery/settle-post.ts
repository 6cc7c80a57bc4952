import { derivePostOutcome, type DeliveryState } from '../../domain/delivery-state.ts';
import { deliveryStatesOfPosts } from '../../db/deliveries.ts';
import { transitionPosts } from '../../db/posts.ts';
import type { Tx } from '../../db/database.ts';
import { settledFrom, type PostState } from '../../domain/post-state.ts';

/**
 * The post's state follows from its deliveries. Called with the post row locked (lockPost), so two
 * deliveries finishing at once cannot both miss each other's result.
 */
export function settlePost(tx: Tx, postId: string): Promise<void> {
  return settlePosts(tx, [postId]);
}

/** settlePost for several posts, all locked by the caller: one read, one update per outcome. */
export async function settlePosts(tx: Tx, postIds: string[]): Promise<void> {
  const states = new Map<string, DeliveryState[]>(postIds.map((id) => [id, []]));
  for (const d of await deliveryStatesOfPosts(tx, postIds)) states.get(d.post_id)?.push(d.state);
  const byOutcome = new Map<PostState, string[]>();
  for (const [postId, list] of states) {
    const outcome = derivePostOutcome(list);
    if (outcome) byOutcome.set(outcome, [...(byOutcome.get(outcome) ?? []), postId]);
  }
  for (const [outcome, ids] of byOutcome) await transitionPosts(tx, ids, outcome, settledFrom(outcome));
}
