/**
 * Discord emulator: a fake Discord on 127.0.0.1 that the real discord.js 14 (@discordjs/rest 2,
 * @discordjs/ws 1) talks to. Wire facts: /work/shared/PLATFORMS.md section 2.
 *
 * Two directions, like the real thing:
 * - Discord -> app: interactions signed with Ed25519 and POSTed as JSON to the app's interactions
 *   endpoint, or dispatched as INTERACTION_CREATE on the gateway after `setTransport('gateway')`
 *   (see discord-gateway.ts). Never both: an app with an endpoint URL gets no gateway interactions.
 * - app -> Discord: the REST API under `/api/v10` (interaction callbacks, interaction webhooks,
 *   channel messages, threads, command registration, users, members) with Discord's error bodies,
 *   `X-RateLimit-*` headers and 429s, and `GET /gateway/bot` pointing at the local gateway.
 *
 * Everything the app did is kept as a member would see it (channel and thread messages in their
 * latest version, ephemerals per user, open modals) plus the raw request log, so tests assert on
 * what reached "Discord". The bot token never enters the log.
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { DiscordGatewayHub, type GatewayFrame, type IdentifyRecord } from './discord-gateway.ts';

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
  options?: Record<string, string | number | boolean> | Json[];
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
  /** What the user entered, by the input's custom_id (arrays for selects). */
  values: Record<string, string | string[]>;
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

// ---------------------------------------------------------------------------------------------
// Constants and small helpers
// ---------------------------------------------------------------------------------------------

const API_PREFIX = '/api/v10';
const DISCORD_EPOCH = 1420070400000n;
const MAX_BODY_BYTES = 25 * 1024 * 1024;
const DEFAULT_PERMISSIONS = '2248473465835073';
const ALL_PERMISSIONS = '2251799813685247';
const ADMINISTRATOR = 8n;
const ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024;

const Flags = {
  SuppressEmbeds: 1 << 2,
  HasThread: 1 << 5,
  Ephemeral: 1 << 6,
  Loading: 1 << 7,
  SuppressNotifications: 1 << 12,
  ComponentsV2: 1 << 15,
} as const;

const InteractionType = { Ping: 1, ApplicationCommand: 2, MessageComponent: 3, Autocomplete: 4, ModalSubmit: 5 } as const;

const CallbackType = {
  Pong: 1,
  ChannelMessage: 4,
  DeferredChannelMessage: 5,
  DeferredUpdate: 6,
  UpdateMessage: 7,
  AutocompleteResult: 8,
  Modal: 9,
  LaunchActivity: 12,
} as const;

const SELECT_TYPES = new Set([3, 5, 6, 7, 8]);
const CHANNEL_TEXT = 0;
const CHANNEL_ANNOUNCEMENT = 5;
const ARCHIVE_DURATIONS = new Set([60, 1440, 4320, 10080]);
const COMMAND_NAME = /^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;

let snowflakeIncrement = 0n;

/** A snowflake for now: ms since the Discord epoch << 22, worker/process ids, an increment. */
export function snowflake(at = Date.now()): string {
  snowflakeIncrement = (snowflakeIncrement + 1n) & 0xfffn;
  return (((BigInt(at) - DISCORD_EPOCH) << 22n) | (1n << 17n) | (1n << 12n) | snowflakeIncrement).toString();
}

/** Hex Ed25519 signature over `timestamp + body`, as Discord sends in X-Signature-Ed25519. */
export function discordSignature(privateKey: KeyObject, timestamp: string, body: string): string {
  return sign(null, Buffer.from(timestamp + body), privateKey).toString('hex');
}

class DiscordError extends Error {
  readonly status: number;
  readonly body: Json;
  readonly headers: Record<string, string>;
  constructor(status: number, body: Json, headers: Record<string, string> = {}) {
    super(String(body.message));
    this.status = status;
    this.body = body;
    this.headers = headers;
  }
}

function errorBody(code: number, message: string): Json {
  return { message, code };
}

const Errors = {
  unauthorized: () => new DiscordError(401, errorBody(0, '401: Unauthorized')),
  notFound: () => new DiscordError(404, errorBody(0, '404: Not Found')),
  methodNotAllowed: () => new DiscordError(405, errorBody(0, '405: Method Not Allowed')),
  unknownChannel: () => new DiscordError(404, errorBody(10003, 'Unknown Channel')),
  unknownGuild: () => new DiscordError(404, errorBody(10004, 'Unknown Guild')),
  unknownMember: () => new DiscordError(404, errorBody(10007, 'Unknown Member')),
  unknownMessage: () => new DiscordError(404, errorBody(10008, 'Unknown Message')),
  unknownUser: () => new DiscordError(404, errorBody(10013, 'Unknown User')),
  unknownWebhook: () => new DiscordError(404, errorBody(10015, 'Unknown Webhook')),
  unknownInteraction: () => new DiscordError(404, errorBody(10062, 'Unknown interaction')),
  alreadyAcknowledged: () => new DiscordError(400, errorBody(40060, 'Interaction has already been acknowledged.')),
  invalidWebhookToken: () => new DiscordError(401, errorBody(50027, 'Invalid Webhook Token')),
  cannotEditOthers: () => new DiscordError(403, errorBody(50005, 'Cannot edit a message authored by another user')),
  emptyMessage: () => new DiscordError(400, errorBody(50006, 'Cannot send an empty message')),
  wrongChannelType: () => new DiscordError(400, errorBody(50024, 'Cannot execute action on this channel type')),
  invalidJson: () => new DiscordError(400, errorBody(50109, 'The request body contains invalid JSON.')),
  tooLarge: () => new DiscordError(413, errorBody(40005, 'Request entity too large')),
  threadExists: () => new DiscordError(400, errorBody(160004, 'A thread has already been created for this message')),
};

/** Collects field errors into Discord's nested `{field: {0: {_errors: [...]}}}` shape. */
class FormErrors {
  readonly #list: Array<{ path: Array<string | number>; code: string; message: string }> = [];

  add(path: Array<string | number>, code: string, message: string): void {
    this.#list.push({ path, code, message });
  }

  get empty(): boolean {
    return this.#list.length === 0;
  }

  throwIfAny(): void {
    if (this.empty) return;
    const errors: Json = {};
    for (const { path, code, message } of this.#list) {
      let node = errors;
      for (const key of path) {
        const next = node[String(key)];
        node = isRecord(next) ? next : (node[String(key)] = {}) as Json;
      }
      const list = Array.isArray(node._errors) ? node._errors : (node._errors = []);
      (list as Json[]).push({ code, message });
    }
    throw new DiscordError(400, { message: 'Invalid Form Body', code: 50035, errors });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function records(value: unknown): Json[] {
  return Array.isArray(value) ? value.filter(isRecord) : [];
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function iso(at = Date.now()): string {
  return new Date(at).toISOString().replace('Z', '+00:00');
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

function bucketHash(routeKey: string): string {
  return createHash('sha256').update(routeKey).digest('hex').slice(0, 32);
}

function checkLength(errs: FormErrors, path: Array<string | number>, value: unknown, min: number, max: number, required: boolean): void {
  if (value === undefined || value === null) {
    if (required) errs.add(path, 'BASE_TYPE_REQUIRED', 'This field is required');
    return;
  }
  if (typeof value !== 'string') {
    errs.add(path, 'BASE_TYPE_STRING', 'Must be a string.');
    return;
  }
  if (value.length < min || value.length > max) {
    const message = min === 0 ? `Must be ${max} or fewer in length.` : `Must be between ${min} and ${max} in length.`;
    errs.add(path, min === 0 ? 'BASE_TYPE_MAX_LENGTH' : 'BASE_TYPE_BAD_LENGTH', message);
  }
}

function checkIntRange(errs: FormErrors, path: Array<string | number>, value: unknown, min: number, max: number): void {
  if (value === undefined || value === null) return;
  if (typeof value !== 'number' || !Number.isInteger(value)) errs.add(path, 'NUMBER_TYPE_COERCE', `Value "${String(value)}" is not int.`);
  else if (value < min) errs.add(path, 'NUMBER_TYPE_MIN', `Must be greater than or equal to ${min}.`);
  else if (value > max) errs.add(path, 'NUMBER_TYPE_MAX', `Must be less than or equal to ${max}.`);
}

// ---------------------------------------------------------------------------------------------
// Payload checks (the subset of Discord's validation that catches real app bugs)
// ---------------------------------------------------------------------------------------------

function checkEmbeds(errs: FormErrors, value: unknown): void {
  if (value === undefined || value === null) return;
  if (!Array.isArray(value)) return errs.add(['embeds'], 'BASE_TYPE_ARRAY', 'Must be an array.');
  if (value.length > 10) errs.add(['embeds'], 'BASE_TYPE_MAX_LENGTH', 'Must be 10 or fewer in length.');
  let total = 0;
  value.forEach((embed, i) => {
    if (!isRecord(embed)) return errs.add(['embeds', i], 'MODEL_TYPE_CONVERT', 'Only dictionaries may be used in a ModelType');
    const count = (text: unknown): void => {
      if (typeof text === 'string') total += text.length;
    };
    checkLength(errs, ['embeds', i, 'title'], embed.title, 0, 256, false);
    checkLength(errs, ['embeds', i, 'description'], embed.description, 0, 4096, false);
    count(embed.title);
    count(embed.description);
    if (isRecord(embed.footer)) {
      checkLength(errs, ['embeds', i, 'footer', 'text'], embed.footer.text, 0, 2048, true);
      count(embed.footer.text);
    }
    if (isRecord(embed.author)) {
      checkLength(errs, ['embeds', i, 'author', 'name'], embed.author.name, 0, 256, true);
      count(embed.author.name);
    }
    if (embed.fields !== undefined) {
      const fields = Array.isArray(embed.fields) ? embed.fields : [];
      if (fields.length > 25) errs.add(['embeds', i, 'fields'], 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
      fields.forEach((field, j) => {
        const f = isRecord(field) ? field : {};
        checkLength(errs, ['embeds', i, 'fields', j, 'name'], f.name, 0, 256, true);
        checkLength(errs, ['embeds', i, 'fields', j, 'value'], f.value, 0, 1024, true);
        count(f.name);
        count(f.value);
      });
    }
  });
  if (total > 6000) errs.add(['embeds'], 'MAX_EMBED_SIZE_EXCEEDED', 'Embed size exceeds maximum size of 6000');
}

function checkCustomId(errs: FormErrors, path: Array<string | number>, value: unknown, seen: Set<string>): void {
  checkLength(errs, path, value, 1, 100, true);
  if (typeof value !== 'string') return;
  if (seen.has(value)) errs.add(path, 'COMPONENT_CUSTOM_ID_DUPLICATED', 'Component custom id cannot be duplicated');
  seen.add(value);
}

function checkSelect(errs: FormErrors, at: Array<string | number>, select: Json, seen: Set<string>): void {
  checkCustomId(errs, [...at, 'custom_id'], select.custom_id, seen);
  checkLength(errs, [...at, 'placeholder'], select.placeholder, 0, 150, false);
  checkIntRange(errs, [...at, 'min_values'], select.min_values, 0, 25);
  checkIntRange(errs, [...at, 'max_values'], select.max_values, 1, 25);
  if (select.type !== 3) return;
  const options = Array.isArray(select.options) ? select.options : undefined;
  if (options === undefined) return errs.add([...at, 'options'], 'BASE_TYPE_REQUIRED', 'This field is required');
  if (options.length < 1 || options.length > 25) errs.add([...at, 'options'], 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 25 in length.');
  options.forEach((option, k) => {
    const o = isRecord(option) ? option : {};
    checkLength(errs, [...at, 'options', k, 'label'], o.label, 1, 100, true);
    checkLength(errs, [...at, 'options', k, 'value'], o.value, 1, 100, true);
    checkLength(errs, [...at, 'options', k, 'description'], o.description, 0, 100, false);
  });
}

function checkButton(errs: FormErrors, at: Array<string | number>, button: Json, seen: Set<string>): void {
  const style = button.style;
  if (typeof style !== 'number' || style < 1 || style > 6) {
    errs.add([...at, 'style'], 'BASE_TYPE_CHOICES', 'Value must be one of {1, 2, 3, 4, 5, 6}.');
  }
  checkLength(errs, [...at, 'label'], button.label, 0, 80, false);
  if (style === 5) {
    if (typeof button.url !== 'string') errs.add([...at, 'url'], 'BASE_TYPE_REQUIRED', 'This field is required');
    if (button.custom_id !== undefined) errs.add([...at, 'custom_id'], 'COMPONENT_CUSTOM_ID_INVALID', 'A custom id cannot be set on a link button');
  } else if (style !== 6) {
    checkCustomId(errs, [...at, 'custom_id'], button.custom_id, seen);
    if (button.url !== undefined) errs.add([...at, 'url'], 'BUTTON_COMPONENT_URL_NOT_ALLOWED', 'A url can only be set on a link button');
  }
  if (button.label === undefined && button.emoji === undefined && style !== 6) {
    errs.add([...at], 'BUTTON_COMPONENT_LABEL_OR_EMOJI_REQUIRED', 'A label or an emoji is required');
  }
}

function checkActionRow(errs: FormErrors, at: Array<string | number>, row: Json, seen: Set<string>, inModal: boolean): void {
  const children = Array.isArray(row.components) ? row.components : undefined;
  if (children === undefined) return errs.add([...at, 'components'], 'BASE_TYPE_REQUIRED', 'This field is required');
  if (children.length < 1) errs.add([...at, 'components'], 'BASE_TYPE_MIN_LENGTH', 'Must be 1 or more in length.');
  if (children.length > 5) errs.add([...at, 'components'], 'BASE_TYPE_MAX_LENGTH', 'Must be 5 or fewer in length.');
  const wide = children.some((c) => isRecord(c) && (SELECT_TYPES.has(Number(c.type)) || c.type === 4));
  if (wide && children.length > 1) errs.add([...at, 'components'], 'COMPONENT_LAYOUT_WIDTH_EXCEEDED', 'The specified component exceeds the maximum width');
  children.forEach((child, j) => {
    const where = [...at, 'components', j];
    if (!isRecord(child)) return errs.add(where, 'MODEL_TYPE_CONVERT', 'Only dictionaries may be used in a ModelType');
    if (inModal) {
      if (child.type !== 4) return errs.add([...where, 'type'], 'BASE_TYPE_CHOICES', 'Value must be one of {4}.');
      checkTextInput(errs, where, child, seen, true);
    } else if (child.type === 2) checkButton(errs, where, child, seen);
    else if (SELECT_TYPES.has(Number(child.type))) checkSelect(errs, where, child, seen);
    else errs.add([...where, 'type'], 'BASE_TYPE_CHOICES', 'Value must be one of {2, 3, 5, 6, 7, 8}.');
  });
}

function checkTextInput(errs: FormErrors, at: Array<string | number>, input: Json, seen: Set<string>, legacy: boolean): void {
  checkCustomId(errs, [...at, 'custom_id'], input.custom_id, seen);
  if (input.style !== 1 && input.style !== 2) errs.add([...at, 'style'], 'BASE_TYPE_CHOICES', 'Value must be one of {1, 2}.');
  checkLength(errs, [...at, 'label'], input.label, 1, 45, legacy);
  checkIntRange(errs, [...at, 'min_length'], input.min_length, 0, 4000);
  checkIntRange(errs, [...at, 'max_length'], input.max_length, 1, 4000);
  checkLength(errs, [...at, 'value'], input.value, 0, 4000, false);
  checkLength(errs, [...at, 'placeholder'], input.placeholder, 0, 100, false);
}

/** Top-level message components: v1 action rows (max 5), or a components-v2 layout. */
function checkMessageComponents(errs: FormErrors, value: unknown, v2: boolean): void {
  if (value === undefined || value === null) return;
  if (!Array.isArray(value)) return errs.add(['components'], 'BASE_TYPE_ARRAY', 'Must be an array.');
  if (!v2 && value.length > 5) errs.add(['components'], 'BASE_TYPE_MAX_LENGTH', 'Must be 5 or fewer in length.');
  const seen = new Set<string>();
  let total = 0;
  const walk = (list: unknown[], at: Array<string | number>): void => {
    list.forEach((component, i) => {
      const where = [...at, i];
      total += 1;
      if (!isRecord(component)) return errs.add(where, 'MODEL_TYPE_CONVERT', 'Only dictionaries may be used in a ModelType');
      if (component.type === 1) {
        total += Array.isArray(component.components) ? component.components.length : 0;
        return checkActionRow(errs, where, component, seen, false);
      }
      if (!v2) return errs.add([...where, 'type'], 'BASE_TYPE_CHOICES', 'Value must be one of {1}.');
      if (component.type === 10) checkLength(errs, [...where, 'content'], component.content, 1, 4000, true);
      if (Array.isArray(component.components)) walk(component.components, [...where, 'components']);
      if (isRecord(component.accessory) && component.accessory.type === 2) checkButton(errs, [...where, 'accessory'], component.accessory, seen);
    });
  };
  walk(value, ['components']);
  if (v2 && total > 40) errs.add(['components'], 'BASE_TYPE_MAX_LENGTH', 'Must be 40 or fewer in total components.');
}

interface MessageCheck {
  /** A new message must carry something; an edit may change one field. */
  mode: 'create' | 'edit';
  ephemeralAllowed: boolean;
  hasFiles: boolean;
}

function checkMessagePayload(payload: Json, check: MessageCheck): void {
  const errs = new FormErrors();
  const flags = typeof payload.flags === 'number' ? payload.flags : 0;
  const v2 = (flags & Flags.ComponentsV2) !== 0;
  if (payload.content !== undefined && payload.content !== null) {
    if (typeof payload.content !== 'string') errs.add(['content'], 'BASE_TYPE_STRING', 'Must be a string.');
    else if (payload.content.length > 2000) errs.add(['content'], 'BASE_TYPE_MAX_LENGTH', 'Must be 2000 or fewer in length.');
  }
  if (v2 && typeof payload.content === 'string' && payload.content !== '') {
    errs.add(['content'], 'MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2', "The 'content' field cannot be used when using MessageFlags.IS_COMPONENTS_V2");
  }
  if (v2 && Array.isArray(payload.embeds) && payload.embeds.length > 0) {
    errs.add(['embeds'], 'MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2', "The 'embeds' field cannot be used when using MessageFlags.IS_COMPONENTS_V2");
  }
  checkEmbeds(errs, payload.embeds);
  checkMessageComponents(errs, payload.components, v2);
  if (payload.nonce !== undefined && payload.nonce !== null) {
    if (typeof payload.nonce === 'string') checkLength(errs, ['nonce'], payload.nonce, 0, 25, false);
    else if (typeof payload.nonce !== 'number') errs.add(['nonce'], 'BASE_TYPE_STRING', 'Must be a string or an integer.');
  }
  if (!check.ephemeralAllowed && (flags & Flags.Ephemeral) !== 0) {
    errs.add(['flags'], 'MESSAGE_FLAGS_INVALID', 'The flag EPHEMERAL can only be used in interaction responses.');
  }
  errs.throwIfAny();
  if (check.mode === 'create' && !hasVisibleContent(payload) && !check.hasFiles) throw Errors.emptyMessage();
}

function hasVisibleContent(payload: Json): boolean {
  return (
    (typeof payload.content === 'string' && payload.content.trim() !== '') ||
    (Array.isArray(payload.embeds) && payload.embeds.length > 0) ||
    (Array.isArray(payload.components) && payload.components.length > 0) ||
    (Array.isArray(payload.sticker_ids) && payload.sticker_ids.length > 0) ||
    isRecord(payload.poll)
  );
}

function checkModal(data: unknown): void {
  const errs = new FormErrors();
  if (!isRecord(data)) {
    errs.add(['data'], 'BASE_TYPE_REQUIRED', 'This field is required');
    return errs.throwIfAny();
  }
  const seen = new Set<string>();
  checkLength(errs, ['data', 'custom_id'], data.custom_id, 1, 100, true);
  checkLength(errs, ['data', 'title'], data.title, 1, 45, true);
  const components = Array.isArray(data.components) ? data.components : undefined;
  if (components === undefined) errs.add(['data', 'components'], 'BASE_TYPE_REQUIRED', 'This field is required');
  else if (components.length < 1 || components.length > 5) errs.add(['data', 'components'], 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 5 in length.');
  (components ?? []).forEach((component, i) => {
    const at = ['data', 'components', i];
    if (!isRecord(component)) return errs.add(at, 'MODEL_TYPE_CONVERT', 'Only dictionaries may be used in a ModelType');
    if (component.type === 1) return checkActionRow(errs, at, component, seen, true);
    if (component.type === 10) return checkLength(errs, [...at, 'content'], component.content, 1, 4000, true);
    if (component.type !== 18) return errs.add([...at, 'type'], 'BASE_TYPE_CHOICES', 'Value must be one of {1, 10, 18}.');
    checkLength(errs, [...at, 'label'], component.label, 1, 45, true);
    checkLength(errs, [...at, 'description'], component.description, 0, 100, false);
    const inner = component.component;
    if (!isRecord(inner)) return errs.add([...at, 'component'], 'BASE_TYPE_REQUIRED', 'This field is required');
    if (inner.type === 4) {
      if (inner.label !== undefined) errs.add([...at, 'component', 'label'], 'COMPONENT_TEXT_INPUT_LABEL_NOT_ALLOWED', 'A text input inside a label cannot have its own label');
      checkTextInput(errs, [...at, 'component'], inner, seen, false);
    } else if (SELECT_TYPES.has(Number(inner.type))) checkSelect(errs, [...at, 'component'], inner, seen);
    else if (inner.type === 19) checkCustomId(errs, [...at, 'component', 'custom_id'], inner.custom_id, seen);
    else errs.add([...at, 'component', 'type'], 'BASE_TYPE_CHOICES', 'Value must be one of {3, 4, 5, 6, 7, 8, 19}.');
  });
  errs.throwIfAny();
}

/**
 * Discord gives every component without an `id` the next free integer (depth first, unique in
 * the message) and fills select defaults; responses always carry them.
 */
function normalizeComponents(components: unknown): Json[] {
  const list = clone(records(components));
  const used = new Set<number>();
  const each = (visit: (c: Json) => void): void => {
    const walk = (c: Json): void => {
      visit(c);
      for (const child of records(c.components)) walk(child);
      if (isRecord(c.component)) walk(c.component);
      if (isRecord(c.accessory)) walk(c.accessory);
    };
    list.forEach(walk);
  };
  each((c) => {
    if (typeof c.id === 'number') used.add(c.id);
  });
  let next = 1;
  each((c) => {
    if (typeof c.id !== 'number') {
      while (used.has(next)) next += 1;
      c.id = next;
      used.add(next);
    }
    if (SELECT_TYPES.has(Number(c.type))) {
      c.min_values ??= 1;
      c.max_values ??= 1;
    }
  });
  return list;
}

function normalizeEmbeds(embeds: unknown): Json[] {
  return clone(records(embeds)).map((embed) => {
    embed.type ??= 'rich';
    if (Array.isArray(embed.fields)) embed.fields = records(embed.fields).map((f) => ({ ...f, inline: f.inline === true }));
    if (embed.content_scan_version === undefined) embed.content_scan_version = 0;
    return embed;
  });
}

/** Depth-first search through a message's or modal's components. */
function findComponent(components: unknown, match: (c: Json) => boolean): Json | undefined {
  for (const c of records(components)) {
    if (match(c)) return c;
    const inner = findComponent([...records(c.components), ...(isRecord(c.component) ? [c.component] : []), ...(isRecord(c.accessory) ? [c.accessory] : [])], match);
    if (inner !== undefined) return inner;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// HTTP plumbing
// ---------------------------------------------------------------------------------------------

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw Errors.tooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

interface UploadedFile {
  key: string;
  filename: string;
  size: number;
  contentType: string;
  bytes: Buffer;
}

/** JSON, or multipart with `payload_json` plus `files[n]` parts (what @discordjs/rest sends with files). */
async function parseRequestBody(req: IncomingMessage, raw: Buffer): Promise<{ body: unknown; files: UploadedFile[] }> {
  if (raw.length === 0) return { body: undefined, files: [] };
  const contentType = req.headers['content-type'] ?? '';
  if (contentType.startsWith('multipart/form-data')) {
    const form = await new Response(new Uint8Array(raw), { headers: { 'content-type': contentType } }).formData();
    const files: UploadedFile[] = [];
    let body: unknown;
    for (const [key, value] of form) {
      if (typeof value === 'string') {
        if (key === 'payload_json') body = parseJson(value);
      } else {
        files.push({ key, filename: value.name, size: value.size, contentType: value.type || 'application/octet-stream', bytes: Buffer.from(await value.arrayBuffer()) });
      }
    }
    return { body, files };
  }
  return { body: parseJson(raw.toString()), files: [] };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw Errors.invalidJson();
  }
}

function postRaw(
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<{ status: number; headers: IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: 'POST', agent: false, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    // Discord gives up after the initial-response window; so do we.
    req.setTimeout(timeoutMs, () => {
      req.destroy();
      resolve({ status: 0, headers: {}, text: '' });
    });
    req.on('error', (error) => (req.destroyed ? resolve({ status: 0, headers: {}, text: '' }) : reject(error)));
    req.end(body);
  });
}

function parseAppBody(contentType: string | undefined, text: string): unknown {
  if (text === '') return undefined;
  if (contentType?.includes('json')) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

// ---------------------------------------------------------------------------------------------
// Internal records
// ---------------------------------------------------------------------------------------------

interface GuildRecord {
  fixture: GuildFixture;
  roles: Map<string, Json>;
  members: Map<string, { roles: string[]; nick: string | null; joinedAt: string }>;
}

interface ChannelRecord {
  channel: Json;
  guildId: string;
  isThread: boolean;
  messageIds: string[];
}

interface MessageRecord {
  message: DiscordMessage;
  channelId: string;
  /** Set for ephemeral messages: only this user sees them. */
  ephemeralFor: string | undefined;
  deleted: boolean;
  interactionId: string | undefined;
}

interface InteractionRecord {
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

interface RequestContext {
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  files: UploadedFile[];
}

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

interface RouteDef {
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

// ---------------------------------------------------------------------------------------------
// The emulator
// ---------------------------------------------------------------------------------------------

export class DiscordEmulator {
  readonly applicationId: string;
  // Built at run time so no real-looking token sits in the source.
  readonly botToken: string;
  /** The application's Ed25519 public key, hex of the raw 32 bytes (the portal's "Public Key"). */
  readonly publicKeyHex: string;
  readonly botUserId: string;
  readonly botUsername: string;

  /** Every REST call, in arrival order. */
  readonly requests: RestCall[] = [];
  /** Every interaction sent to the app, in order. */
  readonly deliveries: InteractionDelivery[] = [];
  /** Every initial-response attempt, accepted or not. */
  readonly callbacks: CallbackAttempt[] = [];
  /** The bytes of every file attached to a message, by attachment id (as in `message.attachments[].id`). */
  readonly attachmentBytes = new Map<string, Buffer>();

  readonly #privateKey: KeyObject;
  #latencyMs: number;
  readonly #rateLimit: { limit: number; windowMs: number };
  readonly #initialTimeoutMs: number;
  readonly #tokenTtlMs: number;
  #interactionsUrl: string | undefined;
  #transport: 'http' | 'gateway' = 'http';
  readonly #guilds = new Map<string, GuildRecord>();
  readonly #users = new Map<string, Json>();
  readonly #channels = new Map<string, ChannelRecord>();
  readonly #messages = new Map<string, MessageRecord>();
  readonly #interactions = new Map<string, InteractionRecord>();
  readonly #tokens = new Map<string, InteractionRecord>();
  readonly #modals = new Map<string, OpenModal & { trigger: Json }>();
  readonly #globalCommands = new Map<string, Json>();
  readonly #guildCommands = new Map<string, Map<string, Json>>();
  readonly #nonces = new Map<string, { messageId: string; at: number }>();
  /** Ids for commands run while none are registered. */
  readonly #adHocIds = new Map<string, string>();
  readonly #faults = new Map<string, Array<Fault & { times: number }>>();
  readonly #buckets = new Map<string, { count: number; resetAt: number; blockedUntil: number }>();
  #globalBlockedUntil = 0;
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #routes: RouteDef[];
  readonly #server: Server;
  readonly #gateway: DiscordGatewayHub;
  #port = 0;
  #stopped = false;

  private constructor(options: StartOptions) {
    this.applicationId = options.applicationId ?? snowflake();
    this.botUserId = this.applicationId; // Discord gives an app's bot user the application's id
    this.botUsername = options.botUsername ?? 'Greenlight';
    this.botToken = [
      Buffer.from(this.botUserId).toString('base64url'),
      randomBytes(4).toString('base64url'),
      randomBytes(28).toString('base64url'),
    ].join('.');
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    this.#privateKey = privateKey;
    this.publicKeyHex = Buffer.from(String(publicKey.export({ format: 'jwk' }).x), 'base64url').toString('hex');
    this.#latencyMs = options.latencyMs ?? 0;
    this.#rateLimit = options.rateLimit ?? { limit: 50, windowMs: 1000 };
    this.#initialTimeoutMs = options.initialResponseTimeoutMs ?? 3000;
    this.#tokenTtlMs = options.tokenTtlMs ?? 15 * 60 * 1000;
    this.#users.set(this.botUserId, this.#userObject(this.botUserId, this.botUsername, null, true));
    this.#routes = this.#routeTable();
    this.#gateway = new DiscordGatewayHub({
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? 41250,
      allowedPrivilegedIntents: options.privilegedIntents ?? 0,
      isBotToken: (token) => token === this.botToken,
      readyData: () => this.#readyData(),
      resumeUrl: () => this.gatewayUrl,
    });
    this.#server = createServer((req, res) => {
      this.#route(req, res).catch((error: unknown) => {
        if (!res.headersSent) this.#sendJson(res, 500, { message: '500: Internal Server Error', code: 0, detail: String(error) });
        else res.destroy();
      });
    });
    this.#server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.#gateway.handleUpgrade(req, socket, head));
  }

  static async start(options: StartOptions = {}): Promise<DiscordEmulator> {
    const emulator = new DiscordEmulator(options);
    await new Promise<void>((resolve, reject) => {
      emulator.#server.once('error', reject);
      emulator.#server.listen(0, '127.0.0.1', () => resolve());
    });
    emulator.#port = (emulator.#server.address() as AddressInfo).port;
    return emulator;
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    for (const record of this.#interactions.values()) this.#wake(record);
    await this.#gateway.close();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  get origin(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  /** For `new REST({ api })` and `new Client({ rest: { api } })`. */
  get apiBase(): string {
    return `${this.origin}/api`;
  }

  /** What `GET /gateway/bot` hands out; clients append `?v=10&encoding=json`. */
  get gatewayUrl(): string {
    return `ws://127.0.0.1:${this.#port}`;
  }

  /** The bot's user object, as in READY and `GET /users/@me`. */
  get botUser(): Json {
    return clone(this.#users.get(this.botUserId) as Json);
  }

  /** Every route served, as `METHOD /template` (the keys `failNext` takes). */
  get routes(): string[] {
    return this.#routes.map((r) => r.key);
  }

  // -------------------------------------------------------------------------------------------
  // Fixtures
  // -------------------------------------------------------------------------------------------

  addGuild(guild: GuildFixture): void {
    const existing = this.#guilds.get(guild.id);
    if (existing !== undefined) {
      existing.fixture = { ...guild };
      return;
    }
    const roles = new Map<string, Json>();
    roles.set(guild.id, this.#roleObject({ guildId: guild.id, id: guild.id, name: '@everyone', permissions: DEFAULT_PERMISSIONS }, 0));
    this.#guilds.set(guild.id, { fixture: { ...guild }, roles, members: new Map() });
  }

  addRole(role: RoleFixture): void {
    const guild = this.#requireGuild(role.guildId);
    guild.roles.set(role.id, this.#roleObject(role, guild.roles.size));
  }

  addChannel(channel: ChannelFixture): void {
    this.#requireGuild(channel.guildId);
    const existing = this.#channels.get(channel.id);
    const object: Json = {
      id: channel.id,
      type: channel.type ?? CHANNEL_TEXT,
      guild_id: channel.guildId,
      name: channel.name,
      position: this.#channels.size,
      parent_id: channel.parentId ?? null,
      topic: channel.topic ?? null,
      nsfw: false,
      rate_limit_per_user: 0,
      last_message_id: null,
      flags: 0,
      permission_overwrites: [],
    };
    if (existing !== undefined) existing.channel = { ...object, last_message_id: existing.channel.last_message_id };
    else this.#channels.set(channel.id, { channel: object, guildId: channel.guildId, isThread: false, messageIds: [] });
  }

  addMember(member: MemberFixture): void {
    const guild = this.#requireGuild(member.guildId);
    for (const roleId of member.roles) {
      if (!guild.roles.has(roleId)) throw new Error(`Discord emulator: role ${roleId} is not in guild ${member.guildId}; call addRole() first`);
    }
    this.#users.set(member.userId, this.#userObject(member.userId, member.username, member.globalName ?? member.username, false));
    guild.members.set(member.userId, { roles: [...member.roles], nick: member.nick ?? null, joinedAt: iso() });
  }

  // -------------------------------------------------------------------------------------------
  // Switches
  // -------------------------------------------------------------------------------------------

  /** The app's Interactions Endpoint URL (HTTP transport). */
  setInteractionsUrl(url: string): void {
    this.#interactionsUrl = url;
  }

  /** `gateway`: interactions arrive as INTERACTION_CREATE and are answered via the callback route. */
  setTransport(transport: 'http' | 'gateway'): void {
    this.#transport = transport;
  }

  setLatency(ms: number): void {
    this.#latencyMs = ms;
  }

  /** Scripts the next call(s) of a route (`'POST /channels/{channel_id}/messages'`, or `'*'`) to fail. */
  failNext(route: string, fault: Fault = {}): void {
    if (route !== '*' && !this.#routes.some((r) => r.key === route)) {
      throw new Error(`Discord emulator: no route ${route}; known: ${this.routes.join(', ')}`);
    }
    const queue = this.#faults.get(route) ?? [];
    queue.push({ ...fault, times: fault.times ?? 1 });
    this.#faults.set(route, queue);
  }

  /** Ends an interaction token's 15 minutes now: its webhooks answer 401 (50027). */
  expireToken(token: string): void {
    const record = this.#tokens.get(token);
    if (record === undefined) throw new Error('Discord emulator: unknown interaction token');
    record.tokenExpired = true;
  }

  /** The user closes the modal without submitting. */
  dismissModal(userId: string): void {
    this.#modals.delete(userId);
  }

  /** Gateway: op 7, every client reconnects and resumes. */
  requestGatewayReconnect(): void {
    this.#gateway.requestReconnect();
  }

  /** Gateway: op 9 to every client. */
  invalidateGatewaySessions(resumable: boolean): void {
    this.#gateway.invalidateSessions(resumable);
  }

  /** Gateway: drop every connection without a close frame. */
  dropGatewayConnections(): void {
    this.#gateway.terminateAll();
  }

  /** Gateway traffic for assertions (IDENTIFY tokens are never kept). */
  get gatewayLog(): {
    identifies: readonly IdentifyRecord[];
    sent: readonly GatewayFrame[];
    received: readonly unknown[];
    heartbeats: number;
    resumes: number;
    closeCodes: readonly number[];
    readySessions: number;
  } {
    const hub = this.#gateway;
    return {
      identifies: hub.identifies,
      sent: hub.sent,
      received: hub.received,
      heartbeats: hub.heartbeatCount,
      resumes: hub.resumeCount,
      closeCodes: hub.closeCodes,
      readySessions: hub.readyCount,
    };
  }

  // -------------------------------------------------------------------------------------------
  // State, read as a member would see it
  // -------------------------------------------------------------------------------------------

  /** Messages of a channel or thread (latest version of each, deleted ones gone), oldest first. */
  channelMessages(channelId: string): DiscordMessage[] {
    const channel = this.#channels.get(channelId);
    if (channel === undefined) return [];
    return channel.messageIds
      .map((id) => this.#messages.get(id))
      .filter((m): m is MessageRecord => m !== undefined && !m.deleted && m.ephemeralFor === undefined)
      .map((m) => clone(m.message));
  }

  /** Discord forgets a nonce after "a few minutes": from now on, enforce_nonce finds none of the earlier ones. */
  forgetNonces(): void {
    this.#nonces.clear();
  }

  /** Messages posted in a thread (thread id == the id of the message it was started from). */
  threadMessages(threadId: string): DiscordMessage[] {
    if (this.#channels.get(threadId)?.isThread !== true) return [];
    return this.channelMessages(threadId);
  }

  /** The thread channel object, if a thread with that id exists. */
  thread(threadId: string): Json | undefined {
    const channel = this.#channels.get(threadId);
    return channel?.isThread === true ? clone(channel.channel) : undefined;
  }

  /** Any message (channel, thread or ephemeral) by id, latest version. */
  message(messageId: string): DiscordMessage | undefined {
    const record = this.#messages.get(messageId);
    return record === undefined || record.deleted ? undefined : clone(record.message);
  }

  /** Ephemeral messages only this user saw, oldest first. */
  ephemerals(userId: string): DiscordMessage[] {
    return [...this.#messages.values()]
      .filter((m) => m.ephemeralFor === userId && !m.deleted)
      .map((m) => clone(m.message));
  }

  /** The modal open in front of the user, if any. */
  openModal(userId: string): OpenModal | undefined {
    const modal = this.#modals.get(userId);
    if (modal === undefined) return undefined;
    const { trigger: _trigger, ...visible } = modal;
    return clone(visible);
  }

  /** Commands as registered by the bulk-overwrite routes: global ones, then per guild (with guild_id). */
  get registeredCommands(): Json[] {
    return clone([...this.#globalCommands.values(), ...[...this.#guildCommands.values()].flatMap((m) => [...m.values()])]);
  }

  /** REST calls of one route (`'POST /channels/{channel_id}/messages'`), in order. */
  callsTo(route: string): RestCall[] {
    return this.requests.filter((r) => r.route === route);
  }

  /**
   * Polls `predicate` every `intervalMs` until it returns something truthy, and returns that. The
   * timeout only bounds a broken run (a wait ends as soon as its condition holds): generous, because
   * CI shares two cores with the whole suite and 2 s was seen to run out on a healthy run.
   */
  async waitFor<T>(
    predicate: () => T | undefined | null | false | Promise<T | undefined | null | false>,
    { timeoutMs = 10_000, intervalMs = 20, what = 'condition' }: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await predicate();
      if (value !== undefined && value !== null && value !== false) return value;
      if (Date.now() >= deadline) throw new Error(`Discord emulator: timed out after ${timeoutMs} ms waiting for ${what}`);
      await sleep(intervalMs);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Discord -> app: what users do
  // -------------------------------------------------------------------------------------------

  /** A user runs a slash command (APPLICATION_COMMAND, CHAT_INPUT). */
  async command(args: CommandArgs): Promise<InteractionResult> {
    const ctx = this.#actor(args.userId, args.channelId, args.guildId);
    const definition = this.#commandDefinition(args.name, ctx.guildId);
    const data: Json = { id: str(definition?.id) ?? this.#adHocCommandId(args.name), name: args.name, type: 1 };
    if (definition?.guild_id !== undefined) data.guild_id = definition.guild_id;
    const { options, resolved } = this.#commandOptions(args.options, definition, ctx.guildId);
    if (options.length > 0) data.options = options;
    if (resolved !== undefined) data.resolved = resolved;
    const record = this.#newInteraction(InteractionType.ApplicationCommand, data, ctx, undefined);
    return this.#deliver(record, args.tamper);
  }

  /** A user clicks a button on a message (MESSAGE_COMPONENT with the stored message). */
  async clickButton(args: ComponentArgs): Promise<InteractionResult> {
    const ctx = this.#actor(args.userId, args.channelId, args.guildId);
    const message = this.#visibleMessage(args.messageId, args.channelId, args.userId);
    const button = findComponent(message.message.components, (c) => c.type === 2 && c.custom_id === args.customId);
    if (button === undefined) throw new Error(`Discord emulator: no button ${args.customId} on message ${args.messageId}`);
    if (button.disabled === true) throw new Error(`Discord emulator: button ${args.customId} is disabled; users cannot click it`);
    const data: Json = { custom_id: args.customId, component_type: 2, id: button.id };
    const record = this.#newInteraction(InteractionType.MessageComponent, data, ctx, message);
    return this.#deliver(record, args.tamper);
  }

  /** A user picks values in a select menu on a message. */
  async selectMenu(args: SelectMenuArgs): Promise<InteractionResult> {
    const ctx = this.#actor(args.userId, args.channelId, args.guildId);
    const message = this.#visibleMessage(args.messageId, args.channelId, args.userId);
    const select = findComponent(message.message.components, (c) => SELECT_TYPES.has(Number(c.type)) && c.custom_id === args.customId);
    if (select === undefined) throw new Error(`Discord emulator: no select menu ${args.customId} on message ${args.messageId}`);
    checkSelectValues(select, args.values);
    const data: Json = { custom_id: args.customId, component_type: select.type, values: [...args.values], id: select.id };
    const resolved = this.#resolvedFor(Number(select.type), args.values, ctx.guildId);
    if (resolved !== undefined) data.resolved = resolved;
    const record = this.#newInteraction(InteractionType.MessageComponent, data, ctx, message);
    return this.#deliver(record, args.tamper);
  }

  /** A user submits the modal open in front of them (MODAL_SUBMIT). */
  async submitModal(args: SubmitModalArgs): Promise<InteractionResult> {
    const ctx = this.#actor(args.userId, args.channelId, args.guildId);
    const modal = this.#modals.get(args.userId);
    const open = modal !== undefined && modal.custom_id === args.customId ? modal : undefined;
    if (open === undefined && args.unsolicited !== true) {
      throw new Error(`Discord emulator: no modal ${args.customId} is open for ${args.userId} (open: ${modal?.custom_id ?? 'none'})`);
    }
    const format = args.format ?? (open !== undefined && records(open.components).some((c) => c.type === 1) ? 'actionRow' : 'label');
    const components = open !== undefined ? modalSubmitComponents(open.components, args.values, format) : adHocSubmitComponents(args.values, format);
    const messageId = args.messageId ?? open?.messageId;
    const message = messageId === undefined ? undefined : this.#visibleMessage(messageId, args.channelId, args.userId);
    const record = this.#newInteraction(InteractionType.ModalSubmit, { custom_id: args.customId, components }, ctx, message);
    record.trigger = open?.trigger;
    const result = await this.#deliver(record, args.tamper);
    // Discord keeps the modal up (with an error) when the submit fails.
    if (result.failure === undefined && this.#modals.get(args.userId) === open) this.#modals.delete(args.userId);
    return result;
  }

  /** PING, as Discord sends when the endpoint URL is saved. */
  async ping(options: DeliveryOptions = {}): Promise<InteractionResult> {
    const record = this.#newInteraction(InteractionType.Ping, undefined, undefined, undefined);
    return this.#deliver(record, options.tamper);
  }

  /**
   * What the developer portal does on saving the URL: a valid PING must get `{type:1}` and one
   * with a bad signature must get 401. Returns the problems found (empty when the endpoint passes).
   */
  async verifyEndpoint(): Promise<string[]> {
    const problems: string[] = [];
    const good = await this.ping();
    if (good.status !== 200 || !isRecord(good.body) || good.body.type !== 1) problems.push(`valid PING answered ${good.status} ${JSON.stringify(good.body)}`);
    const bad = await this.ping({ tamper: { signature: 'flip' } });
    if (bad.status !== 401) problems.push(`PING with a bad signature answered ${bad.status}, not 401`);
    return problems;
  }

  // -------------------------------------------------------------------------------------------
  // Interaction building
  // -------------------------------------------------------------------------------------------

  #actor(userId: string, channelId: string, guildId: string | undefined): { userId: string; channelId: string; guildId: string } {
    const channel = this.#channels.get(channelId);
    if (channel === undefined) throw new Error(`Discord emulator: unknown channel ${channelId}; call addChannel() first`);
    if (guildId !== undefined && guildId !== channel.guildId) throw new Error(`Discord emulator: channel ${channelId} is not in guild ${guildId}`);
    const guild = this.#requireGuild(channel.guildId);
    if (!guild.members.has(userId)) throw new Error(`Discord emulator: ${userId} is not a member of guild ${channel.guildId}; call addMember() first`);
    return { userId, channelId, guildId: channel.guildId };
  }

  #newInteraction(
    type: number,
    data: Json | undefined,
    ctx: { userId: string; channelId: string; guildId: string } | undefined,
    source: MessageRecord | undefined,
  ): InteractionRecord {
    const id = snowflake();
    const token = Buffer.from(`interaction:${id}:${randomBytes(48).toString('base64url')}`).toString('base64url');
    const payload: Json = { application_id: this.applicationId, entitlements: [], id, token, type, version: 1 };
    if (ctx === undefined) {
      payload.user = clone(this.#users.get(this.botUserId));
    } else {
      const member = this.#memberObject(ctx.guildId, ctx.userId, true);
      Object.assign(payload, {
        app_permissions: ALL_PERMISSIONS,
        attachment_size_limit: ATTACHMENT_SIZE_LIMIT,
        authorizing_integration_owners: { '0': ctx.guildId },
        channel: { ...this.#channelObject(ctx.channelId), permissions: member.permissions },
        channel_id: ctx.channelId,
        context: 0,
        data,
        entitlement_sku_ids: [],
        guild: { features: [], id: ctx.guildId, locale: 'en-US' },
        guild_id: ctx.guildId,
        guild_locale: 'en-US',
        locale: 'en-US',
        member,
      });
      if (source !== undefined) payload.message = clone(source.message);
    }
    const record: InteractionRecord = {
      id,
      token,
      type,
      payload,
      userId: ctx?.userId,
      guildId: ctx?.guildId,
      channelId: ctx?.channelId,
      sourceMessageId: source?.message.id,
      issuedAt: Date.now(),
      tokenExpired: false,
      response: undefined,
      responseStatus: 0,
      originalMessageId: undefined,
      loading: false,
      messageIds: new Set(),
      trigger: undefined,
      waiters: [],
    };
    this.#interactions.set(id, record);
    this.#tokens.set(token, record);
    return record;
  }

  #visibleMessage(messageId: string, channelId: string, userId: string): MessageRecord {
    const record = this.#messages.get(messageId);
    if (record === undefined || record.deleted || record.channelId !== channelId) {
      throw new Error(`Discord emulator: no message ${messageId} in channel ${channelId}`);
    }
    if (record.ephemeralFor !== undefined && record.ephemeralFor !== userId) {
      throw new Error(`Discord emulator: message ${messageId} is ephemeral for ${record.ephemeralFor}; ${userId} cannot see it`);
    }
    return record;
  }

  #commandDefinition(name: string, guildId: string): Json | undefined {
    const found = this.#guildCommands.get(guildId)?.get(name) ?? this.#globalCommands.get(name);
    const anyRegistered = this.#globalCommands.size > 0 || (this.#guildCommands.get(guildId)?.size ?? 0) > 0;
    if (found === undefined && anyRegistered) {
      throw new Error(`Discord emulator: /${name} is not registered for guild ${guildId}; users cannot run it`);
    }
    return found;
  }

  #adHocCommandId(name: string): string {
    let id = this.#adHocIds.get(name);
    if (id === undefined) this.#adHocIds.set(name, (id = snowflake()));
    return id;
  }

  #commandOptions(
    input: CommandArgs['options'],
    definition: Json | undefined,
    guildId: string,
  ): { options: Json[]; resolved: Json | undefined } {
    if (input === undefined) input = {};
    if (Array.isArray(input)) return { options: clone(input), resolved: undefined };
    const defs = records(definition?.options);
    for (const def of defs) {
      if (def.required === true && !(String(def.name) in input)) throw new Error(`Discord emulator: /${String(definition?.name)} needs option ${String(def.name)}`);
    }
    const options: Json[] = [];
    let resolved: Json | undefined;
    for (const [name, value] of Object.entries(input)) {
      const def = defs.find((d) => d.name === name);
      if (definition !== undefined && def === undefined) throw new Error(`Discord emulator: /${String(definition.name)} has no option ${name}`);
      const type = typeof def?.type === 'number' ? def.type : typeof value === 'boolean' ? 5 : typeof value === 'number' ? (Number.isInteger(value) ? 4 : 10) : 3;
      options.push({ name, type, value });
      const more = this.#resolvedFor(type === 6 ? 5 : type === 8 ? 6 : type === 7 ? 8 : 0, [String(value)], guildId);
      if (more !== undefined) resolved = mergeResolved(resolved, more);
    }
    return { options, resolved };
  }

  /** `resolved` for user (5), role (6) and channel (8) selects and the matching command options. */
  #resolvedFor(selectType: number, values: string[], guildId: string): Json | undefined {
    const guild = this.#guilds.get(guildId);
    if (selectType === 5) {
      const users: Json = {};
      const members: Json = {};
      for (const id of values) {
        const user = this.#users.get(id);
        if (user !== undefined) users[id] = clone(user);
        if (guild?.members.has(id)) {
          const { user: _user, ...member } = this.#memberObject(guildId, id, true);
          members[id] = member;
        }
      }
      return { users, members };
    }
    if (selectType === 6) {
      const roles: Json = {};
      for (const id of values) {
        const role = guild?.roles.get(id);
        if (role !== undefined) roles[id] = clone(role);
      }
      return { roles };
    }
    if (selectType === 8) {
      const channels: Json = {};
      for (const id of values) if (this.#channels.has(id)) channels[id] = { ...this.#channelObject(id), permissions: ALL_PERMISSIONS };
      return { channels };
    }
    return undefined;
  }

  // -------------------------------------------------------------------------------------------
  // Delivery plumbing
  // -------------------------------------------------------------------------------------------

  async #deliver(record: InteractionRecord, tamper: Tamper | undefined): Promise<InteractionResult> {
    if (this.#transport === 'gateway' && record.type !== InteractionType.Ping) return this.#sendGateway(record);
    return this.#sendHttp(record, tamper);
  }

  async #sendGateway(record: InteractionRecord): Promise<InteractionResult> {
    const delivery: InteractionDelivery = { id: record.id, type: record.type, transport: 'gateway', payload: record.payload, rawBody: undefined, headers: {}, tampered: false };
    this.deliveries.push(delivery);
    const started = performance.now();
    const { delivered, queued } = this.#gateway.dispatch('INTERACTION_CREATE', clone(record.payload));
    // A disconnected but resumable session keeps the event; the bot gets it if it resumes in time.
    if (delivered + queued === 0) throw new Error('Discord emulator: no gateway session (did client.login() finish?)');
    const answered = await this.#awaitResponse(record, record.issuedAt + this.#initialTimeoutMs);
    delivery.result = {
      status: answered ? record.responseStatus : 0,
      body: record.response,
      elapsedMs: performance.now() - started,
      interaction: clone(record.payload),
      response: clone(record.response),
      failure: answered ? undefined : `no initial response within ${this.#initialTimeoutMs} ms`,
    };
    return delivery.result;
  }

  async #sendHttp(record: InteractionRecord, tamper: Tamper = {}): Promise<InteractionResult> {
    if (this.#interactionsUrl === undefined) throw new Error('Discord emulator: call setInteractionsUrl() with the app\'s interactions endpoint first');
    const json = JSON.stringify(record.payload);
    const signedBody = tamper.rawBody ?? json;
    const timestamp = tamper.timestamp === undefined ? String(Math.floor(Date.now() / 1000)) : tamper.timestamp === null ? '' : String(tamper.timestamp);
    let signature = discordSignature(this.#privateKey, timestamp, signedBody);
    if (tamper.signature === 'flip') signature = flipBit(signature);
    else if (tamper.signature === 'wrongKey') signature = discordSignature(generateKeyPairSync('ed25519').privateKey, timestamp, signedBody);
    else if (tamper.signature !== undefined && tamper.signature !== 'missing') signature = tamper.signature;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'Discord-Interactions/1.0 (+https://discord.com)',
    };
    if (tamper.signature !== 'missing') headers['x-signature-ed25519'] = signature;
    if (tamper.timestamp !== null) headers['x-signature-timestamp'] = timestamp;
    const sentBody = tamper.bodyAfterSigning ?? signedBody;
    const tampered = Object.keys(tamper).length > 0;
    const delivery: InteractionDelivery = { id: record.id, type: record.type, transport: 'http', payload: record.payload, rawBody: sentBody, headers, tampered };
    this.deliveries.push(delivery);

    const started = performance.now();
    const deadline = record.issuedAt + this.#initialTimeoutMs;
    const reply = await postRaw(this.#interactionsUrl, sentBody, headers, Math.max(1, deadline - Date.now()));
    const body = parseAppBody(reply.headers['content-type'], reply.text);
    const elapsedMs = performance.now() - started;
    let failure: string | undefined;
    if (reply.status === 0) failure = `no answer within ${this.#initialTimeoutMs} ms`;
    else if (reply.status === 200 && body !== undefined) {
      const json = String(reply.headers['content-type'] ?? '').startsWith('application/json');
      if (!json || !isRecord(body) || typeof body.type !== 'number') failure = 'the answer is not a JSON interaction response';
      else failure = this.#applyHttpAnswer(record, body);
    } else if (reply.status >= 200 && reply.status < 300) {
      // An empty 2xx (Discord documents 202) means the answer comes through the callback route.
      if (!(await this.#awaitResponse(record, deadline))) failure = `no initial response within ${this.#initialTimeoutMs} ms`;
    } else if (record.response === undefined) failure = `the app answered HTTP ${reply.status}`;
    delivery.result = { status: reply.status, body, elapsedMs, interaction: clone(record.payload), response: clone(record.response), failure };
    return delivery.result;
  }

  /** An initial response in the HTTP answer body; returns why it failed, if it did. */
  #applyHttpAnswer(record: InteractionRecord, body: Json): string | undefined {
    const attempt: CallbackAttempt = { interactionId: record.id, via: 'http', body: clone(body), status: 200, error: undefined, at: Date.now() };
    this.callbacks.push(attempt);
    try {
      this.#applyInitialResponse(record, body, [], 200);
      return undefined;
    } catch (error) {
      if (!(error instanceof DiscordError)) throw error;
      attempt.status = error.status;
      attempt.error = error.body;
      return `initial response rejected: ${JSON.stringify(error.body)}`;
    }
  }

  #awaitResponse(record: InteractionRecord, deadline: number): Promise<boolean> {
    if (record.response !== undefined) return Promise.resolve(true);
    if (this.#stopped) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        resolve(record.response !== undefined);
      }, Math.max(0, deadline - Date.now()));
      this.#timers.add(timer);
      record.waiters.push(() => {
        clearTimeout(timer);
        this.#timers.delete(timer);
        resolve(record.response !== undefined);
      });
    });
  }

  #wake(record: InteractionRecord): void {
    const waiters = record.waiters.splice(0);
    for (const wake of waiters) wake();
  }

  // -------------------------------------------------------------------------------------------
  // Initial responses (HTTP answer body or POST /interactions/{id}/{token}/callback)
  // -------------------------------------------------------------------------------------------

  #applyInitialResponse(record: InteractionRecord, body: Json, files: UploadedFile[], status: number): void {
    if (record.response !== undefined) throw Errors.alreadyAcknowledged();
    if (Date.now() > record.issuedAt + this.#initialTimeoutMs) throw Errors.unknownInteraction();
    const type = body.type;
    const data = isRecord(body.data) ? body.data : undefined;
    const allowed = allowedCallbackTypes(record);
    if (typeof type !== 'number' || !allowed.includes(type)) {
      const errs = new FormErrors();
      errs.add(['type'], 'INTERACTION_RESPONSE_TYPE_INVALID', `Interaction response type must be one of {${allowed.join(', ')}} for this interaction.`);
      errs.throwIfAny();
    }
    switch (type) {
      case CallbackType.Pong:
        break;
      case CallbackType.ChannelMessage: {
        const payload = data ?? {};
        checkMessagePayload(payload, { mode: 'create', ephemeralAllowed: true, hasFiles: files.length > 0 });
        const message = this.#createInteractionMessage(record, payload, files, false);
        record.originalMessageId = message.message.id;
        break;
      }
      case CallbackType.DeferredChannelMessage: {
        const flags = typeof data?.flags === 'number' ? data.flags : 0;
        const message = this.#createInteractionMessage(record, { content: '', flags: flags & Flags.Ephemeral }, [], true);
        record.originalMessageId = message.message.id;
        record.loading = true;
        break;
      }
      case CallbackType.DeferredUpdate:
        record.originalMessageId = record.sourceMessageId;
        break;
      case CallbackType.UpdateMessage: {
        const source = record.sourceMessageId === undefined ? undefined : this.#messages.get(record.sourceMessageId);
        if (source === undefined || source.deleted) throw Errors.unknownMessage();
        checkMessagePayload(data ?? {}, { mode: 'edit', ephemeralAllowed: true, hasFiles: files.length > 0 });
        this.#editMessage(source, data ?? {}, files);
        record.originalMessageId = source.message.id;
        break;
      }
      case CallbackType.AutocompleteResult:
        break;
      case CallbackType.Modal: {
        checkModal(data);
        const modal = data as Json;
        this.#modals.set(record.userId as string, {
          custom_id: String(modal.custom_id),
          title: String(modal.title),
          components: normalizeComponents(modal.components),
          interactionId: record.id,
          channelId: record.channelId as string,
          messageId: record.sourceMessageId,
          trigger: this.#interactionMetadata(record),
        });
        break;
      }
      default:
        throw Errors.alreadyAcknowledged(); // unreachable: filtered above
    }
    record.response = clone(body);
    record.responseStatus = status;
    this.#wake(record);
  }

  /** The body of a callback with `?with_response=true`. */
  #callbackResponse(record: InteractionRecord): Json {
    const responseType = Number(record.response?.type);
    const interaction: Json = { id: record.id, type: record.type };
    const original = record.originalMessageId === undefined ? undefined : this.#messages.get(record.originalMessageId);
    if (original !== undefined && (responseType === 4 || responseType === 5 || responseType === 7)) {
      interaction.response_message_id = original.message.id;
      interaction.response_message_loading = record.loading;
      interaction.response_message_ephemeral = original.ephemeralFor !== undefined;
    }
    const body: Json = { interaction };
    if (original !== undefined && (responseType === 4 || responseType === 7)) body.resource = { type: responseType, message: clone(original.message) };
    return body;
  }

  #interactionMetadata(record: InteractionRecord): Json {
    const metadata: Json = {
      id: record.id,
      type: record.type,
      user: clone(record.userId === undefined ? undefined : this.#users.get(record.userId)),
      authorizing_integration_owners: record.guildId === undefined ? {} : { '0': record.guildId },
    };
    if (record.type === InteractionType.ApplicationCommand) {
      const data = record.payload.data as Json;
      metadata.name = data.name;
      metadata.command_type = data.type;
    }
    if (record.type === InteractionType.MessageComponent) metadata.interacted_message_id = record.sourceMessageId;
    if (record.type === InteractionType.ModalSubmit) metadata.triggering_interaction_metadata = clone(record.trigger ?? {});
    if (record.originalMessageId !== undefined && record.type !== InteractionType.MessageComponent) {
      metadata.original_response_message_id = record.originalMessageId;
    }
    return metadata;
  }

  #createInteractionMessage(record: InteractionRecord, payload: Json, files: UploadedFile[], loading: boolean, threadId?: string): MessageRecord {
    const flags = typeof payload.flags === 'number' ? payload.flags : 0;
    const ephemeral = (flags & Flags.Ephemeral) !== 0;
    const channelId = threadId ?? (record.channelId as string);
    const message = this.#buildMessage(channelId, payload, files, {
      type: record.type === InteractionType.ApplicationCommand && !record.messageIds.size ? 20 : 0,
      extraFlags: loading ? Flags.Loading : 0,
    });
    message.webhook_id = this.applicationId;
    message.application_id = this.applicationId;
    message.interaction_metadata = this.#interactionMetadata(record);
    if (record.type === InteractionType.ApplicationCommand) {
      message.interaction = { id: record.id, type: record.type, name: (record.payload.data as Json).name, user: clone(this.#users.get(record.userId as string)) };
    }
    const stored = this.#storeMessage(message, channelId, ephemeral ? record.userId : undefined, record.id);
    record.messageIds.add(message.id);
    return stored;
  }

  // -------------------------------------------------------------------------------------------
  // Messages
  // -------------------------------------------------------------------------------------------

  #buildMessage(channelId: string, payload: Json, files: UploadedFile[], extra: { type: number; extraFlags: number }): DiscordMessage {
    const id = snowflake();
    const flags = typeof payload.flags === 'number' ? payload.flags : 0;
    const keptFlags = flags & (Flags.SuppressEmbeds | Flags.SuppressNotifications | Flags.ComponentsV2 | Flags.Ephemeral);
    const mentions = this.#mentions(channelId, typeof payload.content === 'string' ? payload.content : '', payload.allowed_mentions);
    const message: DiscordMessage = {
      type: extra.type,
      content: typeof payload.content === 'string' ? payload.content : '',
      mentions: mentions.users,
      mention_roles: mentions.roles,
      attachments: files.map((file) => this.#attachment(file)),
      embeds: normalizeEmbeds(payload.embeds),
      timestamp: iso(),
      edited_timestamp: null,
      flags: keptFlags | extra.extraFlags,
      components: normalizeComponents(payload.components),
      id,
      channel_id: channelId,
      author: clone(this.#users.get(this.botUserId) as Json),
      pinned: false,
      mention_everyone: mentions.everyone,
      tts: payload.tts === true,
    };
    if (payload.nonce !== undefined && payload.nonce !== null) message.nonce = payload.nonce;
    return message;
  }

  #storeMessage(message: DiscordMessage, channelId: string, ephemeralFor: string | undefined, interactionId: string | undefined): MessageRecord {
    const record: MessageRecord = { message, channelId, ephemeralFor, deleted: false, interactionId };
    this.#messages.set(message.id, record);
    const channel = this.#channels.get(channelId);
    if (channel !== undefined) {
      channel.messageIds.push(message.id);
      if (ephemeralFor === undefined) {
        channel.channel.last_message_id = message.id;
        if (channel.isThread) {
          channel.channel.message_count = Number(channel.channel.message_count) + 1;
          channel.channel.total_message_sent = Number(channel.channel.total_message_sent) + 1;
          const starter = this.#messages.get(String(channel.channel.id));
          if (starter !== undefined) starter.message.thread = clone(channel.channel);
        }
      }
    }
    return record;
  }

  #editMessage(record: MessageRecord, payload: Json, files: UploadedFile[]): void {
    const message = record.message;
    const next = clone(message);
    if ('content' in payload) next.content = typeof payload.content === 'string' ? payload.content : '';
    if ('embeds' in payload) next.embeds = normalizeEmbeds(payload.embeds);
    if ('components' in payload) next.components = normalizeComponents(payload.components);
    if (typeof payload.flags === 'number') {
      const toggles = Flags.SuppressEmbeds | Flags.ComponentsV2;
      next.flags = (next.flags & ~toggles) | (payload.flags & toggles);
    }
    if ('attachments' in payload) {
      const keep = new Set(records(payload.attachments).map((a) => String(a.id)));
      next.attachments = next.attachments.filter((a) => keep.has(String(a.id)));
    }
    next.attachments = [...next.attachments, ...files.map((file) => this.#attachment(file))];
    if ('content' in payload || 'allowed_mentions' in payload) {
      const mentions = this.#mentions(record.channelId, next.content, payload.allowed_mentions);
      next.mentions = mentions.users;
      next.mention_roles = mentions.roles;
      next.mention_everyone = mentions.everyone;
    }
    next.flags &= ~Flags.Loading;
    if (!hasVisibleContent(next) && next.attachments.length === 0) throw Errors.emptyMessage();
    next.edited_timestamp = iso();
    record.message = next;
  }

  #attachment(file: UploadedFile): Json {
    const id = snowflake();
    this.attachmentBytes.set(id, file.bytes);
    const url = `${this.origin}/attachments/${id}/${encodeURIComponent(file.filename)}`;
    return { id, filename: file.filename, size: file.size, url, proxy_url: url, content_type: file.contentType };
  }

  /** Who a message pings, honouring `allowed_mentions` (absent: everything parsed from the content). */
  #mentions(channelId: string, content: string, allowed: unknown): { users: Json[]; roles: string[]; everyone: boolean } {
    const rules = isRecord(allowed) ? allowed : undefined;
    const parse = rules === undefined ? ['users', 'roles', 'everyone'] : Array.isArray(rules.parse) ? rules.parse.map(String) : [];
    const explicitUsers = new Set(Array.isArray(rules?.users) ? rules.users.map(String) : []);
    const explicitRoles = new Set(Array.isArray(rules?.roles) ? rules.roles.map(String) : []);
    const guildId = this.#channels.get(channelId)?.guildId;
    const guild = guildId === undefined ? undefined : this.#guilds.get(guildId);
    const users = [...content.matchAll(/<@!?(\d{5,20})>/g)]
      .map((m) => m[1] as string)
      .filter((id, i, all) => all.indexOf(id) === i && (parse.includes('users') || explicitUsers.has(id)))
      .map((id) => this.#users.get(id))
      .filter((u): u is Json => u !== undefined)
      .map((u) => clone(u));
    const roles = [...content.matchAll(/<@&(\d{5,20})>/g)]
      .map((m) => m[1] as string)
      .filter((id, i, all) => all.indexOf(id) === i && guild?.roles.has(id) === true && (parse.includes('roles') || explicitRoles.has(id)));
    const everyone = /@(everyone|here)\b/.test(content) && parse.includes('everyone');
    return { users, roles, everyone };
  }

  // -------------------------------------------------------------------------------------------
  // HTTP routing (app -> Discord)
  // -------------------------------------------------------------------------------------------

  async #route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.origin);
    if (!url.pathname.startsWith('/api/')) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    const method = (req.method ?? 'GET').toUpperCase();
    const header = req.headers.authorization;
    const call: RestCall = {
      method,
      path: url.pathname,
      route: '',
      query: Object.fromEntries(url.searchParams),
      body: undefined,
      headers: Object.fromEntries(Object.entries(req.headers).filter(([k]) => k !== 'authorization').map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)])),
      auth: header === undefined ? 'none' : header === `Bot ${this.botToken}` ? 'bot' : 'invalid',
      status: 0,
      response: undefined,
      at: Date.now(),
    };
    this.requests.push(call);
    let raw: Buffer;
    try {
      raw = await readBody(req);
    } catch (error) {
      return this.#finish(res, call, error instanceof DiscordError ? { status: error.status, body: error.body } : { status: 400, body: errorBody(0, '400: Bad Request') }, {});
    }
    if (this.#latencyMs > 0) await sleep(this.#latencyMs);

    if (!url.pathname.startsWith(`${API_PREFIX}/`)) {
      return this.#finish(res, call, { status: 400, body: errorBody(50041, 'Invalid API version provided.') }, {});
    }
    // Match on decoded segments: discord-api-types' Routes encode `@me` as `%40me`, Discord decodes.
    const path = url.pathname
      .slice(API_PREFIX.length)
      .split('/')
      .map((segment) => {
        try {
          return decodeURIComponent(segment);
        } catch {
          return segment;
        }
      })
      .join('/');
    const matches = this.#routes.map((route) => ({ route, match: route.pattern.exec(path) })).filter((m) => m.match !== null);
    const found = matches.find((m) => m.route.method === method);
    if (found === undefined) {
      const error = matches.length > 0 ? Errors.methodNotAllowed() : Errors.notFound();
      return this.#finish(res, call, { status: error.status, body: error.body }, {});
    }
    const { route } = found;
    call.route = route.key;
    const params = Object.fromEntries(route.names.map((name, i) => [name, found.match?.[i + 1] ?? '']));

    if (route.auth && call.auth !== 'bot') return this.#finish(res, call, { status: 401, body: Errors.unauthorized().body }, {});

    const bucketKey = `${bucketHash(route.key)}:${route.major.map((p) => params[p]).join('/')}`;
    const limited = this.#limit(bucketKey, route.key);
    if ('retryAfter' in limited) return this.#finish(res, call, this.#rateLimited(limited.retryAfter, limited.global, 'user', limited.headers), limited.headers);
    const rateHeaders = limited.headers;

    const fault = this.#takeFault(route.key);
    let reply: Reply;
    if (fault === undefined || fault.afterEffect === true) {
      reply = await this.#handle(route, req, raw, params, url.searchParams, call);
    } else {
      reply = { status: 0 };
    }
    if (fault !== undefined) {
      if (fault.delayMs !== undefined) await sleep(fault.delayMs);
      if (fault.dropConnection === true) {
        call.status = 0;
        res.socket?.destroy();
        return;
      }
      reply = this.#faultReply(fault, bucketKey, rateHeaders);
    }
    return this.#finish(res, call, reply, rateHeaders);
  }

  async #handle(route: RouteDef, req: IncomingMessage, raw: Buffer, params: Record<string, string>, query: URLSearchParams, call: RestCall): Promise<Reply> {
    try {
      const { body, files } = await parseRequestBody(req, raw);
      call.body = clone(body);
      return await route.handler({ params, query, body, files });
    } catch (error) {
      if (error instanceof DiscordError) return { status: error.status, body: error.body, headers: error.headers };
      throw error;
    }
  }

  #finish(res: ServerResponse, call: RestCall, reply: Reply, rateHeaders: Record<string, string>): void {
    call.status = reply.status;
    call.response = clone(reply.body);
    const headers = { ...rateHeaders, ...reply.headers };
    if (reply.body === undefined) {
      res.writeHead(reply.status, headers);
      res.end();
    } else this.#sendJson(res, reply.status, reply.body, headers);
  }

  #sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  }

  /** Counts a request against its bucket; returns the headers, or a 429 when the bucket or the bot is blocked. */
  #limit(key: string, routeKey: string): { headers: Record<string, string> } | { retryAfter: number; global: boolean; headers: Record<string, string> } {
    const now = Date.now();
    if (this.#globalBlockedUntil > now) return { retryAfter: (this.#globalBlockedUntil - now) / 1000, global: true, headers: { 'x-ratelimit-global': 'true', 'x-ratelimit-scope': 'global' } };
    let bucket = this.#buckets.get(key);
    if (bucket === undefined || now >= bucket.resetAt) {
      bucket = { count: 0, resetAt: now + this.#rateLimit.windowMs, blockedUntil: bucket?.blockedUntil ?? 0 };
      this.#buckets.set(key, bucket);
    }
    const headers = (remaining: number, resetAt: number): Record<string, string> => ({
      'x-ratelimit-limit': String(this.#rateLimit.limit),
      'x-ratelimit-remaining': String(remaining),
      'x-ratelimit-reset': seconds(resetAt),
      'x-ratelimit-reset-after': seconds(resetAt - now),
      'x-ratelimit-bucket': bucketHash(routeKey),
    });
    if (bucket.blockedUntil > now || bucket.count >= this.#rateLimit.limit) {
      const until = Math.max(bucket.blockedUntil, bucket.resetAt);
      return { retryAfter: (until - now) / 1000, global: false, headers: headers(0, until) };
    }
    bucket.count += 1;
    return { headers: headers(this.#rateLimit.limit - bucket.count, bucket.resetAt) };
  }

  #rateLimited(retryAfter: number, global: boolean, scope: string, headers: Record<string, string>, code?: number): Reply {
    const body: Json = { message: 'You are being rate limited.', retry_after: Number(retryAfter.toFixed(3)), global };
    if (code !== undefined) body.code = code;
    return {
      status: 429,
      body,
      headers: { ...headers, 'retry-after': String(Math.max(1, Math.ceil(retryAfter))), 'x-ratelimit-scope': global ? 'global' : scope },
    };
  }

  #takeFault(routeKey: string): (Fault & { times: number }) | undefined {
    for (const key of [routeKey, '*']) {
      const queue = this.#faults.get(key);
      const fault = queue?.[0];
      if (queue === undefined || fault === undefined) continue;
      fault.times -= 1;
      if (fault.times <= 0) queue.shift();
      return fault;
    }
    return undefined;
  }

  #faultReply(fault: Fault, bucketKey: string, rateHeaders: Record<string, string>): Reply {
    const status = fault.status ?? 429;
    if (status === 429) {
      const retryAfter = fault.retryAfter ?? 1;
      const global = fault.global === true || fault.scope === 'global';
      const until = Date.now() + retryAfter * 1000;
      if (global) {
        this.#globalBlockedUntil = until;
        return this.#rateLimited(retryAfter, true, 'global', { 'x-ratelimit-global': 'true' }, fault.code);
      }
      const bucket = this.#buckets.get(bucketKey);
      if (bucket !== undefined) bucket.blockedUntil = until;
      const headers = { ...rateHeaders, 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': seconds(until), 'x-ratelimit-reset-after': retryAfter.toFixed(3) };
      return this.#rateLimited(retryAfter, false, fault.scope ?? 'user', headers, fault.code);
    }
    const defaults: Record<number, [number, string]> = {
      400: [50035, 'Invalid Form Body'],
      401: [0, '401: Unauthorized'],
      403: [50013, 'Missing Permissions'],
      404: [0, '404: Not Found'],
      500: [0, '500: Internal Server Error'],
      502: [0, '502: Bad Gateway'],
      503: [0, '503: Service Unavailable'],
    };
    const [code, message] = defaults[status] ?? [0, `${status}: Error`];
    return { status, body: errorBody(fault.code ?? code, fault.message ?? message) };
  }

  // -------------------------------------------------------------------------------------------
  // REST routes
  // -------------------------------------------------------------------------------------------

  #routeTable(): RouteDef[] {
    const routes: RouteDef[] = [];
    const add = (method: string, template: string, options: { auth?: boolean; major?: string[] }, handler: RouteDef['handler']): void => {
      const names: string[] = [];
      const source = template
        .split('/')
        .map((part) => {
          const param = /^\{(\w+)\}$/.exec(part);
          if (param === null) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
          names.push(param[1] as string);
          return '([^/]+)';
        })
        .join('/');
      routes.push({ method, template, key: `${method} ${template}`, pattern: new RegExp(`^${source}$`), names, auth: options.auth ?? true, major: options.major ?? [], handler });
    };
    const webhook = { auth: false, major: ['webhook_id', 'webhook_token'] };
    add('GET', '/gateway', { auth: false }, () => ({ status: 200, body: { url: this.gatewayUrl } }));
    add('GET', '/gateway/bot', {}, () => ({
      status: 200,
      body: { url: this.gatewayUrl, shards: 1, session_start_limit: { total: 1000, remaining: 999, reset_after: 86_400_000, max_concurrency: 1 } },
    }));
    add('GET', '/users/@me', {}, () => ({ status: 200, body: this.#botUserPii() }));
    add('GET', '/users/{user_id}', {}, ({ params }) => {
      const user = this.#users.get(params.user_id as string);
      if (user === undefined) throw Errors.unknownUser();
      return { status: 200, body: clone(user) };
    });
    add('GET', '/applications/@me', {}, () => ({ status: 200, body: this.#applicationObject() }));
    add('GET', '/applications/{application_id}/commands', {}, ({ params }) => {
      this.#requireApplication(params.application_id);
      return { status: 200, body: clone([...this.#globalCommands.values()]) };
    });
    add('PUT', '/applications/{application_id}/commands', {}, ({ params, body }) => {
      this.#requireApplication(params.application_id);
      return { status: 200, body: this.#overwriteCommands(this.#globalCommands, body, undefined) };
    });
    add('GET', '/applications/{application_id}/guilds/{guild_id}/commands', { major: ['guild_id'] }, ({ params }) => {
      this.#requireApplication(params.application_id);
      this.#guildOrThrow(params.guild_id as string);
      return { status: 200, body: clone([...(this.#guildCommands.get(params.guild_id as string)?.values() ?? [])]) };
    });
    add('PUT', '/applications/{application_id}/guilds/{guild_id}/commands', { major: ['guild_id'] }, ({ params, body }) => {
      this.#requireApplication(params.application_id);
      const guildId = params.guild_id as string;
      this.#guildOrThrow(guildId);
      const commands = this.#guildCommands.get(guildId) ?? new Map<string, Json>();
      this.#guildCommands.set(guildId, commands);
      return { status: 200, body: this.#overwriteCommands(commands, body, guildId) };
    });
    add('GET', '/guilds/{guild_id}', { major: ['guild_id'] }, ({ params }) => ({ status: 200, body: this.#guildObject(params.guild_id as string) }));
    add('GET', '/guilds/{guild_id}/roles', { major: ['guild_id'] }, ({ params }) => ({
      status: 200,
      body: clone([...this.#guildOrThrow(params.guild_id as string).roles.values()]),
    }));
    add('GET', '/guilds/{guild_id}/members/{user_id}', { major: ['guild_id'] }, ({ params }) => {
      const guild = this.#guildOrThrow(params.guild_id as string);
      if (!guild.members.has(params.user_id as string)) throw Errors.unknownMember();
      const { permissions: _permissions, ...member } = this.#memberObject(params.guild_id as string, params.user_id as string, false);
      return { status: 200, body: member };
    });
    add('GET', '/channels/{channel_id}', { major: ['channel_id'] }, ({ params }) => ({ status: 200, body: this.#channelObject(this.#channelOrThrow(params.channel_id as string).channel.id as string) }));
    add('POST', '/channels/{channel_id}/messages', { major: ['channel_id'] }, (ctx) => this.#createChannelMessage(ctx));
    add('GET', '/channels/{channel_id}/messages', { major: ['channel_id'] }, ({ params, query }) => ({ status: 200, body: this.#listMessages(params.channel_id as string, query) }));
    add('GET', '/channels/{channel_id}/messages/{message_id}', { major: ['channel_id'] }, ({ params }) => ({
      status: 200,
      body: clone(this.#channelMessageOrThrow(params.channel_id as string, params.message_id as string).message),
    }));
    add('PATCH', '/channels/{channel_id}/messages/{message_id}', { major: ['channel_id'] }, ({ params, body, files }) => {
      const record = this.#channelMessageOrThrow(params.channel_id as string, params.message_id as string);
      if (record.message.author.id !== this.botUserId) throw Errors.cannotEditOthers();
      const payload = isRecord(body) ? body : {};
      checkMessagePayload(payload, { mode: 'edit', ephemeralAllowed: false, hasFiles: files.length > 0 });
      this.#editMessage(record, payload, files);
      return { status: 200, body: clone(record.message) };
    });
    add('DELETE', '/channels/{channel_id}/messages/{message_id}', { major: ['channel_id'] }, ({ params }) => {
      this.#channelMessageOrThrow(params.channel_id as string, params.message_id as string).deleted = true;
      return { status: 204 };
    });
    add('POST', '/channels/{channel_id}/messages/{message_id}/threads', { major: ['channel_id'] }, (ctx) => this.#startThread(ctx));
    add('POST', '/interactions/{interaction_id}/{interaction_token}/callback', { auth: false, major: ['interaction_id'] }, (ctx) => this.#interactionCallback(ctx));
    add('POST', '/webhooks/{webhook_id}/{webhook_token}', webhook, (ctx) => this.#executeWebhook(ctx));
    for (const target of ['@original', '{message_id}']) {
      const template = `/webhooks/{webhook_id}/{webhook_token}/messages/${target}`;
      add('GET', template, webhook, (ctx) => ({ status: 200, body: clone(this.#webhookMessage(ctx).message) }));
      add('PATCH', template, webhook, (ctx) => {
        const record = this.#webhookMessage(ctx);
        const payload = isRecord(ctx.body) ? ctx.body : {};
        checkMessagePayload(payload, { mode: 'edit', ephemeralAllowed: true, hasFiles: ctx.files.length > 0 });
        this.#editMessage(record, payload, ctx.files);
        const interaction = this.#tokens.get(ctx.params.webhook_token as string);
        if (interaction !== undefined && interaction.originalMessageId === record.message.id) interaction.loading = false;
        return { status: 200, body: clone(record.message) };
      });
      add('DELETE', template, webhook, (ctx) => {
        this.#webhookMessage(ctx).deleted = true;
        return { status: 204 };
      });
    }
    return routes;
  }

  #createChannelMessage({ params, body, files }: RequestContext): Reply {
    const channel = this.#channelOrThrow(params.channel_id as string);
    if (channel.channel.type !== CHANNEL_TEXT && channel.channel.type !== CHANNEL_ANNOUNCEMENT && !channel.isThread) throw Errors.wrongChannelType();
    const payload = isRecord(body) ? body : {};
    checkMessagePayload(payload, { mode: 'create', ephemeralAllowed: false, hasFiles: files.length > 0 });
    const nonce = payload.nonce === undefined || payload.nonce === null ? undefined : String(payload.nonce);
    const nonceKey = `${channel.channel.id as string}:${nonce ?? ''}`;
    if (nonce !== undefined && payload.enforce_nonce === true) {
      const seen = this.#nonces.get(nonceKey);
      const earlier = seen === undefined ? undefined : this.#messages.get(seen.messageId);
      if (seen !== undefined && earlier !== undefined && !earlier.deleted && Date.now() - seen.at < 5 * 60 * 1000) {
        return { status: 200, body: clone(earlier.message) };
      }
    }
    let type = 0;
    let referenced: MessageRecord | undefined;
    if (isRecord(payload.message_reference)) {
      const ref = payload.message_reference;
      const refId = str(ref.message_id) ?? '';
      referenced = this.#messages.get(refId);
      const refChannel = str(ref.channel_id) ?? (channel.channel.id as string);
      if ((referenced === undefined || referenced.deleted || referenced.channelId !== refChannel) && ref.fail_if_not_exists !== false) {
        const errs = new FormErrors();
        errs.add(['message_reference'], 'MESSAGE_REFERENCE_UNKNOWN_MESSAGE', 'Unknown message');
        errs.throwIfAny();
      }
      type = referenced === undefined ? 0 : 19;
    }
    const message = this.#buildMessage(channel.channel.id as string, payload, files, { type, extraFlags: 0 });
    if (referenced !== undefined && type === 19) {
      message.message_reference = { type: 0, channel_id: referenced.channelId, message_id: referenced.message.id, guild_id: channel.guildId };
      message.referenced_message = clone(referenced.message);
    }
    this.#storeMessage(message, channel.channel.id as string, undefined, undefined);
    if (nonce !== undefined) this.#nonces.set(nonceKey, { messageId: message.id, at: Date.now() });
    return { status: 200, body: clone(message) };
  }

  /**
   * Get Channel Messages: up to `limit` (1-100, default 50) messages, newest first; with `after`, the
   * oldest ones newer than it, with `before`, the newest ones older than it. A nonce is not kept with
   * a message on Discord's side, so a message read back has none.
   */
  #listMessages(channelId: string, query: URLSearchParams): Json[] {
    const channel = this.#channelOrThrow(channelId);
    const limit = query.has('limit') ? Number(query.get('limit')) : 50;
    const errs = new FormErrors();
    checkIntRange(errs, ['limit'], limit, 1, 100);
    errs.throwIfAny();
    const id = (m: DiscordMessage) => BigInt(m.id);
    const all = this.channelMessages(channel.channel.id as string).sort((a, b) => (id(a) < id(b) ? -1 : 1));
    const after = query.get('after');
    const before = query.get('before');
    const page = after !== null
      ? all.filter((m) => id(m) > BigInt(after)).slice(0, limit)
      : all.filter((m) => before === null || id(m) < BigInt(before)).slice(-limit);
    return page.reverse().map(({ nonce: _nonce, ...message }) => message as Json);
  }

  #startThread({ params, body }: RequestContext): Reply {
    const channel = this.#channelOrThrow(params.channel_id as string);
    if (channel.isThread || (channel.channel.type !== CHANNEL_TEXT && channel.channel.type !== CHANNEL_ANNOUNCEMENT)) throw Errors.wrongChannelType();
    const source = this.#channelMessageOrThrow(params.channel_id as string, params.message_id as string);
    if (this.#channels.has(source.message.id)) throw Errors.threadExists();
    const payload = isRecord(body) ? body : {};
    const errs = new FormErrors();
    checkLength(errs, ['name'], payload.name, 1, 100, true);
    if (payload.auto_archive_duration !== undefined && !ARCHIVE_DURATIONS.has(Number(payload.auto_archive_duration))) {
      errs.add(['auto_archive_duration'], 'BASE_TYPE_CHOICES', 'Value must be one of {60, 1440, 4320, 10080}.');
    }
    checkIntRange(errs, ['rate_limit_per_user'], payload.rate_limit_per_user, 0, 21600);
    errs.throwIfAny();
    const now = iso();
    const thread: Json = {
      id: source.message.id,
      type: channel.channel.type === CHANNEL_ANNOUNCEMENT ? 10 : 11,
      last_message_id: null,
      flags: 0,
      guild_id: channel.guildId,
      name: payload.name,
      parent_id: channel.channel.id,
      rate_limit_per_user: typeof payload.rate_limit_per_user === 'number' ? payload.rate_limit_per_user : 0,
      owner_id: this.botUserId,
      thread_metadata: {
        archived: false,
        archive_timestamp: now,
        auto_archive_duration: typeof payload.auto_archive_duration === 'number' ? payload.auto_archive_duration : 4320,
        locked: false,
        create_timestamp: now,
      },
      message_count: 0,
      member_count: 1,
      total_message_sent: 0,
    };
    this.#channels.set(source.message.id, { channel: thread, guildId: channel.guildId, isThread: true, messageIds: [] });
    source.message.thread = clone(thread);
    source.message.flags |= Flags.HasThread;
    return { status: 201, body: clone(thread) };
  }

  #interactionCallback({ params, query, body, files }: RequestContext): Reply {
    const record = this.#interactions.get(params.interaction_id as string);
    const attempt: CallbackAttempt = { interactionId: params.interaction_id as string, via: 'callback', body: clone(body), status: 0, error: undefined, at: Date.now() };
    this.callbacks.push(attempt);
    try {
      if (record === undefined || record.token !== params.interaction_token) throw Errors.unknownInteraction();
      const withResponse = query.get('with_response') === 'true';
      this.#applyInitialResponse(record, isRecord(body) ? body : {}, files, withResponse ? 200 : 204);
      attempt.status = withResponse ? 200 : 204;
      return withResponse ? { status: 200, body: this.#callbackResponse(record) } : { status: 204 };
    } catch (error) {
      if (error instanceof DiscordError) {
        attempt.status = error.status;
        attempt.error = error.body;
      }
      throw error;
    }
  }

  /** POST /webhooks/{app}/{token}: an interaction follow-up (always answered with the message). */
  #executeWebhook({ params, query, body, files }: RequestContext): Reply {
    const record = this.#interactionForWebhook(params);
    const payload = isRecord(body) ? body : {};
    checkMessagePayload(payload, { mode: 'create', ephemeralAllowed: true, hasFiles: files.length > 0 });
    const original = record.originalMessageId === undefined ? undefined : this.#messages.get(record.originalMessageId);
    if (record.loading && original !== undefined && !original.deleted) {
      // After a deferral the first follow-up replaces the "thinking..." message.
      const { flags: _flags, ...edit } = payload;
      this.#editMessage(original, edit, files);
      record.loading = false;
      return { status: 200, body: clone(original.message) };
    }
    const threadId = query.get('thread_id') ?? undefined;
    if (threadId !== undefined && this.#channels.get(threadId)?.isThread !== true) throw Errors.unknownChannel();
    const created = this.#createInteractionMessage(record, payload, files, false, threadId);
    return { status: 200, body: clone(created.message) };
  }

  #interactionForWebhook(params: Record<string, string>): InteractionRecord {
    if (params.webhook_id !== this.applicationId) throw Errors.unknownWebhook();
    const record = this.#tokens.get(params.webhook_token as string);
    if (record === undefined || record.tokenExpired || Date.now() - record.issuedAt > this.#tokenTtlMs) throw Errors.invalidWebhookToken();
    if (record.response === undefined) throw Errors.unknownWebhook();
    return record;
  }

  #webhookMessage({ params }: RequestContext): MessageRecord {
    const record = this.#interactionForWebhook(params);
    const messageId = params.message_id ?? record.originalMessageId;
    const message = messageId === undefined ? undefined : this.#messages.get(messageId);
    const belongs = message !== undefined && (record.messageIds.has(message.message.id) || message.message.id === record.originalMessageId);
    if (message === undefined || message.deleted || !belongs) throw Errors.unknownMessage();
    return message;
  }

  #overwriteCommands(target: Map<string, Json>, body: unknown, guildId: string | undefined): Json[] {
    const errs = new FormErrors();
    if (!Array.isArray(body)) {
      errs.add([], 'BASE_TYPE_ARRAY', 'Must be an array.');
      errs.throwIfAny();
    }
    const list = body as unknown[];
    if (list.length > 100) errs.add([], 'BASE_TYPE_MAX_LENGTH', 'Must be 100 or fewer in length.');
    const names = new Set<string>();
    list.forEach((command, i) => {
      if (!isRecord(command)) return errs.add([i], 'MODEL_TYPE_CONVERT', 'Only dictionaries may be used in a ModelType');
      const type = command.type ?? 1;
      const name = str(command.name);
      if (name === undefined) errs.add([i, 'name'], 'BASE_TYPE_REQUIRED', 'This field is required');
      else if (type === 1 && (!COMMAND_NAME.test(name) || name !== name.toLowerCase())) errs.add([i, 'name'], 'APPLICATION_COMMAND_INVALID_NAME', 'Command name is invalid');
      else if (names.has(`${String(type)}:${name}`)) errs.add([i, 'name'], 'APPLICATION_COMMANDS_DUPLICATE_NAME', 'Application command names must be unique');
      if (name !== undefined) names.add(`${String(type)}:${name}`);
      if (type === 1) checkLength(errs, [i, 'description'], command.description, 1, 100, true);
      if (Array.isArray(command.options) && command.options.length > 25) errs.add([i, 'options'], 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
      records(command.options).forEach((option, j) => {
        checkLength(errs, [i, 'options', j, 'name'], option.name, 1, 32, true);
        checkLength(errs, [i, 'options', j, 'description'], option.description, 1, 100, true);
      });
    });
    errs.throwIfAny();
    const previous = new Map(target);
    target.clear();
    for (const command of list as Json[]) {
      const name = command.name as string;
      const type = command.type ?? 1;
      const existing = previous.get(name);
      const stored: Json = {
        id: str(existing?.id) ?? snowflake(),
        application_id: this.applicationId,
        version: snowflake(),
        default_member_permissions: command.default_member_permissions ?? null,
        type,
        name,
        name_localizations: command.name_localizations ?? null,
        description: command.description ?? '',
        description_localizations: command.description_localizations ?? null,
        dm_permission: command.dm_permission ?? true,
        contexts: command.contexts ?? null,
        integration_types: command.integration_types ?? [0],
        nsfw: command.nsfw ?? false,
      };
      if (guildId !== undefined) stored.guild_id = guildId;
      if (Array.isArray(command.options)) stored.options = clone(command.options);
      target.set(name, stored);
    }
    return clone([...target.values()]);
  }

  // -------------------------------------------------------------------------------------------
  // Objects as Discord renders them
  // -------------------------------------------------------------------------------------------

  #userObject(id: string, username: string, globalName: string | null, bot: boolean): Json {
    const user: Json = {
      id,
      username,
      avatar: null,
      discriminator: '0',
      public_flags: 0,
      flags: 0,
      banner: null,
      accent_color: null,
      global_name: globalName,
      avatar_decoration_data: null,
      collectibles: null,
      primary_guild: null,
    };
    if (bot) user.bot = true;
    return user;
  }

  #botUserPii(): Json {
    return { ...clone(this.#users.get(this.botUserId) as Json), mfa_enabled: false, locale: 'en-US', premium_type: 0, email: null, verified: true };
  }

  #applicationObject(): Json {
    return {
      id: this.applicationId,
      name: this.botUsername,
      icon: null,
      description: '',
      bot_public: false,
      bot_require_code_grant: false,
      verify_key: this.publicKeyHex,
      flags: 0,
      bot: this.#botUserPii(),
      interactions_endpoint_url: this.#interactionsUrl ?? null,
    };
  }

  #roleObject(role: RoleFixture, position: number): Json {
    return {
      id: role.id,
      name: role.name,
      description: null,
      color: 0,
      colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
      hoist: false,
      icon: null,
      unicode_emoji: null,
      position,
      permissions: role.permissions ?? '0',
      managed: false,
      mentionable: false,
      flags: 0,
    };
  }

  #memberObject(guildId: string, userId: string, withPermissions: boolean): Json & { permissions?: string } {
    const guild = this.#requireGuild(guildId);
    const member = guild.members.get(userId);
    if (member === undefined) throw Errors.unknownMember();
    const object: Json & { permissions?: string } = {
      avatar: null,
      banner: null,
      communication_disabled_until: null,
      deaf: false,
      flags: 0,
      joined_at: member.joinedAt,
      mute: false,
      nick: member.nick,
      pending: false,
      premium_since: null,
      roles: [...member.roles],
      unusual_dm_activity_until: null,
      user: clone(this.#users.get(userId)),
    };
    if (withPermissions) object.permissions = this.#permissions(guild, userId, member.roles);
    return object;
  }

  #permissions(guild: GuildRecord, userId: string, roles: string[]): string {
    if (guild.fixture.ownerId === userId) return ALL_PERMISSIONS;
    let bits = BigInt(String(guild.roles.get(guild.fixture.id)?.permissions ?? '0'));
    for (const id of roles) bits |= BigInt(String(guild.roles.get(id)?.permissions ?? '0'));
    return (bits & ADMINISTRATOR) !== 0n ? ALL_PERMISSIONS : bits.toString();
  }

  #channelObject(channelId: string): Json {
    return clone(this.#channelOrThrow(channelId).channel);
  }

  #guildObject(guildId: string): Json {
    const guild = this.#guildOrThrow(guildId);
    return {
      id: guildId,
      name: guild.fixture.name,
      icon: null,
      description: null,
      splash: null,
      banner: null,
      owner_id: guild.fixture.ownerId ?? this.botUserId,
      region: 'deprecated',
      afk_channel_id: null,
      afk_timeout: 300,
      verification_level: 0,
      default_message_notifications: 0,
      explicit_content_filter: 0,
      roles: clone([...guild.roles.values()]),
      emojis: [],
      stickers: [],
      features: [],
      mfa_level: 0,
      system_channel_id: null,
      system_channel_flags: 0,
      rules_channel_id: null,
      vanity_url_code: null,
      premium_tier: 0,
      premium_subscription_count: 0,
      preferred_locale: 'en-US',
      public_updates_channel_id: null,
      nsfw_level: 0,
      premium_progress_bar_enabled: false,
    };
  }

  #readyData(): Json {
    return {
      v: 10,
      user_settings: {},
      user: { ...clone(this.#users.get(this.botUserId) as Json), verified: true, mfa_enabled: false, email: null },
      session_type: 'normal',
      relationships: [],
      private_channels: [],
      presences: [],
      guilds: [],
      guild_join_requests: [],
      geo_ordered_rtc_regions: ['emulator'],
      auth: {},
      application: { id: this.applicationId, flags: 0 },
      _trace: ['["gateway-emulator",{"micros":0}]'],
    };
  }

  // -------------------------------------------------------------------------------------------
  // Lookups
  // -------------------------------------------------------------------------------------------

  #requireGuild(guildId: string): GuildRecord {
    const guild = this.#guilds.get(guildId);
    if (guild === undefined) throw new Error(`Discord emulator: unknown guild ${guildId}; call addGuild() first`);
    return guild;
  }

  #guildOrThrow(guildId: string): GuildRecord {
    const guild = this.#guilds.get(guildId);
    if (guild === undefined) throw Errors.unknownGuild();
    return guild;
  }

  #channelOrThrow(channelId: string): ChannelRecord {
    const channel = this.#channels.get(channelId);
    if (channel === undefined) throw Errors.unknownChannel();
    return channel;
  }

  #channelMessageOrThrow(channelId: string, messageId: string): MessageRecord {
    this.#channelOrThrow(channelId);
    const record = this.#messages.get(messageId);
    if (record === undefined || record.deleted || record.channelId !== channelId || record.ephemeralFor !== undefined) throw Errors.unknownMessage();
    return record;
  }

  #requireApplication(applicationId: string | undefined): void {
    if (applicationId !== this.applicationId) throw new DiscordError(403, errorBody(20012, 'You are not authorized to perform this action on this application'));
  }
}

// ---------------------------------------------------------------------------------------------
// Interaction helpers
// ---------------------------------------------------------------------------------------------

/** Which callback types Discord accepts for an interaction. */
function allowedCallbackTypes(record: InteractionRecord): number[] {
  switch (record.type) {
    case InteractionType.Ping:
      return [CallbackType.Pong];
    case InteractionType.ApplicationCommand:
      return [CallbackType.ChannelMessage, CallbackType.DeferredChannelMessage, CallbackType.Modal];
    case InteractionType.MessageComponent:
      return [CallbackType.ChannelMessage, CallbackType.DeferredChannelMessage, CallbackType.DeferredUpdate, CallbackType.UpdateMessage, CallbackType.Modal];
    case InteractionType.Autocomplete:
      return [CallbackType.AutocompleteResult];
    case InteractionType.ModalSubmit:
      return record.sourceMessageId === undefined
        ? [CallbackType.ChannelMessage, CallbackType.DeferredChannelMessage]
        : [CallbackType.ChannelMessage, CallbackType.DeferredChannelMessage, CallbackType.DeferredUpdate, CallbackType.UpdateMessage];
    default:
      return [];
  }
}

function checkSelectValues(select: Json, values: string[]): void {
  const min = typeof select.min_values === 'number' ? select.min_values : 1;
  const max = typeof select.max_values === 'number' ? select.max_values : 1;
  if (values.length < min || values.length > max) {
    throw new Error(`Discord emulator: select ${String(select.custom_id)} takes ${min}..${max} values, got ${values.length}`);
  }
  if (select.type === 3) {
    const allowed = new Set(records(select.options).map((o) => String(o.value)));
    const unknown = values.filter((v) => !allowed.has(v));
    if (unknown.length > 0) throw new Error(`Discord emulator: select ${String(select.custom_id)} has no option ${unknown.join(', ')}`);
  }
}

function mergeResolved(a: Json | undefined, b: Json): Json {
  const merged: Json = { ...a };
  for (const [key, value] of Object.entries(b)) merged[key] = { ...(isRecord(merged[key]) ? merged[key] : {}), ...(value as Json) };
  return merged;
}

/** What a user's input becomes in a MODAL_SUBMIT, per component of the open modal. */
function submittedValue(input: Json, values: Record<string, string | string[]>, used: Set<string>): Json {
  const customId = String(input.custom_id);
  const given = values[customId];
  used.add(customId);
  if (input.type === 4) {
    const value = given === undefined ? (typeof input.value === 'string' ? input.value : '') : Array.isArray(given) ? given.join('\n') : given;
    if (input.required !== false && value === '') throw new Error(`Discord emulator: ${customId} is required; the modal cannot be submitted empty`);
    const min = typeof input.min_length === 'number' ? input.min_length : 0;
    const max = typeof input.max_length === 'number' ? input.max_length : 4000;
    if (value !== '' && (value.length < min || value.length > max)) throw new Error(`Discord emulator: ${customId} takes ${min}..${max} characters`);
    return { type: 4, id: input.id, custom_id: customId, value };
  }
  const list = given === undefined ? [] : Array.isArray(given) ? given : [given];
  if (input.required !== false || list.length > 0) checkSelectValues(input, list);
  return { type: input.type, id: input.id, custom_id: customId, values: list };
}

function modalSubmitComponents(modal: Json[], values: Record<string, string | string[]>, format: 'label' | 'actionRow'): Json[] {
  const used = new Set<string>();
  let nextId = Math.max(0, ...collectIds(modal)) + 1;
  const out: Json[] = [];
  for (const component of modal) {
    const input = component.type === 18 && isRecord(component.component) ? component.component : component.type === 1 ? records(component.components)[0] : undefined;
    if (input === undefined) {
      if (component.type === 10) out.push({ type: 10, id: component.id });
      continue;
    }
    const submitted = submittedValue(input, values, used);
    if (format === 'label') out.push({ type: 18, id: component.type === 18 ? component.id : nextId++, component: submitted });
    else out.push({ type: 1, id: component.type === 1 ? component.id : nextId++, components: [submitted] });
  }
  const unknown = Object.keys(values).filter((k) => !used.has(k));
  if (unknown.length > 0) throw new Error(`Discord emulator: the modal has no input ${unknown.join(', ')}`);
  return out;
}

function adHocSubmitComponents(values: Record<string, string | string[]>, format: 'label' | 'actionRow'): Json[] {
  let id = 1;
  return Object.entries(values).map(([customId, value]) => {
    const inner: Json = Array.isArray(value) ? { type: 3, id: id + 1, custom_id: customId, values: value } : { type: 4, id: id + 1, custom_id: customId, value };
    const wrapper = format === 'label' ? { type: 18, id, component: inner } : { type: 1, id, components: [inner] };
    id += 2;
    return wrapper;
  });
}

function collectIds(components: Json[]): number[] {
  const ids: number[] = [];
  const walk = (c: Json): void => {
    if (typeof c.id === 'number') ids.push(c.id);
    records(c.components).forEach(walk);
    if (isRecord(c.component)) walk(c.component);
  };
  components.forEach(walk);
  return ids;
}

function flipBit(hex: string): string {
  const bytes = Buffer.from(hex, 'hex');
  bytes[0] = (bytes[0] ?? 0) ^ 0x01;
  return bytes.toString('hex');
}
