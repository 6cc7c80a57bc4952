import type { Executor } from '../../db/database.ts';
import type { MediaRow } from '../../db/media-store.ts';
import { findDeliveryRows } from '../../db/delivery-context.ts';
import type { PostContent } from '../../db/posts.ts';
import type { Delivery, Post, SocialAccount, Workspace } from '../../db/schema.ts';

export interface DeliveryContext {
  delivery: Delivery;
  post: Post;
  content: Pick<PostContent, 'variants' | 'media'> & { files: MediaRow[] };
  account: SocialAccount;
  workspace: Workspace;
}

/**
 * Everything each attempt needs, read fresh for a batch of deliveries at once: the rows are the
 * truth, the job only says "look now". Undefined for a delivery that is gone.
 */
export async function loadDeliveryContexts(db: Executor, deliveryIds: string[]): Promise<(DeliveryContext | undefined)[]> {
  const byId = new Map((await findDeliveryRows(db, deliveryIds)).map((r) => [r.delivery.id, r]));
  return deliveryIds.map((id) => {
    const rows = byId.get(id);
    if (!rows) return undefined;
    const { delivery, post, account, workspace, variants, media, files } = rows;
    return { delivery, post, content: { variants, media, files }, account, workspace };
  });
}

/** The text this delivery publishes: the network's variant, or the post's text. */
export function deliveryText(context: DeliveryContext): string {
  return context.content.variants[context.delivery.network] ?? context.post.text;
}
