import { derivePostOutcome } from '../../domain/delivery-state.ts';
import { listDeliveries } from '../../db/deliveries.ts';
import { transitionPost } from '../../db/posts.ts';
import type { Tx } from '../../db/database.ts';
import type { PostState } from '../../domain/post-state.ts';

const SETTLED_FROM: PostState[] = ['publishing', 'failed', 'partially_published'];

/**
 * The post's state follows from its deliveries. Called with the post row locked (lockPost), so two
 * deliveries finishing at once cannot both miss each other's result.
 */
export async function settlePost(tx: Tx, postId: string): Promise<void> {
  const deliveries = await listDeliveries(tx, postId);
  const outcome = derivePostOutcome(deliveries.map((d) => d.state));
  if (!outcome) return;
  const from = SETTLED_FROM.filter((state) => state !== outcome);
  await transitionPost(tx, postId, outcome, from);
}
