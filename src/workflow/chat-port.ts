import type { ChatMessage, Workspace } from '../db/schema.ts';
import type { CardView, Receipt } from './card/card-view.ts';

/**
 * What the workflow asks of a chat (Slack or Discord). Both render the same chat-neutral views, so
 * the two chats show the same facts; each edge decides only how they look.
 */
export interface ChatPort {
  /** Posts the card in `channelId` and opens its thread; returns where it is. */
  postCard(workspace: Workspace, channelId: string, card: CardView): Promise<{ channelId: string; messageId: string; threadId: string }>;
  updateCard(workspace: Workspace, ref: ChatMessage, card: CardView): Promise<void>;
  /** Posts a reply in the card's thread; returns the reply's id. `key` is unique per receipt (a chat that dedupes by it may). */
  postReceipt(workspace: Workspace, ref: ChatMessage, receipt: Receipt, key: string): Promise<string>;
  /**
   * After a takeover (the worker posting the receipt died before recording it): the id of the reply
   * already in the thread for `key`, looking only at messages newer than `after`, or undefined when
   * it is not there. Throws ReceiptLookupUnavailable when this chat may not read the thread.
   */
  findReceipt(workspace: Workspace, ref: ChatMessage, receipt: Receipt, key: string, after: string): Promise<string | undefined>;
  /** Makes text a person typed or a network wrote inert in this chat's markup (Slack's `<!here>`, `<@U…>`). */
  quote?(text: string): string;
  /** Rights, asked of the chat at every click (a Slack user group, a Discord role, workspace admins). */
  roles(workspace: Workspace, userId: string): Promise<{ approver: boolean; admin: boolean }>;
  /** Posts a plain message in a channel (announcements: pause, resume, reminders). */
  announce(workspace: Workspace, channelId: string, text: string): Promise<void>;
  /**
   * Tells one person something only they need, where they are (Slack: an ephemeral message in the
   * channel, Discord: a DM): a file attached to their post that could not be taken. Optional: the
   * card's thread says it too.
   */
  tellUser?(workspace: Workspace, channelId: string, userId: string, text: string): Promise<void>;
  /** Posts the weekly digest: its text with the chart (a PNG) attached, through the chat's file upload. */
  postDigest(workspace: Workspace, channelId: string, text: string, png: Buffer): Promise<void>;
}

/** The chat refused to let us read the thread (a scope, permission or membership we lack). */
export class ReceiptLookupUnavailable extends Error {
  readonly code = 'receipt_lookup_unavailable';
  constructor(chat: string, reason: string) {
    super(`${chat} did not let Greenlight read the card's thread (${reason})`);
  }
}
