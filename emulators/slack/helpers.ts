/** The Slack emulator's constants and small helpers (a section of emulators/slack.ts, which re-exports its public part). */
import { createHmac, randomBytes, randomInt } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Json, SlackMessage } from './types.ts';

// ---------------------------------------------------------------------------------------------
// Constants and small helpers
// ---------------------------------------------------------------------------------------------

export const BOT_SCOPES =
  'commands,chat:write,chat:write.public,users:read,usergroups:read,channels:read,channels:history,groups:history,files:read,files:write';
export const RESPONSE_URL_MAX_USES = 5;
export const RESPONSE_URL_TTL_MS = 30 * 60 * 1000;
export const MAX_BODY_BYTES = 5 * 1024 * 1024;
export const VIEW_MAX_BYTES = 250 * 1024;
export const JSON_ARGS: Record<string, string> = {
  blocks: 'invalid_blocks_format',
  attachments: 'invalid_attachments',
  view: 'invalid_arguments',
  metadata: 'invalid_metadata_format',
  files: 'invalid_arguments',
};

export class ApiError extends Error {
  readonly code: string;
  readonly messages: string[];
  constructor(code: string, messages: string[] = []) {
    super(code);
    this.code = code;
    this.messages = messages;
  }
}

/** `v0=` + hex(HMAC-SHA256(secret, "v0:<timestamp>:<body>")), per PLATFORMS 1.1. */
export function slackSignature(signingSecret: string, timestamp: number | string, body: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export function hex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

/** Slack-style upper-case id: a letter prefix and base-36 characters. */
export function slackId(prefix: string, length = 10): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  let id = prefix;
  for (let i = 0; i < length; i += 1) id += alphabet[randomInt(alphabet.length)];
  return id;
}

/** The short random ids Slack gives blocks and elements that came without one. */
export function generatedId(): string {
  return randomBytes(4).toString('base64url').slice(0, 5);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Slack's shape: an event_type string and an event_payload object. */
export function checkedMetadata(value: unknown): { event_type: string; event_payload: Json } {
  if (!isRecord(value) || typeof value.event_type !== 'string' || !isRecord(value.event_payload)) throw new ApiError('invalid_metadata_format');
  return { event_type: value.event_type, event_payload: clone(value.event_payload) };
}

export function withoutMetadata(message: SlackMessage): SlackMessage {
  const { metadata: _metadata, ...shown } = clone(message);
  return shown;
}

export function clone<T>(value: T): T {
  return structuredClone(value);
}

export function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function str(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

export function truthy(value: unknown): boolean {
  return value === true || value === 'true' || value === '1' || value === 1;
}

export function requireArg(args: Json, name: string): string {
  const value = str(args[name]);
  if (value === undefined || value === '') throw new ApiError('invalid_arguments', [`[ERROR] missing required field: ${name}`]);
  return value;
}

export function textOf(value: unknown): string | undefined {
  return isRecord(value) ? str(value.text) : undefined;
}

/** Label and UTC offset of an IANA zone now, as Slack puts them on a user (`tz_label`, `tz_offset`). */
export function timeZoneInfo(tz: string, at = new Date()): { label: string; offsetSeconds: number } {
  const part = (style: 'long' | 'longOffset'): string =>
    new Intl.DateTimeFormat('en-US', { timeZone: tz, timeZoneName: style }).formatToParts(at).find((p) => p.type === 'timeZoneName')?.value ?? '';
  const offset = /GMT([+-])(\d{2}):(\d{2})/.exec(part('longOffset'));
  const offsetSeconds = offset ? (offset[1] === '-' ? -1 : 1) * (Number(offset[2]) * 3600 + Number(offset[3]) * 60) : 0;
  return { label: part('long'), offsetSeconds };
}

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error('request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

/** WebClient posts the file as multipart form data (one part); other clients send raw bytes. */
export async function uploadedBytes(req: IncomingMessage): Promise<Buffer> {
  const raw = await readBody(req);
  const contentType = req.headers['content-type'] ?? '';
  if (!contentType.startsWith('multipart/form-data')) return raw;
  const form = await new Response(new Uint8Array(raw), { headers: { 'content-type': contentType } }).formData();
  const part = [...form.values()][0];
  if (part === undefined) return Buffer.alloc(0);
  return typeof part === 'string' ? Buffer.from(part) : Buffer.from(await part.arrayBuffer());
}
