import type { webApi } from '@slack/bolt';
import type { Db } from '../../db/database.ts';
import type { ChatMessage, Workspace } from '../../db/schema.ts';
import { memberRole } from '../../db/workspaces.ts';
import { ReceiptLookupUnavailable, type ChatPort } from '../../workflow/chat-port.ts';
import type { CardView, Receipt } from '../../workflow/card/card-view.ts';
import { cardBlocks, cardFallback, escape, receiptBlocks } from './card-blocks.ts';
import { postSlackDigest } from './post-digest.ts';
import type { WorkspaceClients } from './workspace-clients.ts';

type WebClient = webApi.WebClient;

/**
 * The workflow's view of Slack: cards, thread replies and rights, through the Web API, each call with
 * the bot token of the workspace it is for.
 */
export function createSlackChatPort(clients: WorkspaceClients, db: Db): ChatPort {
  const clientFor = (workspace: Workspace) => clients.forWorkspace(workspace);
  return {
    async postCard(workspace: Workspace, channelId: string, card: CardView) {
      const res = await (await clientFor(workspace)).chat.postMessage({
        channel: channelId,
        text: cardFallback(card),
        blocks: cardBlocks(card),
        unfurl_links: false,
      });
      const ts = res.ts!;
      return { channelId: res.channel ?? channelId, messageId: ts, threadId: ts };
    },
    async updateCard(workspace: Workspace, ref: ChatMessage, card: CardView) {
      await (await clientFor(workspace)).chat.update({ channel: ref.channel_id, ts: ref.message_id, text: cardFallback(card), blocks: cardBlocks(card) });
    },
    // Discord needs no such quoting: its messages go out with allowed_mentions { parse: [] }.
    quote: escape,
    async postReceipt(workspace: Workspace, ref: ChatMessage, receipt: Receipt, key: string) {
      const blocks = receiptBlocks(receipt);
      // Slack's chat.postMessage has no idempotency key: the receipt's key rides in the message's
      // metadata, so a worker taking over a dead one's claim can find it in the thread (findReceipt).
      const metadata = { event_type: RECEIPT_EVENT, event_payload: { key } };
      const res = await (await clientFor(workspace)).chat.postMessage({
        channel: ref.channel_id,
        thread_ts: ref.thread_id,
        text: receipt.text,
        ...(blocks ? { blocks } : {}),
        metadata,
        unfurl_links: false,
      });
      return res.ts!;
    },
    findReceipt: async (workspace, ref, _receipt, key, after) => findSlackReceipt(await clientFor(workspace), ref, key, after),
    async announce(workspace: Workspace, channelId: string, text: string) {
      await (await clientFor(workspace)).chat.postMessage({ channel: channelId, text });
    },
    // Only the author sees it, in the channel where they ran /post (the card's thread says it to all).
    async tellUser(workspace: Workspace, channelId: string, userId: string, text: string) {
      await (await clientFor(workspace)).chat.postEphemeral({ channel: channelId, user: userId, text: `⚠️ ${text}` });
    },
    postDigest: async (workspace, channelId, text, png) => postSlackDigest(await clientFor(workspace), channelId, text, png),
    async roles(workspace: Workspace, userId: string) {
      return slackRoles(await clientFor(workspace), db, workspace, userId);
    },
  };
}

const RECEIPT_EVENT = 'greenlight_receipt';
/** Slack's answers when the bot may not read the channel: channels:history / groups:history missing, or not a member. */
const CANNOT_READ = ['missing_scope', 'not_in_channel', 'channel_not_found'];

/**
 * The thread's reply carrying the receipt's key in its metadata, among the replies newer than `after`.
 * Slack returns metadata only when asked (include_all_metadata).
 */
async function findSlackReceipt(client: WebClient, ref: ChatMessage, key: string, after: string): Promise<string | undefined> {
  let cursor: string | undefined;
  do {
    let page: webApi.ConversationsRepliesResponse;
    try {
      page = await client.conversations.replies({
        channel: ref.channel_id,
        ts: ref.thread_id,
        oldest: after,
        include_all_metadata: true,
        limit: 200,
        ...(cursor ? { cursor } : {}),
      });
    } catch (error) {
      const code = (error as { data?: { error?: string } }).data?.error;
      if (code && CANNOT_READ.includes(code)) throw new ReceiptLookupUnavailable('Slack', code);
      throw error;
    }
    // The client types event_payload as {}: it is our own object, { key }.
    const found = page.messages?.find(
      (m) => m.metadata?.event_type === RECEIPT_EVENT && (m.metadata.event_payload as { key?: string } | undefined)?.key === key,
    );
    if (found) return found.ts;
    cursor = page.response_metadata?.next_cursor || undefined;
  } while (cursor);
  return undefined;
}

/**
 * Rights come fresh from Slack and our members table at every click: Slack workspace admins and
 * owners, and members marked admin, are Greenlight admins; approvers are admins, members marked
 * approver, and members of the workspace's approver user group.
 */
export async function slackRoles(client: WebClient, db: Db, workspace: Workspace, userId: string): Promise<{ approver: boolean; admin: boolean }> {
  const [role, info] = await Promise.all([memberRole(db, workspace.id, userId), client.users.info({ user: userId })]);
  const admin = role === 'admin' || info.user?.is_admin === true || info.user?.is_owner === true;
  if (admin || role === 'approver') return { approver: true, admin };
  if (!workspace.approver_group_id) return { approver: false, admin };
  // An org-wide token must say which workspace's group; a workspace token ignores team_id.
  const group = await client.usergroups.users.list({ usergroup: workspace.approver_group_id, team_id: workspace.external_id });
  return { approver: (group.users ?? []).includes(userId), admin };
}
