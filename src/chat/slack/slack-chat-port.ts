import type { webApi } from '@slack/bolt';
import type { Db } from '../../db/database.ts';
import type { ChatMessage, Workspace } from '../../db/schema.ts';
import { memberRole } from '../../db/workspaces.ts';
import type { ChatPort } from '../../workflow/chat-port.ts';
import type { CardView, Receipt } from '../../workflow/card-view.ts';
import { cardBlocks, cardFallback, receiptBlocks } from './card-blocks.ts';
import { postSlackDigest } from './post-digest.ts';

type WebClient = webApi.WebClient;

/** The workflow's view of Slack: cards, thread replies and rights, through the Web API. */
export function createSlackChatPort(client: WebClient, db: Db): ChatPort {
  return {
    async postCard(_workspace: Workspace, channelId: string, card: CardView) {
      const res = await client.chat.postMessage({ channel: channelId, text: cardFallback(card), blocks: cardBlocks(card), unfurl_links: false });
      const ts = res.ts!;
      return { channelId: res.channel ?? channelId, messageId: ts, threadId: ts };
    },
    async updateCard(_workspace: Workspace, ref: ChatMessage, card: CardView) {
      await client.chat.update({ channel: ref.channel_id, ts: ref.message_id, text: cardFallback(card), blocks: cardBlocks(card) });
    },
    async postReceipt(_workspace: Workspace, ref: ChatMessage, receipt: Receipt) {
      const blocks = receiptBlocks(receipt);
      // Slack's chat.postMessage has no idempotency key: the caller's claim keeps it to one call.
      const res = await client.chat.postMessage({ channel: ref.channel_id, thread_ts: ref.thread_id, text: receipt.text, ...(blocks ? { blocks } : {}), unfurl_links: false });
      return res.ts!;
    },
    async announce(_workspace: Workspace, channelId: string, text: string) {
      await client.chat.postMessage({ channel: channelId, text });
    },
    postDigest: (_workspace, channelId, text, png) => postSlackDigest(client, channelId, text, png),
    async roles(workspace: Workspace, userId: string) {
      return slackRoles(client, db, workspace, userId);
    },
  };
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
  const group = await client.usergroups.users.list({ usergroup: workspace.approver_group_id });
  return { approver: (group.users ?? []).includes(userId), admin };
}
