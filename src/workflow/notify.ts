import { listDecisions } from '../db/decisions.ts';
import { listDeliveries } from '../db/deliveries.ts';
import { findPost, loadPostContent } from '../db/posts.ts';
import type { ChatMessage, Post, Workspace } from '../db/schema.ts';
import { findWorkspace } from '../db/workspaces.ts';
import type { Network } from '../domain/networks.ts';
import { RECONNECT_KINDS, reconnectLinksFor } from '../oauth/reconnect-links.ts';
import { buildCardView, type CardView } from './card-view.ts';
import type { WorkflowDeps } from './deps.ts';
import { receiptFor } from './receipts.ts';
import { PASSED_AFTER_MS } from './schedule-deliveries.ts';

/**
 * The notify job: make the chat show the post as it is now. Posts the card the first time (in the
 * approvals channel, or where /post was run), updates it in place afterwards, and posts the receipts
 * of the post's new events in the card's thread. A chat error throws, so the job retries: late, never lost.
 */
export async function handleNotifyJob(deps: WorkflowDeps, postId: string): Promise<void> {
  const post = await findPost(deps.db, postId);
  if (!post) return;
  const workspace = await findWorkspace(deps.db, post.workspace_id);
  const chat = workspace ? deps.chats[workspace.chat] : undefined;
  if (!workspace || !chat) {
    deps.log.warn({ postId, chat: workspace?.chat }, 'no chat edge configured for this workspace; the card is not shown');
    return;
  }
  const card = await loadCardView(deps, post, workspace);
  let ref = await deps.db.selectFrom('chat_messages').selectAll().where('post_id', '=', post.id).where('chat', '=', workspace.chat).executeTakeFirst();
  if (!ref) ref = await postCard(deps, workspace, post, card);
  else await chat.updateCard(workspace, ref, card);

  // Every event not yet in the thread, in order. The mark moves after each reply, so a retried job
  // neither repeats a receipt nor skips one.
  const events = await deps.db.selectFrom('events').selectAll().where('post_id', '=', post.id).where('id', '>', String(ref.last_event_id)).orderBy('id').execute();
  const fallback = (network: Network) => `${deps.publicUrl}/connect/${network}?workspace=${workspace.id}`;
  const links = { reconnect: events.some((e) => RECONNECT_KINDS.includes(e.kind)) ? await reconnectLinksFor(deps, post.id, workspace.id) : fallback };
  for (const event of events) {
    const receipt = receiptFor(event, post.zone, links);
    if (receipt) await chat.postReceipt(workspace, ref, receipt);
    await deps.db.updateTable('chat_messages').set({ last_event_id: Number(event.id) }).where('post_id', '=', post.id).where('chat', '=', workspace.chat).execute();
  }
}

export async function loadCardView(deps: WorkflowDeps, post: Post, workspace: Workspace): Promise<CardView> {
  const [content, decisions, deliveries] = await Promise.all([loadPostContent(deps.db, post.id), listDecisions(deps.db, post.id), listDeliveries(deps.db, post.id)]);
  return buildCardView({ post, content, decisions, deliveries, approvalsRequired: workspace.approvals_required, now: deps.now(), graceMs: PASSED_AFTER_MS });
}

async function postCard(deps: WorkflowDeps, workspace: Workspace, post: Post, card: CardView): Promise<ChatMessage> {
  const channelId = workspace.approvals_channel_id ?? post.origin_channel_id;
  const placed = await deps.chats[workspace.chat]!.postCard(workspace, channelId, card);
  return deps.db
    .insertInto('chat_messages')
    .values({ post_id: post.id, chat: workspace.chat, channel_id: placed.channelId, message_id: placed.messageId, thread_id: placed.threadId })
    .returningAll()
    .executeTakeFirstOrThrow();
}
