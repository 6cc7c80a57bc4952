import { findAccount } from '../../db/accounts.ts';
import { findDelivery } from '../../db/deliveries.ts';
import type { Executor } from '../../db/database.ts';
import { findPost, loadPostContent, type PostContent } from '../../db/posts.ts';
import type { Delivery, Post, SocialAccount, Workspace } from '../../db/schema.ts';
import { findWorkspace } from '../../db/workspaces.ts';

export interface DeliveryContext {
  delivery: Delivery;
  post: Post;
  content: PostContent;
  account: SocialAccount;
  workspace: Workspace;
}

/** Everything one attempt needs, read fresh: the rows are the truth, the job only says "look now". */
export async function loadDeliveryContext(db: Executor, deliveryId: string): Promise<DeliveryContext | undefined> {
  const delivery = await findDelivery(db, deliveryId);
  if (!delivery) return undefined;
  const [post, account] = await Promise.all([findPost(db, delivery.post_id), findAccount(db, delivery.account_id)]);
  if (!post || !account) return undefined;
  const [content, workspace] = await Promise.all([loadPostContent(db, post.id), findWorkspace(db, post.workspace_id)]);
  if (!workspace) return undefined;
  return { delivery, post, content, account, workspace };
}

/** The text this delivery publishes: the network's variant, or the post's text. */
export function deliveryText(context: DeliveryContext): string {
  return context.content.variants[context.delivery.network] ?? context.post.text;
}
