import { findPost } from '../db/posts.ts';
import { findWorkspace } from '../db/workspaces.ts';
import { isAwaitingDecision } from '../domain/post-state.ts';
import { formatInZone } from '../domain/publish-time.ts';
import type { WorkflowDeps } from './deps.ts';
import { findChatMessage } from '../db/chat-messages.ts';

/**
 * A card nobody answered: one reminder in the approvals channel, for the version that is waiting
 * (an edit starts a new reminder, so an old one for replaced content says nothing).
 */
export async function handleRemindJob(deps: WorkflowDeps, postId: string, version: number): Promise<void> {
  const post = await findPost(deps.db, postId);
  if (!post || !isAwaitingDecision(post.state) || post.version !== version) return;
  const workspace = await findWorkspace(deps.db, post.workspace_id);
  const chat = workspace ? deps.chats[workspace.chat] : undefined;
  const ref = await findChatMessage(deps.db, post.id);
  if (!workspace || !chat || !ref) return;
  await chat.announce(
    workspace,
    ref.channel_id,
    `Reminder: a post by <@${post.author_id}> for ${formatInZone(post.publish_at, post.zone)} is still waiting for approval.`,
  );
}
