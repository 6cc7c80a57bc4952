import { DiscordAPIError, type REST } from '@discordjs/rest';
import type { Db } from '../../db/database.ts';
import type { ChatMessage, Workspace } from '../../db/schema.ts';
import { memberRole } from '../../db/workspaces.ts';
import type { CardView, Receipt } from '../../workflow/card/card-view.ts';
import { ReceiptLookupUnavailable, type ChatPort } from '../../workflow/chat-port.ts';
import { cardMessage, receiptMessage } from './card-embeds.ts';
import { clip } from './edge-context.ts';
import { CHART_CAPTION } from '../../workflow/digest/digest-text.ts';

const ADMINISTRATOR = 1n << 3n;
const MANAGE_GUILD = 1n << 5n;
/** Discord: "A thread has already been created for this message". */
const THREAD_EXISTS = 160004;
const UNKNOWN_MEMBER = 10007;
/** Discord: Missing Access, Missing Permissions (Read Message History). */
const CANNOT_READ = [50001, 50013];
const PAGE = 100;
/** A week: the longest a thread stays open without activity. */
const ARCHIVE_MINUTES = 10080;

/** The workflow's view of Discord: cards with their threads, thread replies and rights, over REST. */
export function createDiscordChatPort(rest: REST, db: Db): ChatPort {
  // The bot's user id, asked once (a failed ask is asked again next time).
  let botId: Promise<string> | undefined;
  const me = () =>
    (botId ??= (rest.get('/users/@me') as Promise<{ id: string }>).then(
      (u) => u.id,
      (error: unknown) => {
        botId = undefined;
        throw error;
      },
    ));
  return {
    async postCard(_workspace: Workspace, channelId: string, card: CardView) {
      // The nonce makes a retried notify job find the card it already posted instead of posting another.
      const body = { ...cardMessage(card), nonce: card.postId.replaceAll('-', '').slice(0, 25), enforce_nonce: true };
      const message = (await rest.post(`/channels/${channelId}/messages`, { body })) as { id: string };
      const threadId = await startThread(rest, channelId, message.id, threadName(card));
      return { channelId, messageId: message.id, threadId };
    },
    async updateCard(_workspace: Workspace, ref: ChatMessage, card: CardView) {
      await rest.patch(`/channels/${ref.channel_id}/messages/${ref.message_id}`, { body: cardMessage(card) });
    },
    async postReceipt(_workspace: Workspace, ref: ChatMessage, receipt: Receipt, key: string) {
      // Discord keeps a nonce for a few minutes: a quick second post of the same receipt returns the first.
      const body = { ...receiptMessage(receipt), nonce: key.slice(0, 25), enforce_nonce: true };
      const message = (await rest.post(`/channels/${ref.thread_id}/messages`, { body })) as { id: string };
      return message.id;
    },
    findReceipt: async (_workspace, ref, receipt, _key, after) => findDiscordReceipt(rest, ref, receiptMessage(receipt).content ?? '', await me(), after),
    // Discord has no ephemeral message outside an interaction: the author hears it in a direct message.
    async tellUser(_workspace: Workspace, _channelId: string, userId: string, text: string) {
      const dm = (await rest.post('/users/@me/channels', { body: { recipient_id: userId } })) as { id: string };
      await rest.post(`/channels/${dm.id}/messages`, { body: { content: clip(text), allowed_mentions: { parse: [] } } });
    },
    async announce(_workspace: Workspace, channelId: string, text: string) {
      await rest.post(`/channels/${channelId}/messages`, { body: { content: clip(text), allowed_mentions: { parse: [] } } });
    },
    // One message with the text and the chart as an attachment (multipart: payload_json and files[0]).
    async postDigest(_workspace: Workspace, channelId: string, text: string, png: Buffer) {
      const body = { content: clip(text), allowed_mentions: { parse: [] }, attachments: [{ id: 0, filename: DIGEST_FILE, description: CHART_CAPTION }] };
      await rest.post(`/channels/${channelId}/messages`, { body, files: [{ name: DIGEST_FILE, data: png, contentType: 'image/png' }] });
    },
    roles: (workspace, userId) => discordRoles(rest, db, workspace, userId),
  };
}

/**
 * The bot's own reply with this content, among the thread's messages newer than `after`. Not by
 * nonce: Discord remembers one only "for the past few minutes" (enforce_nonce), shorter than the
 * receipt lease (10 minutes), and does not keep it on the message, so a message read back has none.
 * Content is safe because receipts go out one at a time in event order: after the last recorded
 * reply, the only receipt of ours can be the one the dead worker posted.
 */
async function findDiscordReceipt(rest: REST, ref: ChatMessage, content: string, botId: string, after: string): Promise<string | undefined> {
  for (let since = after; ; ) {
    let page: { id: string; content: string; author: { id: string } }[];
    try {
      page = (await rest.get(`/channels/${ref.thread_id}/messages`, { query: new URLSearchParams({ after: since, limit: String(PAGE) }) })) as typeof page;
    } catch (error) {
      if (error instanceof DiscordAPIError && typeof error.code === 'number' && CANNOT_READ.includes(error.code))
        throw new ReceiptLookupUnavailable('Discord', error.message);
      throw error;
    }
    const found = page.find((m) => m.author.id === botId && m.content === content);
    if (found) return found.id;
    if (page.length < PAGE) return undefined;
    since = page.reduce((newest, m) => (BigInt(m.id) > BigInt(newest) ? m.id : newest), since);
  }
}

const DIGEST_FILE = 'greenlight-weekly-digest.png';

async function startThread(rest: REST, channelId: string, messageId: string, name: string): Promise<string> {
  try {
    const thread = (await rest.post(`/channels/${channelId}/messages/${messageId}/threads`, { body: { name, auto_archive_duration: ARCHIVE_MINUTES } })) as {
      id: string;
    };
    return thread.id;
  } catch (error) {
    // A retry after the thread was made: a message's thread has the message's id.
    if (error instanceof DiscordAPIError && error.code === THREAD_EXISTS) return messageId;
    throw error;
  }
}

function threadName(card: CardView): string {
  const first = (card.networks[0]?.parts[0]?.text ?? '').replace(/\s+/g, ' ').trim();
  return clip(first ? `Post: ${first}` : 'Post', 100);
}

interface GuildMember {
  roles: string[];
}

interface Guild {
  id: string;
  owner_id: string;
  roles: { id: string; permissions: string }[];
}

/**
 * Rights come fresh from Discord and our members table at every click (the notify and remind jobs
 * have no interaction to read them from): the guild owner, members whose roles grant Administrator
 * or Manage Server, and members marked admin are Greenlight admins; approvers are admins, members
 * marked approver, and holders of the workspace's approver role.
 */
export async function discordRoles(rest: REST, db: Db, workspace: Workspace, userId: string): Promise<{ approver: boolean; admin: boolean }> {
  const guildId = workspace.external_id;
  const [role, member, guild] = await Promise.all([
    memberRole(db, workspace.id, userId),
    fetchMember(rest, guildId, userId),
    rest.get(`/guilds/${guildId}`) as Promise<Guild>,
  ]);
  if (!member) return { approver: false, admin: false };
  const bits = permissions(guild, member);
  const admin = role === 'admin' || guild.owner_id === userId || (bits & (ADMINISTRATOR | MANAGE_GUILD)) !== 0n;
  const approver = admin || role === 'approver' || (workspace.approver_group_id !== null && member.roles.includes(workspace.approver_group_id));
  return { approver, admin };
}

async function fetchMember(rest: REST, guildId: string, userId: string): Promise<GuildMember | undefined> {
  try {
    return (await rest.get(`/guilds/${guildId}/members/${userId}`)) as GuildMember;
  } catch (error) {
    if (error instanceof DiscordAPIError && error.code === UNKNOWN_MEMBER) return undefined;
    throw error;
  }
}

/** The guild-level permissions of a member: @everyone's (the role with the guild's id) and each of their roles'. */
function permissions(guild: Guild, member: GuildMember): bigint {
  let bits = 0n;
  for (const role of guild.roles) {
    if (role.id === guild.id || member.roles.includes(role.id)) bits |= BigInt(role.permissions);
  }
  return bits;
}
