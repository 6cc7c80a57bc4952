import { listDecisions } from '../../db/decisions.ts';
import { listDeliveries } from '../../db/deliveries.ts';
import { findPost, findPostsWithWorkspaces, loadPostContent } from '../../db/posts.ts';
import type { ChatMessage, Post, PostSeriesTable, Workspace } from '../../db/schema.ts';
import { findWorkspace } from '../../db/workspaces.ts';
import { seriesOf, seriesOfPosts } from '../../db/post-series.ts';
import { buildCardView, type CardView } from './card-view.ts';
import type { WorkflowDeps } from '../deps.ts';
import { PASSED_AFTER_MS } from '../schedule-deliveries.ts';
import { chatPostFailed, postReceipts } from './post-receipts.ts';
import { findChatMessage, insertChatMessage } from '../../db/chat-messages.ts';
import { findLinkPreview } from '../../db/link-previews.ts';
import { listFirstComments, listPostComments } from '../../db/first-comments.ts';
import { postersOf } from '../../db/media-store.ts';
import { listPostFiles } from '../../db/post-files.ts';
import { signCardImageUrl } from '../../crypto/card-image-url.ts';

/**
 * The notify job: make the chat show the post as it is now. Posts the card the first time (in the
 * approvals channel, or where /post was run), updates it in place afterwards, and posts the receipts
 * of the post's events not yet in the card's thread (postReceipts). A chat error throws, so the job
 * retries: late, never lost.
 */
export async function handleNotifyJob(deps: WorkflowDeps, postId: string, load: NotifyLoader = (id) => loadPostAndWorkspace(deps, id)): Promise<void> {
  const found = await load(postId);
  if (!found) return;
  const { post, workspace, series } = found;
  const chat = workspace ? deps.chats[workspace.chat] : undefined;
  if (!workspace || !chat) {
    deps.log.warn({ postId, chat: workspace?.chat }, 'no chat edge configured for this workspace; the card is not shown');
    return;
  }
  // A later occurrence of a series has no card: its receipts go to the thread of the series' card.
  if (series && series.position > 0) {
    const head = await findChatMessage(deps.db, series.head_id, workspace.chat);
    if (!head) throw new Error(`the card of series ${series.head_id} is not posted yet; the receipts of post ${post.id} wait for it`);
    await postReceipts(deps, workspace, post, head);
    return;
  }
  const card = await loadCardView(deps, post, workspace);
  let ref = await findChatMessage(deps.db, post.id, workspace.chat);
  try {
    if (!ref) ref = await postCard(deps, workspace, post, card);
    else await chat.updateCard(workspace, ref, card);
  } catch (error) {
    chatPostFailed(deps, workspace, post.id, 'card', error);
    throw error;
  }
  await postReceipts(deps, workspace, post, ref);
}

/** What a notify job starts from: the post, its workspace and its place in a series, if any. */
export type NotifyStart = { post: Post; workspace: Workspace | undefined; series: PostSeriesTable | undefined };

/** Reads NotifyStart for a post (the notify worker reads them for a whole batch at once: notifyStartsOf). */
export type NotifyLoader = (postId: string) => Promise<NotifyStart | undefined>;

async function loadPostAndWorkspace(deps: WorkflowDeps, postId: string): Promise<NotifyStart | undefined> {
  const post = await findPost(deps.db, postId);
  if (!post) return undefined;
  const [workspace, series] = await Promise.all([findWorkspace(deps.db, post.workspace_id), seriesOf(deps.db, post.id)]);
  return { post, workspace, series };
}

/** NotifyStart of several posts in three statements, whatever their number (one batch of notify jobs). */
export async function notifyStartsOf(deps: WorkflowDeps, postIds: string[]): Promise<(NotifyStart | undefined)[]> {
  const [found, series] = await Promise.all([findPostsWithWorkspaces(deps.db, postIds), seriesOfPosts(deps.db, postIds)]);
  return found.map((start) => (start ? { ...start, series: series.get(start.post.id) } : undefined));
}

export async function loadCardView(deps: WorkflowDeps, post: Post, workspace: Workspace): Promise<CardView> {
  const [content, decisions, deliveries, files, linkPreview, firstComments, comments] = await Promise.all([
    loadPostContent(deps.db, post.id),
    listDecisions(deps.db, post.id),
    listDeliveries(deps.db, post.id),
    listPostFiles(deps.db, post.id),
    findLinkPreview(deps.db, post.id),
    listFirstComments(deps.db, post.id),
    listPostComments(deps.db, post.id),
  ]);
  // A video shows as its poster frame, with its length (issue 15).
  const posters = await postersOf(
    deps.db,
    files.filter((f) => f.video).map((f) => f.id),
  );
  const secret = deps.stateSecret;
  return buildCardView({
    post,
    content,
    decisions,
    deliveries,
    files: files.map((f) => ({ ...f, contentType: f.content_type, posterId: posters.get(f.id) ?? null })),
    ...(secret ? { imageUrl: (id: string) => signCardImageUrl(deps.publicUrl, id, secret, deps.now()) } : {}),
    approvalsRequired: workspace.approvals_required,
    now: deps.now(),
    graceMs: PASSED_AFTER_MS,
    linkPreview,
    firstComments,
    commentStates: new Map(comments.map((c) => [c.delivery_id, { state: c.state, url: c.url }])),
  });
}

async function postCard(deps: WorkflowDeps, workspace: Workspace, post: Post, card: CardView): Promise<ChatMessage> {
  const channelId = workspace.approvals_channel_id ?? post.origin_channel_id;
  const placed = await deps.chats[workspace.chat]!.postCard(workspace, channelId, card);
  return insertChatMessage(deps.db, {
    postId: post.id,
    chat: workspace.chat,
    channelId: placed.channelId,
    messageId: placed.messageId,
    threadId: placed.threadId,
  });
}
