/** The Discord emulator's internal records (a section of emulators/discord.ts, which re-exports its public part). */
import type { DiscordMessage, GuildFixture, Json } from './types.ts';
import type { UploadedFile } from './http.ts';

// ---------------------------------------------------------------------------------------------
// Internal records
// ---------------------------------------------------------------------------------------------

export interface GuildRecord {
  fixture: GuildFixture;
  roles: Map<string, Json>;
  members: Map<string, { roles: string[]; nick: string | null; joinedAt: string }>;
}

export interface ChannelRecord {
  channel: Json;
  guildId: string;
  isThread: boolean;
  messageIds: string[];
}

export interface MessageRecord {
  message: DiscordMessage;
  channelId: string;
  /** Set for ephemeral messages: only this user sees them. */
  ephemeralFor: string | undefined;
  deleted: boolean;
  interactionId: string | undefined;
}

export interface InteractionRecord {
  id: string;
  token: string;
  type: number;
  payload: Json;
  userId: string | undefined;
  guildId: string | undefined;
  channelId: string | undefined;
  /** The message a component sat on (MESSAGE_COMPONENT, or a modal opened from one). */
  sourceMessageId: string | undefined;
  issuedAt: number;
  tokenExpired: boolean;
  /** Set once an initial response was applied. */
  response: Json | undefined;
  responseStatus: number;
  originalMessageId: string | undefined;
  /** Deferred (type 5) and not yet edited: the first follow-up edits the loading message. */
  loading: boolean;
  messageIds: Set<string>;
  /** Metadata of the interaction that opened the modal this submit closes. */
  trigger: Json | undefined;
  waiters: Array<() => void>;
}

export interface RequestContext {
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  files: UploadedFile[];
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface RouteDef {
  method: string;
  template: string;
  key: string;
  pattern: RegExp;
  names: string[];
  auth: boolean;
  /** Params forming the rate-limit bucket's major parameter. */
  major: string[];
  handler: (ctx: RequestContext) => Reply | Promise<Reply>;
}
