/** The Discord emulator's constants and small helpers (a section of emulators/discord.ts, which re-exports its public part). */
import { createHash, sign, type KeyObject } from 'node:crypto';
import type { Json } from './types.ts';

// ---------------------------------------------------------------------------------------------
// Constants and small helpers
// ---------------------------------------------------------------------------------------------

export const API_PREFIX = '/api/v10';
export const DISCORD_EPOCH = 1420070400000n;
export const MAX_BODY_BYTES = 25 * 1024 * 1024;
export const DEFAULT_PERMISSIONS = '2248473465835073';
export const ALL_PERMISSIONS = '2251799813685247';
export const ADMINISTRATOR = 8n;
export const ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024;

export const Flags = {
  SuppressEmbeds: 1 << 2,
  HasThread: 1 << 5,
  Ephemeral: 1 << 6,
  Loading: 1 << 7,
  SuppressNotifications: 1 << 12,
  ComponentsV2: 1 << 15,
} as const;

export const InteractionType = { Ping: 1, ApplicationCommand: 2, MessageComponent: 3, Autocomplete: 4, ModalSubmit: 5 } as const;

export const CallbackType = {
  Pong: 1,
  ChannelMessage: 4,
  DeferredChannelMessage: 5,
  DeferredUpdate: 6,
  UpdateMessage: 7,
  AutocompleteResult: 8,
  Modal: 9,
  LaunchActivity: 12,
} as const;

export const SELECT_TYPES = new Set([3, 5, 6, 7, 8]);
export const CHANNEL_TEXT = 0;
export const CHANNEL_DM = 1;
export const CHANNEL_ANNOUNCEMENT = 5;
export const ARCHIVE_DURATIONS = new Set([60, 1440, 4320, 10080]);
export const COMMAND_NAME = /^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;

export let snowflakeIncrement = 0n;

/** A snowflake for now: ms since the Discord epoch << 22, worker/process ids, an increment. */
export function snowflake(at = Date.now()): string {
  snowflakeIncrement = (snowflakeIncrement + 1n) & 0xfffn;
  return (((BigInt(at) - DISCORD_EPOCH) << 22n) | (1n << 17n) | (1n << 12n) | snowflakeIncrement).toString();
}

/** Hex Ed25519 signature over `timestamp + body`, as Discord sends in X-Signature-Ed25519. */
export function discordSignature(privateKey: KeyObject, timestamp: string, body: string): string {
  return sign(null, Buffer.from(timestamp + body), privateKey).toString('hex');
}

export class DiscordError extends Error {
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

export function errorBody(code: number, message: string): Json {
  return { message, code };
}

export const Errors = {
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
export class FormErrors {
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
        node = isRecord(next) ? next : ((node[String(key)] = {}) as Json);
      }
      const list = Array.isArray(node._errors) ? node._errors : (node._errors = []);
      (list as Json[]).push({ code, message });
    }
    throw new DiscordError(400, { message: 'Invalid Form Body', code: 50035, errors });
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function clone<T>(value: T): T {
  return structuredClone(value);
}

export function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function records(value: unknown): Json[] {
  return Array.isArray(value) ? value.filter(isRecord) : [];
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function iso(at = Date.now()): string {
  return new Date(at).toISOString().replace('Z', '+00:00');
}

export function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

export function bucketHash(routeKey: string): string {
  return createHash('sha256').update(routeKey).digest('hex').slice(0, 32);
}

export function checkLength(errs: FormErrors, path: Array<string | number>, value: unknown, min: number, max: number, required: boolean): void {
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

export function checkIntRange(errs: FormErrors, path: Array<string | number>, value: unknown, min: number, max: number): void {
  if (value === undefined || value === null) return;
  if (typeof value !== 'number' || !Number.isInteger(value)) errs.add(path, 'NUMBER_TYPE_COERCE', `Value "${String(value)}" is not int.`);
  else if (value < min) errs.add(path, 'NUMBER_TYPE_MIN', `Must be greater than or equal to ${min}.`);
  else if (value > max) errs.add(path, 'NUMBER_TYPE_MAX', `Must be less than or equal to ${max}.`);
}
