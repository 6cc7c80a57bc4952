/** The Discord emulator's public types (a section of emulators/discord.ts, which re-exports its public part). */

// ---------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------

export type Json = Record<string, unknown>;

export interface StartOptions {
  /** Added before every REST answer. */
  latencyMs?: number;
  /** A snowflake; random by default. The app's id is also its interaction webhook id. */
  applicationId?: string;
  botUsername?: string;
  /** What every REST bucket advertises and enforces (default 50 requests per 1 s window). */
  rateLimit?: { limit: number; windowMs: number };
  /** How long Discord waits for the initial response before the interaction fails (3 s). */
  initialResponseTimeoutMs?: number;
  /** How long an interaction token works for webhooks (15 min). */
  tokenTtlMs?: number;
  /** HELLO's heartbeat_interval (Discord: 41250 ms). */
  heartbeatIntervalMs?: number;
  /**
   * Privileged intents switched on in the "developer portal" (GUILD_MEMBERS 1<<1, GUILD_PRESENCES
   * 1<<8, MESSAGE_CONTENT 1<<15). An IDENTIFY asking for others is closed with 4014 (default: none).
   */
  privilegedIntents?: number;
  /** How long a signed attachment link works (Discord: about a day). */
  attachmentTtlMs?: number;
}

/** A file a user attaches: to a slash command option, a modal's File Upload, or a message they post. */
export interface AttachmentUpload {
  filename: string;
  bytes: Buffer;
  /** Default: from the file name (image/png for .png). */
  contentType?: string;
  /** The alt text a user can write on Discord (≤1024). */
  description?: string;
}

export interface MessageCommandArgs extends DeliveryOptions {
  /** The registered message command's name ("Draft a post"). */
  name: string;
  targetMessageId: string;
  userId: string;
  guildId?: string;
  channelId: string;
}

export interface UserMessageArgs {
  channelId: string;
  userId: string;
  content: string;
  files?: AttachmentUpload[];
}

export interface GuildFixture {
  id: string;
  name: string;
  ownerId?: string;
}

export interface ChannelFixture {
  id: string;
  guildId: string;
  name: string;
  /** 0 GUILD_TEXT (default) or 5 GUILD_ANNOUNCEMENT. */
  type?: 0 | 5;
  parentId?: string;
  topic?: string;
}

export interface MemberFixture {
  guildId: string;
  userId: string;
  username: string;
  roles: string[];
  globalName?: string;
  nick?: string;
}

export interface RoleFixture {
  guildId: string;
  id: string;
  name: string;
  /** Permission bitfield as a decimal string (default "0"). */
  permissions?: string;
}

/** A message as Discord returns it (the fields every message has, and whatever else it carries). */
export interface DiscordMessage {
  id: string;
  channel_id: string;
  type: number;
  content: string;
  embeds: Json[];
  components: Json[];
  attachments: Json[];
  flags: number;
  author: Json;
  timestamp: string;
  edited_timestamp: string | null;
  [key: string]: unknown;
}

/** How to make a signed delivery wrong, for abuse tests. */
export interface Tamper {
  /**
   * `flip`: sign, then flip one bit of the signature; `wrongKey`: signed with another key;
   * `missing`: no signature header; any other string is sent as the header value.
   */
  signature?: 'flip' | 'wrongKey' | 'missing' | (string & {});
  /** Timestamp to sign and send (seconds), e.g. an hour ago; `null` leaves the header out. */
  timestamp?: number | string | null;
  /** Signed over the real body, then this is sent instead (a body changed in transit). */
  bodyAfterSigning?: string;
  /** Sent and correctly signed instead of the compact interaction JSON (e.g. odd whitespace). */
  rawBody?: string;
}

export interface DeliveryOptions {
  tamper?: Tamper;
}

export interface CommandArgs extends DeliveryOptions {
  name: string;
  /** Values by option name (types come from the registered command, else are inferred), or raw options. */
  options?: Record<string, string | number | boolean | AttachmentUpload> | Json[];
  userId: string;
  /** Defaults to the channel's guild. */
  guildId?: string;
  channelId: string;
}

export interface ComponentArgs extends DeliveryOptions {
  customId: string;
  userId: string;
  guildId?: string;
  channelId: string;
  messageId: string;
}

export interface SelectMenuArgs extends ComponentArgs {
  values: string[];
}

export interface SubmitModalArgs extends DeliveryOptions {
  customId: string;
  /** What the user entered, by the input's custom_id (arrays for selects, files for a File Upload). */
  values: Record<string, string | string[] | AttachmentUpload[]>;
  userId: string;
  guildId?: string;
  channelId: string;
  messageId?: string;
  /**
   * Shape of `data.components`: `label` (type 18 wrappers, new-style modals) or `actionRow`
   * (legacy rows). Default: the shape the open modal was built with.
   */
  format?: 'label' | 'actionRow';
  /** Submit although no such modal is open for the user (Discord would never do that). */
  unsolicited?: boolean;
}

/** The outcome of one interaction as Discord saw it. */
export interface InteractionResult {
  /** HTTP status of the app's answer; gateway: the callback's status, 0 when none came in time. */
  status: number;
  /** The app's HTTP body (parsed JSON, or text); gateway: the callback body. */
  body: unknown;
  elapsedMs: number;
  /** What was sent to the app. */
  interaction: Json;
  /** The initial response Discord applied (HTTP body or callback endpoint), if any. */
  response: Json | undefined;
  /** Why a user would see "This interaction failed"; undefined when it worked. */
  failure: string | undefined;
}

export interface InteractionDelivery {
  id: string;
  type: number;
  transport: 'http' | 'gateway';
  payload: Json;
  /** The exact HTTP body sent (HTTP only). */
  rawBody: string | undefined;
  headers: Record<string, string>;
  tampered: boolean;
  result?: InteractionResult;
}

/** One initial-response attempt (HTTP answer body or callback POST). */
export interface CallbackAttempt {
  interactionId: string;
  via: 'http' | 'callback';
  body: unknown;
  status: number;
  error: Json | undefined;
  at: number;
}

/** One REST call as it reached the emulator (the Authorization value is never kept). */
export interface RestCall {
  method: string;
  path: string;
  /** `METHOD /template` as in discord.openapi.json, `''` when no route matched. */
  route: string;
  query: Record<string, string>;
  body: unknown;
  headers: Record<string, string>;
  /** What the Authorization header was: the bot token, something else, or absent. */
  auth: 'bot' | 'invalid' | 'none';
  status: number;
  response: unknown;
  at: number;
}

export interface Fault {
  /** Default 429. */
  status?: number;
  /** 429: seconds to wait (body `retry_after`; header `Retry-After` rounded up). Default 1. */
  retryAfter?: number;
  /** 429: the global limit (`X-RateLimit-Global`, scope `global`). */
  global?: boolean;
  /** 429: `X-RateLimit-Scope` (default `user`, or `global`). */
  scope?: 'user' | 'global' | 'shared';
  /** Discord error code for the body (defaults per status). */
  code?: number;
  message?: string;
  /** How many calls in a row fail (default 1). */
  times?: number;
  /** Perform the route's effect (e.g. the message is created) and still answer with the fault. */
  afterEffect?: boolean;
  /** Drop the TCP connection instead of answering. */
  dropConnection?: boolean;
  /** Hold the answer this long first (to trip client timeouts). */
  delayMs?: number;
}

export interface OpenModal {
  custom_id: string;
  title: string;
  components: Json[];
  /** The interaction the modal answered. */
  interactionId: string;
  channelId: string;
  messageId: string | undefined;
}
