import { createHash, randomBytes } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { crc32, deflateSync } from 'node:zlib';

/**
 * Shared plumbing for the network emulators: an HTTP server on 127.0.0.1 that records every request,
 * scripted faults, latency, hanging answers (timeouts), body parsing, a tiny PNG, and the Graph API
 * (Facebook, Instagram, Threads) error and auth shapes.
 */

export type FaultKind = '5xx' | '429' | 'timeout_before' | 'timeout_after' | 'revoked' | 'rejected';
export interface Fault {
  kind: FaultKind;
  /** How many matching requests fail (default 1). */
  times?: number;
  /** For 429: seconds until the limit resets, in whatever form the network reports it (default 60). */
  resetInSeconds?: number;
  /**
   * For a Graph emulator's 429: answer with the platform limit instead of the network's own business use
   * case limit: 4 (the app's calls) or 17 (the user's calls), reported in X-App-Usage as percentages.
   */
  platformLimit?: 4 | 17;
  /**
   * Which requests fail: "METHOD /path-prefix" (a prefix of e.g. "POST /rest/posts"; Graph emulators match
   * the path without its version prefix) or a RegExp tested against that line. Default: the create-post call.
   */
  match?: string | RegExp;
  /** Let this many matching requests through before failing (e.g. 2: the third part of an upload fails). */
  after?: number;
}

export interface Reply {
  status: number;
  body?: unknown;
  raw?: Buffer;
  headers?: Record<string, string>;
  /** Never answer (the client times out); stop() closes the socket. */
  hang?: boolean;
}

export interface EmuRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

/** A rate-limit window as X and Mastodon report it in their headers. */
export interface RateBucket {
  limit: number;
  remaining: number;
  reset: number;
}

export interface RequestRecord {
  method: string;
  path: string;
  query: Record<string, string>;
  /** Request headers without `authorization` (and query/body `access_token` values are redacted). */
  headers: Record<string, string>;
  body: unknown;
}

export const randomToken = () => randomBytes(24).toString('base64url');

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** A queue of scripted faults; `take` consumes one use of the first fault matching "METHOD /path". */
export function faultQueue(defaultMatch: string | RegExp) {
  const faults: Fault[] = [];
  const matches = (f: Fault, line: string) => {
    const m = f.match ?? defaultMatch;
    return typeof m === 'string' ? line.startsWith(m) : m.test(line);
  };
  return {
    push(fault: Fault) {
      faults.push({ ...fault, times: fault.times ?? 1 });
    },
    take(line: string): Fault | undefined {
      const i = faults.findIndex((f) => matches(f, line));
      if (i < 0) return undefined;
      const f = faults[i]!;
      if ((f.after ?? 0) > 0) {
        f.after = (f.after ?? 0) - 1;
        return undefined;
      }
      f.times = (f.times ?? 1) - 1;
      if (f.times <= 0) faults.splice(i, 1);
      return f;
    },
  };
}

/** JSON, form or query parameters of a request, merged (body wins). Form keys like `a[0]` stay as they are. */
export function readParams(req: EmuRequest): Record<string, unknown> {
  const out: Record<string, unknown> = Object.fromEntries(req.query);
  const type = req.headers['content-type'] ?? '';
  if (type.startsWith('application/json')) {
    const body = parseJson(req.body);
    if (isObject(body)) Object.assign(out, body);
  } else if (type.startsWith('application/x-www-form-urlencoded')) {
    Object.assign(out, Object.fromEntries(new URLSearchParams(req.body.toString('utf8'))));
  }
  return out;
}

/** Records keep the fact that a token was passed as a parameter, never the token. */
function redactToken(params: Record<string, string>): Record<string, string> {
  return 'access_token' in params ? { ...params, access_token: '[redacted]' } : params;
}

function recordBody(req: EmuRequest): unknown {
  const type = req.headers['content-type'] ?? '';
  if (type.startsWith('application/json')) return parseJson(req.body);
  if (type.startsWith('application/x-www-form-urlencoded')) return redactToken(Object.fromEntries(new URLSearchParams(req.body.toString('utf8'))));
  return req.body.length > 0 ? { bytes: req.body.length, contentType: type } : undefined;
}

export interface EmulatorServer {
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts the HTTP server. `handle` answers one request; `latencyMs()` is read per request; every request
 * is pushed to `requests` (without its authorization header) before it is handled.
 */
export async function serveEmulator(opts: {
  handle: (req: EmuRequest) => Promise<Reply>;
  requests: RequestRecord[];
  latencyMs: () => number;
  defaultHeaders?: () => Record<string, string>;
}): Promise<EmulatorServer> {
  const serve = async (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const req: EmuRequest = {
      method: request.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: request.headers,
      body: Buffer.concat(chunks),
    };
    const { authorization: _secret, ...headers } = request.headers;
    opts.requests.push({
      method: req.method,
      path: req.path,
      query: redactToken(Object.fromEntries(url.searchParams)),
      headers: headers as Record<string, string>,
      body: recordBody(req),
    });
    const latency = opts.latencyMs();
    if (latency > 0) await sleep(latency);
    const r = await opts.handle(req);
    if (r.hang) return;
    const isJson = r.raw === undefined && r.body !== undefined;
    response.writeHead(r.status, {
      ...(isJson ? { 'content-type': 'application/json; charset=utf-8' } : {}),
      ...opts.defaultHeaders?.(),
      ...r.headers,
    });
    response.end(r.raw ?? (isJson ? JSON.stringify(r.body) : undefined));
  };
  const server = createServer((request, response) => {
    serve(request, response).catch(() => response.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Timeouts, which every emulator treats alike: `timeout_before` never answers; `timeout_after` does the work, then never answers. */
export async function applyTimeouts(fault: Fault | undefined, route: () => Promise<Reply>): Promise<Reply> {
  if (fault?.kind === 'timeout_before') return { status: 0, hang: true };
  const reply = await route();
  return fault?.kind === 'timeout_after' ? { ...reply, hang: true } : reply;
}

/** What a pulling network received from a media URL: the type it declared and the bytes' fingerprint. */
export interface FetchedImage {
  bytes: Buffer;
  contentType: string;
  sha256: string;
}

/**
 * Fetches an image the way a network "cURLs" a media URL, with plain fetch (no shortcut to the
 * server's files); undefined when it is missing, not an image, or when the answer's Content-Type is
 * not what the bytes are or its Content-Length is not their length (a network drops such a download).
 */
export async function fetchImage(url: string): Promise<FetchedImage | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
    const contentType = res.headers.get('content-type')?.split(';')[0]?.trim() ?? '';
    const length = res.headers.get('content-length');
    const bytes = Buffer.from(await res.arrayBuffer());
    if (res.status !== 200 || !imageType(bytes)) return undefined;
    if (contentType !== imageType(bytes)) return undefined;
    if (length !== null && Number(length) !== bytes.length) return undefined;
    return { bytes, contentType, sha256: createHash('sha256').update(bytes).digest('hex') };
  } catch {
    return undefined;
  }
}

// --- Graph API (Facebook, Instagram, Threads) ---

export interface GraphErrorInit {
  code: number;
  message: string;
  subcode?: number;
  type?: string;
  userTitle?: string;
  userMsg?: string;
  isTransient?: boolean;
  status?: number;
  headers?: Record<string, string>;
}

/** `{error:{message, type, code, error_subcode?, error_user_title?, error_user_msg?, is_transient, fbtrace_id}}`, usually HTTP 400. */
export function graphError(e: GraphErrorInit): Reply {
  const error: Record<string, unknown> = { message: e.message, type: e.type ?? 'OAuthException', code: e.code };
  if (e.subcode !== undefined) error.error_subcode = e.subcode;
  if (e.userTitle) error.error_user_title = e.userTitle;
  if (e.userMsg) error.error_user_msg = e.userMsg;
  error.is_transient = e.isTransient ?? false;
  error.fbtrace_id = randomBytes(8).toString('base64url');
  return { status: e.status ?? 400, body: { error }, headers: e.headers };
}

/** The access token of a Graph request: `Authorization: Bearer`/`OAuth` header or the `access_token` parameter. */
export function graphToken(req: EmuRequest, params: Record<string, unknown>): string | undefined {
  const m = /^(?:Bearer|OAuth) (.+)$/i.exec(req.headers.authorization ?? '');
  if (m) return m[1];
  return typeof params.access_token === 'string' ? params.access_token : undefined;
}

/** Splits "/v24.0/123/feed" into its version ("v24.0", or undefined) and the rest ("/123/feed"). */
export function splitVersion(path: string): { version: string | undefined; rest: string } {
  const m = /^\/(v\d+\.\d+)(\/.*)?$/.exec(path);
  return m ? { version: m[1], rest: m[2] ?? '/' } : { version: undefined, rest: path };
}

/** Graph field selection: only the listed fields (and always `id`). */
export function pickFields(entity: Record<string, unknown>, fields: unknown): Record<string, unknown> {
  if (typeof fields !== 'string' || fields === '') return { id: entity.id };
  const out: Record<string, unknown> = { id: entity.id };
  for (const f of fields.split(',').map((s) => s.trim())) if (f in entity && entity[f] !== undefined) out[f] = entity[f];
  return out;
}

/** Graph timestamps: "2026-11-23T08:47:16+0000". */
/**
 * One page of a Graph list edge, newest first: `since` (Unix seconds) drops older items, `limit`
 * (25 by default, at most 100) and the `after` cursor page through the rest; `paging.next` is there
 * only while more follow, as Graph does.
 */
export function graphPage<T extends { createdAt: Date }>(
  newestFirst: T[],
  params: Record<string, unknown>,
  entity: (item: T) => Record<string, unknown>,
  defaultFields: string,
): Reply {
  const limit = Math.min(Math.max(Number(params.limit ?? 25) || 25, 1), 100);
  const since = Number(params.since ?? 0) * 1000;
  const items = newestFirst.filter((item) => item.createdAt.getTime() >= since);
  const start = typeof params.after === 'string' ? Number(Buffer.from(params.after, 'base64url').toString()) || 0 : 0;
  const page = items.slice(start, start + limit);
  const cursor = (n: number) => Buffer.from(String(n)).toString('base64url');
  const more = start + limit < items.length;
  const paging = {
    cursors: { before: cursor(start), after: cursor(start + page.length) },
    ...(more ? { next: `?after=${cursor(start + page.length)}&limit=${limit}` } : {}),
  };
  return { status: 200, body: { data: page.map((item) => pickFields(entity(item), params.fields ?? defaultFields)), paging } };
}

export function graphTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, '+0000');
}

/** A throttling answer with `X-Business-Use-Case-Usage` carrying estimated_time_to_regain_access (minutes). */
export function graphThrottle(objectId: string, type: string, code: number, message: string, resetInSeconds: number): Reply {
  const usage = { [objectId]: [{ type, call_count: 100, total_cputime: 30, total_time: 40, estimated_time_to_regain_access: Math.ceil(resetInSeconds / 60) }] };
  return graphError({ code, message, headers: { 'x-business-use-case-usage': JSON.stringify(usage) } });
}

/**
 * A platform rate limit answer (Graph "Handling Errors": 4 API Too Many Calls, 17 API User Too Many Calls):
 * X-App-Usage reports call count and time as percentages of the limit, with no time to wait.
 */
export function graphPlatformThrottle(code: 4 | 17): Reply {
  const message = code === 4 ? '(#4) Application request limit reached' : '(#17) User request limit reached';
  return graphError({ code, message, headers: { 'x-app-usage': JSON.stringify({ call_count: 100, total_cputime: 12, total_time: 15 }) } });
}

export function numericId(seq: { n: bigint }, base: bigint): string {
  seq.n += 1n;
  return String(base + seq.n);
}

// --- images ---

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function imageType(bytes: Buffer): string | undefined {
  if (bytes.subarray(0, 8).equals(PNG_SIGNATURE)) return 'image/png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return 'image/jpeg';
  if (bytes.subarray(0, 4).toString('latin1') === 'GIF8') return 'image/gif';
  if (bytes.subarray(0, 4).toString('latin1') === 'RIFF' && bytes.subarray(8, 12).toString('latin1') === 'WEBP') return 'image/webp';
  return undefined;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])));
  return Buffer.concat([head, data, crc]);
}

/** A valid 1x1 RGB PNG, built here so no binary lives in the repo. */
/** A 1×1 baseline JPEG (what Instagram's image_url must be). */
export function tinyJpeg(): Buffer {
  return Buffer.from(
    '/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////////////////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA=',
    'base64',
  );
}

export function tinyPng(): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(1, 0);
  ihdr.writeUInt32BE(1, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type RGB
  const pixels = deflateSync(Buffer.from([0, 0x2e, 0x8b, 0x57])); // filter byte + one pixel
  return Buffer.concat([PNG_SIGNATURE, pngChunk('IHDR', ihdr), pngChunk('IDAT', pixels), pngChunk('IEND', Buffer.alloc(0))]);
}

/** The reply serving the tiny PNG (emulators serve it at /media/test.png). */
export const pngReply = (png: Buffer): Reply => ({ status: 200, raw: png, headers: { 'content-type': 'image/png' } });

// ---------------------------------------------------------------------------------------------
// Calls from a chat emulator to the app under test (Slack's and Discord's interaction requests)
// ---------------------------------------------------------------------------------------------

/**
 * One POST with node:http, no keep-alive, bytes exactly as given (Bolt compares the content type
 * verbatim, and both chats sign the exact bytes). With `timeoutMs` the call gives up as the chat
 * does (Discord's initial-response window): status 0 once it passes, or when the request was torn
 * down; without it, a network error rejects.
 */
export function postRaw(
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs?: number,
): Promise<{ status: number; headers: IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', agent: false, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    const gaveUp = () => resolve({ status: 0, headers: {}, text: '' });
    if (timeoutMs !== undefined) {
      req.setTimeout(timeoutMs, () => {
        req.destroy();
        gaveUp();
      });
    }
    req.on('error', (error) => (timeoutMs !== undefined && req.destroyed ? gaveUp() : reject(error)));
    req.end(body);
  });
}

/** The app's answer body: JSON when it says so (and parses), else the text; undefined when empty. */
export function parseAppBody(contentType: string | undefined, text: string): unknown {
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
