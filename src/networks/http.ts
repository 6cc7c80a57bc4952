import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request, type Dispatcher, type FormData } from 'undici';
import { NETWORK_LABELS, type Network } from '../domain/networks.ts';
import { NetworkError, type ErrorClass, type MediaItem, type PublishRequest, type PublishResult, type PublishedPart } from './adapter.ts';
import { guardedAgent, guardedUrl, outboundPolicy, refusalIn, resolveChecked, type OutboundPolicy } from './outbound.ts';

/** Shared plumbing for the network adapters: one HTTP call with timeouts, error classification, thread resume. */

export interface HttpOptions {
  network: Network;
  dispatcher?: Dispatcher | undefined;
  timeoutMs: number;
  /**
   * The address was given by a user (a media link, a webhook URL, a Mastodon or Bluesky server): check it and
   * connect only to checked addresses (src/networks/outbound.ts). `true` uses the process's policy.
   */
  guard?: boolean | OutboundPolicy | undefined;
}

export interface HttpCall {
  method: 'GET' | 'POST' | 'PUT';
  url: string;
  headers?: Record<string, string>;
  /** An iterable body (a file streamed from the media store) needs a `content-length` header. */
  body?: string | Buffer | FormData | AsyncIterable<Uint8Array>;
  signal: AbortSignal;
  /** A POST that creates a post: a failure after the request was sent means the post may exist. */
  creates?: boolean;
  /** Short words for messages, e.g. "create post". Never a token. */
  what: string;
  /** Strings that must never appear in an error (access and refresh tokens). */
  secrets?: string[];
  /** Refuse bodies larger than this (media downloads). */
  maxBytes?: number;
  /** With `maxBytes`: keep the first `maxBytes` of a larger body instead of refusing it (a page's head). */
  truncate?: boolean;
  /**
   * Only the status matters (webhooks): a body larger than `maxBytes` or one that cannot be read is dropped
   * (the response has an empty body) instead of failing a request the receiver has already taken.
   */
  tolerateBody?: boolean;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/**
 * The dispatcher when the adapter was given none: undici's own Agent. Not `getGlobalDispatcher()`: on
 * Node 24 that can hand back Node's bundled undici, which wraps our handler and drops `onRequestSent`,
 * so a timeout after a create was sent looked like one before it (`transient`) and was retried blind.
 */
let sharedAgent: Agent | undefined;
const defaultDispatcher = (): Dispatcher => (sharedAgent ??= new Agent());

/**
 * Sends one request. Resolves with any HTTP status (the adapter maps statuses); rejects only with a
 * NetworkError for failures without a response: `transient` when the request never fully left,
 * `unknown_outcome` when a creating request was sent and then timed out, reset or was aborted.
 */
export async function send(options: HttpOptions, call: HttpCall): Promise<HttpResponse> {
  const state = { sent: false };
  try {
    const base = await dispatcherFor(options, call.url);
    const res = await request(call.url, {
      method: call.method,
      headers: call.headers,
      body: isIterableBody(call.body) ? Readable.from(call.body, { objectMode: false }) : call.body,
      signal: call.signal,
      dispatcher: base.compose(trackSent(state)),
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
    const body = await readBody(res.body, call, options.network).catch((err: unknown) => {
      if (!call.tolerateBody) throw err;
      res.body.destroy();
      return Buffer.alloc(0);
    });
    return { status: res.statusCode, headers: res.headers, body };
  } catch (err) {
    if (err instanceof NetworkError) throw err;
    const refusal = refusalIn(err);
    if (refusal) {
      const host = hostOf(call.url);
      throw makeError(options.network, call.secrets, {
        errorClass: 'permanent',
        networkCode: 'outbound_refused',
        message: `${call.what}: ${host ? `${host} ` : 'the address '}${refusal.reason}`,
        cause: refusal,
      });
    }
    throw connectionError(options.network, call, state.sent, err);
  }
}

function isIterableBody(body: HttpCall['body']): body is AsyncIterable<Uint8Array> {
  return typeof body === 'object' && body !== null && !Buffer.isBuffer(body) && Symbol.asyncIterator in body && !('append' in body);
}

const hostOf = (url: string) => URL.parse(url)?.host;

/**
 * The dispatcher for one call. A guarded call checks the URL (scheme, literal addresses) and goes through the
 * guarded agent, whose connect looks the name up once and checks every address. A dispatcher given by a test
 * cannot be pinned, so the name is checked before the call instead.
 */
async function dispatcherFor(options: HttpOptions, url: string): Promise<Dispatcher> {
  const policy = options.guard === true ? outboundPolicy() : options.guard || undefined;
  if (!policy) return options.dispatcher ?? defaultDispatcher();
  const checked = guardedUrl(url, policy);
  if (!options.dispatcher) return guardedAgent(policy);
  await resolveChecked(checked.hostname, policy);
  return options.dispatcher;
}

async function readBody(body: AsyncIterable<Buffer> & { destroy(): void }, call: HttpCall, network: Network) {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (call.maxBytes !== undefined && size > call.maxBytes) {
      body.destroy();
      if (call.truncate) {
        chunks.push(chunk.subarray(0, chunk.length - (size - call.maxBytes)));
        break;
      }
      throw new NetworkError({ network, errorClass: 'permanent', message: `${call.what}: response larger than ${call.maxBytes} bytes` });
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Wraps the undici handler to learn whether the whole request reached the socket. */
function trackSent(state: { sent: boolean }): Dispatcher.DispatcherComposeInterceptor {
  return (dispatch) => (opts, handler) =>
    dispatch(opts, {
      onRequestStart: (controller, context) => handler.onRequestStart?.(controller, context),
      onRequestUpgrade: (controller, status, headers, socket) => handler.onRequestUpgrade?.(controller, status, headers, socket),
      onResponseStarted: () => handler.onResponseStarted?.(),
      onResponseStart: (controller, status, headers, text) => handler.onResponseStart?.(controller, status, headers, text),
      onResponseData: (controller, chunk) => handler.onResponseData?.(controller, chunk),
      onResponseEnd: (controller, trailers) => handler.onResponseEnd?.(controller, trailers),
      onResponseError: (controller, error) => handler.onResponseError?.(controller, error),
      onBodySent: (chunk) => handler.onBodySent?.(chunk),
      onRequestSent: () => {
        state.sent = true;
        handler.onRequestSent?.();
      },
    });
}

function connectionError(network: Network, call: HttpCall, sent: boolean, err: unknown): NetworkError {
  const code = (err as { code?: unknown } | null)?.code;
  const reason = call.signal.aborted ? 'aborted' : typeof code === 'string' ? code : 'connection failed';
  const errorClass: ErrorClass = sent && call.creates ? 'unknown_outcome' : 'transient';
  const when = sent ? 'after the request was sent' : 'before the request was sent';
  return makeError(network, call.secrets, {
    errorClass,
    message: `${call.what}: ${reason} ${when}`,
    networkCode: typeof code === 'string' ? code : undefined,
    cause: err,
  });
}

export type ErrorInit = Omit<ConstructorParameters<typeof NetworkError>[0], 'network'>;

/** Builds a NetworkError with every secret scrubbed from its words. */
export function makeError(network: Network, secrets: string[] | undefined, init: ErrorInit): NetworkError {
  const scrub = (s: string | undefined) => (s === undefined ? s : redact(s, secrets ?? []));
  return new NetworkError({
    ...init,
    network,
    message: redact(init.message, secrets ?? []),
    networkCode: scrub(init.networkCode),
    networkMessage: scrub(init.networkMessage),
  });
}

function redact(text: string, secrets: string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join('[redacted]');
  return out;
}

export function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

export function header(res: HttpResponse, name: string): string | undefined {
  const value = res.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

export function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export interface DownloadedMedia {
  bytes: Buffer;
  contentType: string;
  filename: string;
}

const MAX_REDIRECTS = 3;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * Fetches an image given by URL. The link is a user's: every hop is checked by the outbound guard, and
 * redirects (at most 3) are followed here so each new address is checked again. 404/410 or a non-image
 * answer is permanent; nothing of the host's answer but its status is kept.
 */
export async function downloadMedia(options: HttpOptions, url: string, signal: AbortSignal, maxBytes: number): Promise<DownloadedMedia> {
  const guarded: HttpOptions = { ...options, guard: options.guard ?? true };
  const first = new URL(url);
  // Always the link the user gave: where a redirect leads is the remote's answer, not shown in chat.
  const what = `download media from ${first.origin}${first.pathname}`;
  let where = first;
  let res: HttpResponse;
  for (let hop = 0; ; hop++) {
    res = await send(guarded, { method: 'GET', url: where.toString(), signal, what, maxBytes }).catch((err: unknown) => {
      if (hop > 0 && err instanceof NetworkError && err.networkCode === 'outbound_refused') {
        throw makeError(options.network, [], {
          errorClass: 'permanent',
          networkCode: 'outbound_refused',
          message: `${what}: it redirects to an address that ${err.message.replace(/^.* (points to|must|carries|is not)/, '$1')}`,
          cause: err,
        });
      }
      throw err;
    });
    const location = REDIRECTS.has(res.status) ? header(res, 'location') : undefined;
    if (location === undefined) break;
    if (hop >= MAX_REDIRECTS)
      throw makeError(options.network, [], { errorClass: 'permanent', status: res.status, message: `${what}: more than ${MAX_REDIRECTS} redirects` });
    const next = URL.parse(location, where.toString());
    if (!next)
      throw makeError(options.network, [], { errorClass: 'permanent', status: res.status, message: `${what}: a redirect to an address that is not a URL` });
    where = next;
  }
  const contentType = header(res, 'content-type')?.split(';')[0]?.trim() ?? '';
  if (res.status >= 500 || res.status === 429 || res.status === 408) {
    throw makeError(options.network, [], { errorClass: 'transient', status: res.status, message: `${what}: HTTP ${res.status}` });
  }
  if (res.status !== 200 || !contentType.startsWith('image/')) {
    const detail = res.status === 200 ? `not an image (${contentType.replace(/[^\w.+/-]/g, '').slice(0, 60) || 'no content type'})` : `HTTP ${res.status}`;
    throw makeError(options.network, [], { errorClass: 'permanent', status: res.status, message: `${what}: ${detail}` });
  }
  const filename = first.pathname.split('/').pop() || 'image';
  return { bytes: res.body, contentType, filename };
}

/**
 * One image ready to upload: a stored file streamed from Greenlight's media store, or a typed link
 * downloaded whole (at most `maxBytes`, as before). `open()` starts the bytes from the first one again
 * on every call, so an upload retried inside one attempt sends the whole file.
 */
export interface MediaUpload {
  filename: string;
  contentType: string;
  /** Exact length in bytes (sent as Content-Length). */
  bytes: number;
  width: number | null;
  height: number | null;
  animated: boolean;
  alt: string | undefined;
  open(): AsyncIterable<Uint8Array>;
}

export async function openMedia(options: HttpOptions, item: MediaItem, signal: AbortSignal, maxBytes: number): Promise<MediaUpload> {
  const alt = item.alt;
  const stored = item.stored;
  if (stored) {
    return { ...stored, alt, open: () => fromStore(options.network, stored.filename, stored.read()) };
  }
  const file = await downloadMedia(options, item.url, signal, maxBytes);
  const size = imageSize(file.bytes);
  return {
    filename: file.filename,
    contentType: file.contentType,
    bytes: file.bytes.length,
    width: size?.width ?? null,
    height: size?.height ?? null,
    animated: false,
    alt,
    open: () => once(file.bytes),
  };
}

/** Width and height from a PNG, GIF or JPEG header, for the embed's aspectRatio (clients lay images out by it). */
export function imageSize(bytes: Buffer): { width: number; height: number } | undefined {
  const valid = (width: number, height: number) => (width > 0 && height > 0 ? { width, height } : undefined);
  if (bytes.length >= 24 && bytes.readUInt32BE(0) === 0x89504e47 && bytes.toString('latin1', 12, 16) === 'IHDR') {
    return valid(bytes.readUInt32BE(16), bytes.readUInt32BE(20));
  }
  if (bytes.length >= 10 && bytes.toString('latin1', 0, 3) === 'GIF') return valid(bytes.readUInt16LE(6), bytes.readUInt16LE(8));
  if (bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xd8) {
    let offset = 2;
    while (offset + 9 < bytes.length && bytes[offset] === 0xff) {
      const marker = bytes[offset + 1]!;
      const length = bytes.readUInt16BE(offset + 2);
      // SOF0..SOF15 carry the frame size; C4 (DHT), C8 (JPG) and CC (DAC) share the range but do not.
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        return valid(bytes.readUInt16BE(offset + 7), bytes.readUInt16BE(offset + 5));
      }
      offset += 2 + length;
    }
  }
  return undefined;
}

async function* once(bytes: Buffer): AsyncGenerator<Uint8Array> {
  yield bytes;
}

/**
 * The store's chunks as they come; a read that fails (the database went away mid-file) becomes a
 * transient NetworkError, thrown into the upload that is consuming the stream: nothing was created,
 * the attempt is retried.
 */
async function* fromStore(network: Network, filename: string, chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  try {
    yield* chunks;
  } catch (err) {
    throw makeError(network, [], {
      errorClass: 'transient',
      networkCode: 'media_store_read',
      message: `reading ${filename} from Greenlight's media store failed midway; the upload is tried again`,
      cause: err,
    });
  }
}

/**
 * A multipart/form-data body with text fields and one file part streamed from `file.open()`, with its
 * exact length known beforehand. undici's FormData holds only whole Blobs in memory; this sends a
 * stored file chunk by chunk (RFC 7578; names escaped as the WHATWG HTML form encoder does).
 */
export function multipartBody(
  fields: Record<string, string | undefined>,
  fileField: string,
  file: Pick<MediaUpload, 'filename' | 'contentType' | 'bytes' | 'open'>,
): { contentType: string; length: number; body: AsyncIterable<Uint8Array> } {
  const boundary = `----greenlight${randomBytes(16).toString('hex')}`;
  const quote = (s: string) => s.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  let head = '';
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    head += `--${boundary}\r\nContent-Disposition: form-data; name="${quote(name)}"\r\n\r\n${value}\r\n`;
  }
  head += `--${boundary}\r\nContent-Disposition: form-data; name="${quote(fileField)}"; filename="${quote(file.filename)}"\r\nContent-Type: ${file.contentType}\r\n\r\n`;
  const headBytes = Buffer.from(head, 'utf8');
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`, 'utf8');
  async function* body(): AsyncGenerator<Uint8Array> {
    yield headBytes;
    yield* file.open();
    yield tail;
  }
  return { contentType: `multipart/form-data; boundary=${boundary}`, length: headBytes.length + file.bytes + tail.length, body: body() };
}

/**
 * Runs one upload; a refusal the network gives for the file (too large, a type it does not take, a
 * processing failure) is said naming the file, as a marketer reads it in the card's thread:
 * "Mastodon did not take team-photo.png: File file size must be less than 8 MB".
 */
export async function namingFile<T>(network: Network, filename: string, upload: () => Promise<T>): Promise<T> {
  try {
    return await upload();
  } catch (err) {
    if (!(err instanceof NetworkError) || err.errorClass !== 'permanent' || err.networkCode === 'outbound_refused') throw err;
    const words = err.networkMessage ?? (err.status ? `HTTP ${err.status}` : err.message);
    throw new NetworkError({
      network,
      errorClass: 'permanent',
      message: err.message,
      ...(err.status !== undefined ? { status: err.status } : {}),
      ...(err.networkCode !== undefined ? { networkCode: err.networkCode } : {}),
      networkMessage: `${NETWORK_LABELS[network]} did not take ${filename}: ${words}`,
      ...(err.requestId !== undefined ? { requestId: err.requestId } : {}),
      cause: err,
    });
  }
}

/** Waits between polls; an abort becomes a transient error (nothing was being created). */
export async function pause(network: Network, ms: number, signal: AbortSignal): Promise<void> {
  try {
    await sleep(ms, undefined, { signal });
  } catch (err) {
    throw makeError(network, [], { errorClass: 'transient', message: 'aborted while waiting', cause: err });
  }
}

export interface PartToPost {
  text: string;
  position: number;
  /** The externalId of the part before this one, if any. */
  replyTo: string | undefined;
  /** Media ids for this part (only the first part carries media). */
  mediaIds: string[];
}

/**
 * Publishes the parts of a thread, resuming after `publishedParts`. Position = index in `parts`.
 * Media are uploaded only when the first part is still to be posted. Each part is reported through
 * `onPartPublished` before the next one starts; a failure throws and leaves the earlier parts reported.
 */
export async function publishThread(
  network: Network,
  req: PublishRequest,
  uploadMedia: () => Promise<string[]>,
  postPart: (part: PartToPost) => Promise<PublishedPart>,
): Promise<PublishResult> {
  const done = [...req.publishedParts].sort((a, b) => a.position - b.position);
  const start = done.length > 0 ? done[done.length - 1]!.position + 1 : 0;
  const mediaIds = start === 0 && (req.media.length > 0 || req.video) ? await uploadMedia() : [];
  for (let position = start; position < req.parts.length; position++) {
    if (req.signal.aborted) throw makeError(network, [], { errorClass: 'transient', message: 'aborted between thread parts' });
    const replyTo = done[done.length - 1]?.externalId;
    const part = await postPart({ text: req.parts[position]!, position, replyTo, mediaIds: position === 0 ? mediaIds : [] });
    await req.onPartPublished(part);
    done.push(part);
  }
  const first = done[0];
  if (!first) throw makeError(network, [], { errorClass: 'permanent', message: 'nothing to publish: no parts' });
  return { externalId: first.externalId, url: first.url, parts: done };
}
