import type { Dispatcher } from 'undici';
import {
  NetworkError,
  type AccountIdentity,
  type Credentials,
  type ErrorClass,
  type MediaItem,
  type NetworkAdapter,
  type PublishedPart,
  type RecentPost,
  type VideoUpload,
} from './adapter.ts';
import {
  asRecord,
  multipartBody,
  namingFile,
  openMedia,
  header,
  makeError,
  parseJson,
  pause,
  publishThread,
  send,
  str,
  type HttpCall,
  type HttpOptions,
  type HttpResponse,
  type PartToPost,
} from './http.ts';
import { mastodonMetrics } from './mastodon-metrics.ts';
import { checkpointOf, processingFailed, type ProcessingWait, waitForProcessing } from './video-upload.ts';

/**
 * Mastodon: POST /api/v1/statuses with an Idempotency-Key per part, threads by in_reply_to_id,
 * media via /api/v2/media. Tokens do not expire, so there is no refresh.
 */

export interface MastodonAdapterOptions {
  /** Fallback instance when the credentials carry no instanceUrl. */
  baseUrl?: string;
  dispatcher?: Dispatcher;
  timeoutMs?: number;
  /** Wait between polls of a media attachment that is still processing. */
  mediaPollMs?: number;
  /** How long one attempt waits for the instance to transcode a video (default: 2 s to 15 s, 5 minutes in all). */
  videoWait?: ProcessingWait;
}

const IMAGE_MAX_BYTES = 16 * 1024 * 1024;
const MAX_MEDIA_POLLS = 60;
const DEFAULT_MAX_CHARACTERS = 500;

interface Ctx {
  http: HttpOptions;
  options: MastodonAdapterOptions;
}

export function createMastodonAdapter(options: MastodonAdapterOptions = {}): NetworkAdapter {
  // The instance is the one a user typed when connecting: every call to it goes through the outbound guard.
  const ctx: Ctx = { http: { network: 'mastodon', dispatcher: options.dispatcher, timeoutMs: options.timeoutMs ?? 30_000, guard: true }, options };
  return {
    network: 'mastodon',
    // Every part carries Idempotency-Key <delivery>-<position>: the instance refuses to post it twice.
    idempotent: true,
    publish: (req, creds) =>
      publishThread(
        'mastodon',
        req,
        () => (req.video ? uploadVideo(ctx, req.video, creds, req.signal).then((id) => [id]) : uploadAll(ctx, req.media, creds, req.signal)),
        (part) => postPart(ctx, req.deliveryId, part, creds, req.signal),
      ),
    recentPosts: (creds, since, signal) => recentPosts(ctx, creds, since, signal),
    verify: (creds, signal) => verify(ctx, creds, signal),
    metrics: (creds, ids, signal) => mastodonMetrics({ instance: (c) => instanceOf(ctx, c), http: ctx.http, error: mastodonError }, creds, ids, signal),
  };
}

/** GET /api/v1/accounts/verify_credentials: who the token belongs to. */
async function verify(ctx: Ctx, creds: Credentials, signal: AbortSignal): Promise<AccountIdentity> {
  const url = `${instanceOf(ctx, creds)}/api/v1/accounts/verify_credentials`;
  const { json } = await callMastodon(ctx, { method: 'GET', url, headers: bearer(creds), signal, what: 'verify token', secrets: [creds.accessToken] });
  const id = str(json.id) ?? '';
  return { accountId: id, name: `@${str(json.acct) ?? str(json.username) ?? id}` };
}

/** The instance's post length limit (`configuration.statuses.max_characters`), 500 when it does not say. */
export async function fetchInstanceLimit(
  instanceUrl: string,
  options: { dispatcher?: Dispatcher; timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<number> {
  const http: HttpOptions = { network: 'mastodon', dispatcher: options.dispatcher, timeoutMs: options.timeoutMs ?? 30_000, guard: true };
  const call: HttpCall = {
    method: 'GET',
    url: `${trimBase(instanceUrl)}/api/v2/instance`,
    signal: options.signal ?? new AbortController().signal,
    what: 'read instance',
  };
  const res = await send(http, call);
  if (res.status !== 200) throw mastodonError(res, call);
  const max = asRecord(asRecord(asRecord(parseJson(res.body)).configuration).statuses).max_characters;
  return typeof max === 'number' && max > 0 ? max : DEFAULT_MAX_CHARACTERS;
}

function trimBase(url: string): string {
  return url.replace(/\/+$/, '');
}

function instanceOf(ctx: Ctx, creds: Credentials): string {
  const url = creds.instanceUrl ?? ctx.options.baseUrl;
  if (!url) throw makeError('mastodon', [], { errorClass: 'permanent', message: 'Mastodon account has no instance URL' });
  return trimBase(url);
}

function bearer(creds: Credentials): Record<string, string> {
  return { authorization: `Bearer ${creds.accessToken}` };
}

async function callMastodon(ctx: Ctx, call: HttpCall): Promise<{ res: HttpResponse; json: Record<string, unknown> }> {
  const res = await send(ctx.http, call);
  if (res.status >= 200 && res.status < 300) return { res, json: asRecord(parseJson(res.body)) };
  throw mastodonError(res, call);
}

async function postPart(ctx: Ctx, deliveryId: string, part: PartToPost, creds: Credentials, signal: AbortSignal): Promise<PublishedPart> {
  const body: Record<string, unknown> = { status: part.text };
  if (part.replyTo) body.in_reply_to_id = part.replyTo;
  if (part.mediaIds.length > 0) body.media_ids = part.mediaIds;
  const call: HttpCall = {
    method: 'POST',
    url: `${instanceOf(ctx, creds)}/api/v1/statuses`,
    headers: { ...bearer(creds), 'content-type': 'application/json', 'idempotency-key': `${deliveryId}-${part.position}` },
    body: JSON.stringify(body),
    signal,
    creates: true,
    what: 'create post',
    secrets: [creds.accessToken],
  };
  const { res, json } = await callMastodon(ctx, call);
  const id = str(json.id);
  const url = str(json.url) ?? str(json.uri);
  if (!id || !url) {
    throw makeError('mastodon', call.secrets, {
      errorClass: 'unknown_outcome',
      status: res.status,
      message: 'Mastodon create post: answer without a status id',
    });
  }
  return { position: part.position, externalId: id, url };
}

async function uploadAll(ctx: Ctx, media: MediaItem[], creds: Credentials, signal: AbortSignal): Promise<string[]> {
  const ids: string[] = [];
  for (const item of media) ids.push(await uploadImage(ctx, item, creds, signal));
  return ids;
}

/**
 * POST /api/v2/media, multipart `file` streamed from the store and `description` = the alt text. 200 is
 * a processed image; 202 (url null) is still processing and is polled until ready.
 */
async function uploadImage(ctx: Ctx, item: MediaItem, creds: Credentials, signal: AbortSignal): Promise<string> {
  const file = await openMedia(ctx.http, item, signal, IMAGE_MAX_BYTES);
  const base = instanceOf(ctx, creds);
  const { id, status, url } = await postMedia(ctx, base, creds, file, signal);
  if (status === 202 || url === null) await namingFile('mastodon', file.filename, () => waitForMedia(ctx, base, id, creds, signal));
  return id;
}

/** POST /api/v2/media: the file streamed as the multipart `file`, its alt text as `description`; the new attachment's id. */
async function postMedia(
  ctx: Ctx,
  base: string,
  creds: Credentials,
  file: Parameters<typeof multipartBody>[2] & { alt?: string | undefined },
  signal: AbortSignal,
): Promise<{ id: string; status: number; url: unknown }> {
  const form = multipartBody({ description: file.alt || undefined }, 'file', file);
  const secrets = [creds.accessToken];
  const { res, json } = await namingFile('mastodon', file.filename, () =>
    callMastodon(ctx, {
      method: 'POST',
      url: `${base}/api/v2/media`,
      headers: { ...bearer(creds), 'content-type': form.contentType, 'content-length': String(form.length) },
      body: form.body,
      signal,
      what: `upload ${file.filename}`,
      secrets,
    }),
  );
  const id = str(json.id);
  if (!id) throw makeError('mastodon', secrets, { errorClass: 'transient', status: res.status, message: 'Mastodon upload media: answer without a media id' });
  return { id, status: res.status, url: json.url };
}

/** 202 means the server still processes the file: poll GET /api/v1/media/:id (206 while processing, 200 with url when done). */
async function waitForMedia(ctx: Ctx, base: string, id: string, creds: Credentials, signal: AbortSignal): Promise<void> {
  const url = `${base}/api/v1/media/${encodeURIComponent(id)}`;
  for (let poll = 0; poll < MAX_MEDIA_POLLS; poll++) {
    await pause('mastodon', ctx.options.mediaPollMs ?? 1000, signal);
    const { res, json } = await callMastodon(ctx, { method: 'GET', url, headers: bearer(creds), signal, what: 'media status', secrets: [creds.accessToken] });
    if (res.status === 200 && typeof json.url === 'string') return;
  }
  throw makeError('mastodon', [], { errorClass: 'transient', message: 'Mastodon media still processing' });
}

/** Mastodon transcodes every video: polls from 2 s to 15 s, 5 minutes in one attempt. */
const MASTODON_VIDEO_WAIT: ProcessingWait = { firstMs: 2_000, maxMs: 15_000, budgetMs: 5 * 60_000 };

/**
 * POST /api/v2/media with the video streamed from the store as the multipart `file` (the alt text as
 * `description`): 202 with url null while the instance transcodes, then GET /api/v1/media/:id until
 * 200 with a url (206 meanwhile; 422 is the instance's processing failure, permanent). The attachment
 * id is kept in the checkpoint, so an attempt after a crash polls the same attachment instead of
 * uploading again; one the instance no longer knows (404) is uploaded anew.
 */
async function uploadVideo(ctx: Ctx, upload: VideoUpload, creds: Credentials, signal: AbortSignal): Promise<string> {
  const file = upload.file;
  const cp = checkpointOf<{ mediaId: string }>(upload.checkpoint);
  const base = instanceOf(ctx, creds);
  const secrets = [creds.accessToken];
  let id = (await cp.load()).mediaId;
  if (id === undefined) {
    const created = await postMedia(ctx, base, creds, { ...file, open: () => file.read() }, signal);
    await cp.save({ mediaId: created.id });
    if (created.status === 200 && typeof created.url === 'string') return created.id;
    id = created.id;
  }
  const mediaId = id;
  const url = `${base}/api/v1/media/${encodeURIComponent(mediaId)}`;
  return waitForProcessing<string>('mastodon', 'Mastodon', ctx.options.videoWait ?? MASTODON_VIDEO_WAIT, signal, async () => {
    try {
      const { res, json } = await callMastodon(ctx, { method: 'GET', url, headers: bearer(creds), signal, what: 'video status', secrets });
      if (res.status === 200 && typeof json.url === 'string') return { done: true, value: mediaId };
      return { done: false };
    } catch (error) {
      if (error instanceof NetworkError && error.status === 422) throw processingFailed('mastodon', 'Mastodon', error.networkMessage);
      if (error instanceof NetworkError && error.status === 404) {
        await cp.clear();
        throw makeError('mastodon', secrets, {
          errorClass: 'transient',
          status: 404,
          message: 'Mastodon no longer knows the uploaded video; it is uploaded again',
        });
      }
      throw error;
    }
  });
}

/** Pages of 40 read at most while looking back to `since`. */
const MAX_PAGES = 10;

async function recentPosts(ctx: Ctx, creds: Credentials, since: Date, signal: AbortSignal): Promise<RecentPost[]> {
  const posts: RecentPost[] = [];
  let maxId: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const url = `${instanceOf(ctx, creds)}/api/v1/accounts/${encodeURIComponent(creds.accountId)}/statuses?limit=40&exclude_reblogs=true${maxId ? `&max_id=${encodeURIComponent(maxId)}` : ''}`;
    const call: HttpCall = { method: 'GET', url, headers: bearer(creds), signal, what: 'list recent posts', secrets: [creds.accessToken] };
    const res = await send(ctx.http, call);
    if (res.status !== 200) throw mastodonError(res, call);
    const list = parseJson(res.body);
    const statuses = (Array.isArray(list) ? list : []).map(asRecord);
    let reachedSince = statuses.length === 0;
    for (const status of statuses) {
      const id = str(status.id);
      const createdAt = new Date(str(status.created_at) ?? Number.NaN);
      if (!id || Number.isNaN(createdAt.getTime())) continue;
      if (createdAt < since) reachedSince = true;
      else posts.push({ externalId: id, url: str(status.url) ?? str(status.uri) ?? '', text: htmlToText(str(status.content) ?? ''), createdAt });
      maxId = id;
    }
    if (reachedSince) break;
  }
  return posts;
}

/** Mastodon returns HTML content: paragraphs, <br>, links with hidden spans. Back to the plain text we posted. */
export function htmlToText(html: string): string {
  return html
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/p>\s*<p[^>]*>/gi, '\n\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_, entity: string) => decodeEntity(entity));
}

function decodeEntity(entity: string): string {
  const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
  const lower = entity.toLowerCase();
  if (lower.startsWith('#x')) return String.fromCodePoint(Number.parseInt(lower.slice(2), 16));
  if (lower.startsWith('#')) return String.fromCodePoint(Number.parseInt(lower.slice(1), 10));
  return named[lower] ?? `&${entity};`;
}

function classify(status: number, message: string | undefined): ErrorClass {
  if (status === 401) return 'auth';
  if (status === 403 && /outside the authorized scopes/i.test(message ?? '')) return 'auth';
  if (status === 429) return 'rate_limited';
  if (status === 408 || status >= 500) return 'transient';
  return 'permanent';
}

/** Maps a Mastodon error answer: `{error}` or OAuth `{error, error_description}`; 5xx pages may be HTML. */
export function mastodonError(res: HttpResponse, call: HttpCall) {
  const json = asRecord(parseJson(res.body));
  const description = str(json.error_description);
  const networkMessage = description ?? str(json.error);
  const errorClass = classify(res.status, networkMessage);
  const reset = header(res, 'x-ratelimit-reset');
  const retryAt = errorClass === 'rate_limited' && reset ? new Date(reset) : undefined;
  return makeError('mastodon', call.secrets, {
    errorClass,
    status: res.status,
    message: `Mastodon ${call.what} failed: HTTP ${res.status}${networkMessage ? ` (${networkMessage})` : ''}`,
    networkCode: description ? str(json.error) : undefined,
    networkMessage,
    requestId: header(res, 'x-request-id'),
    retryAt: retryAt && !Number.isNaN(retryAt.getTime()) ? retryAt : undefined,
  });
}
