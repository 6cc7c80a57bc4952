import { findPost } from '../db/posts.ts';
import { findWorkspace } from '../db/workspaces.ts';
import { formatInZone } from '../domain/publish-time.ts';
import type { WorkflowDeps } from './deps.ts';

/**
 * A card nobody answered: one reminder in the approvals channel, for the version that is waiting
 * (an edit starts a new reminder, so an old one for replaced content says nothing).
 */
export async function handleRemindJob(deps: WorkflowDeps, postId: string, version: number): Promise<void> {
  const post = await findPost(deps.db, postId);
  if (!post || post.state !== 'in_review' || post.version !== version) return;
  const workspace = await findWorkspace(deps.db, post.workspace_id);
  const chat = workspace ? deps.chats[workspace.chat] : undefined;
  const ref = await deps.db.selectFrom('chat_messages').selectAll().where('post_id', '=', post.id).executeTakeFirst();
  if (!workspace || !chat || !ref) return;
  await chat.announce(workspace, ref.channel_id, `Reminder: a post by <@${post.author_id}> for ${formatInZone(post.publish_at, post.zone)} is still waiting for approval.`);
}
