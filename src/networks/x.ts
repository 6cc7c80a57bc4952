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
  header,
  makeError,
  multipartBody,
  namingFile,
  openMedia,
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
import { checkpointOf, processingFailed, type ProcessingWait, readSegment, segmentRanges, waitForProcessing as waitForVideo } from './video-upload.ts';
import { xMetrics } from './x-metrics.ts';

/** X (API v2): POST /2/tweets, threads by reply.in_reply_to_tweet_id, media via /2/media/upload, OAuth 2.0 refresh. */

export interface XAdapterOptions {
  baseUrl?: string;
  dispatcher?: Dispatcher;
  timeoutMs?: number;
  /** OAuth 2.0 client id (needed for refresh) and, for confidential clients, its secret (sent as basic auth). */
  clientId?: string;
  clientSecret?: string;
  now?: () => Date;
  /** How long one attempt waits for X to process a video (default: polls from 1 s to 15 s, 5 minutes in all). */
  videoWait?: ProcessingWait;
  /** Bytes per APPEND (default X_VIDEO_SEGMENT_BYTES); tests cut small videos in many segments. */
  videoSegmentBytes?: number;
}

const IMAGE_MAX_BYTES = 5 * 1024 * 1024;
const MAX_STATUS_POLLS = 20;

interface Ctx {
  base: string;
  http: HttpOptions;
  options: XAdapterOptions;
}

export function createXAdapter(options: XAdapterOptions = {}): NetworkAdapter {
  const ctx: Ctx = {
    base: (options.baseUrl ?? 'https://api.x.com').replace(/\/+$/, ''),
    http: { network: 'x', dispatcher: options.dispatcher, timeoutMs: options.timeoutMs ?? 30_000 },
    options,
  };
  return {
    network: 'x',
    publish: (req, creds) =>
      publishThread(
        'x',
        req,
        () => (req.video ? uploadVideo(ctx, req.video, creds, req.signal).then((id) => [id]) : uploadAll(ctx, req.media, creds, req.signal)),
        (part) => postPart(ctx, part, creds, req.signal),
      ),
    recentPosts: (creds, since, signal) => recentPosts(ctx, creds, since, signal),
    refresh: (creds, signal) => refresh(ctx, creds, signal),
    verify: (creds, signal) => verify(ctx, creds, signal),
    metrics: (creds, ids, signal) => xMetrics({ base: ctx.base, http: ctx.http, error: xError }, creds, ids, signal),
  };
}

/** GET /2/users/me: who the token belongs to. */
async function verify(ctx: Ctx, creds: Credentials, signal: AbortSignal): Promise<AccountIdentity> {
  const { json } = await callX(ctx, {
    method: 'GET',
    url: `${ctx.base}/2/users/me`,
    headers: bearer(creds),
    signal,
    what: 'verify token',
    secrets: secretsOf(creds),
  });
  const data = asRecord(json.data);
  const id = str(data.id) ?? '';
  return { accountId: id, name: str(data.username) ? `@${str(data.username)}` : (str(data.name) ?? id) };
}

export function xPostUrl(id: string): string {
  return `https://x.com/i/web/status/${id}`;
}

async function callX(ctx: Ctx, call: HttpCall): Promise<{ res: HttpResponse; json: Record<string, unknown> }> {
  const res = await send(ctx.http, call);
  if (res.status >= 200 && res.status < 300) return { res, json: asRecord(parseJson(res.body)) };
  throw xError(res, call);
}

function bearer(creds: Credentials): Record<string, string> {
  return { authorization: `Bearer ${creds.accessToken}` };
}

function secretsOf(creds: Credentials, ctx?: Ctx): string[] {
  return [creds.accessToken, creds.refreshToken ?? '', ctx?.options.clientSecret ?? ''];
}

async function postPart(ctx: Ctx, part: PartToPost, creds: Credentials, signal: AbortSignal): Promise<PublishedPart> {
  const body: Record<string, unknown> = { text: part.text };
  if (part.replyTo) body.reply = { in_reply_to_tweet_id: part.replyTo };
  if (part.mediaIds.length > 0) body.media = { media_ids: part.mediaIds };
  const call: HttpCall = {
    method: 'POST',
    url: `${ctx.base}/2/tweets`,
    headers: { ...bearer(creds), 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal,
    creates: true,
    what: 'create post',
    secrets: secretsOf(creds),
  };
  const { res, json } = await callX(ctx, call);
  const id = str(asRecord(json.data).id);
  if (!id) {
    throw makeError('x', call.secrets, { errorClass: 'unknown_outcome', status: res.status, message: 'X create post: answer without a post id' });
  }
  return { position: part.position, externalId: id, url: xPostUrl(id) };
}

async function uploadAll(ctx: Ctx, media: MediaItem[], creds: Credentials, signal: AbortSignal): Promise<string[]> {
  const ids: string[] = [];
  for (const item of media) ids.push(await uploadImage(ctx, item, creds, signal));
  return ids;
}

/**
 * Simple upload (POST /2/media/upload, multipart `media` + `media_category`): the file goes to X as it
 * streams from the store, never whole in memory (a typed link is downloaded whole first, at most 5 MB).
 * Alt text follows through POST /2/media/metadata (at most 1,000 characters).
 */
async function uploadImage(ctx: Ctx, item: MediaItem, creds: Credentials, signal: AbortSignal): Promise<string> {
  const file = await openMedia(ctx.http, item, signal, IMAGE_MAX_BYTES);
  const category = file.contentType === 'image/gif' && (file.animated || !item.stored) ? 'tweet_gif' : 'tweet_image';
  const form = multipartBody({ media_category: category }, 'media', file);
  const secrets = secretsOf(creds);
  const what = `upload ${file.filename}`;
  const { json } = await namingFile('x', file.filename, () =>
    callX(ctx, {
      method: 'POST',
      url: `${ctx.base}/2/media/upload`,
      headers: { ...bearer(creds), 'content-type': form.contentType, 'content-length': String(form.length) },
      body: form.body,
      signal,
      what,
      secrets,
    }),
  );
  const data = asRecord(json.data);
  const id = str(data.id);
  if (!id) throw makeError('x', secrets, { errorClass: 'transient', message: 'X upload media: answer without a media id' });
  await namingFile('x', file.filename, () => waitForProcessing(ctx, id, asRecord(data.processing_info), creds, signal));
  if (item.alt) {
    const body = JSON.stringify({ id, metadata: { alt_text: { text: item.alt.slice(0, 1000) } } });
    const headers = { ...bearer(creds), 'content-type': 'application/json' };
    await callX(ctx, { method: 'POST', url: `${ctx.base}/2/media/metadata`, headers, body, signal, what: 'set alt text', secrets });
  }
  return id;
}

/** GIFs (and video) may need server-side processing before they can be attached. */
async function waitForProcessing(ctx: Ctx, id: string, info: Record<string, unknown>, creds: Credentials, signal: AbortSignal) {
  let current = info;
  for (let poll = 0; poll <= MAX_STATUS_POLLS; poll++) {
    const state = str(current.state);
    if (state === undefined || state === 'succeeded') return;
    if (state === 'failed') {
      throw makeError('x', [], { errorClass: 'permanent', message: 'X could not process the media', networkCode: 'media_processing_failed' });
    }
    const after = typeof current.check_after_secs === 'number' ? current.check_after_secs : 1;
    await pause('x', Math.min(after, 10) * 1000, signal);
    const url = `${ctx.base}/2/media/upload?command=STATUS&media_id=${encodeURIComponent(id)}`;
    const { json } = await callX(ctx, { method: 'GET', url, headers: bearer(creds), signal, what: 'media status', secrets: secretsOf(creds) });
    current = asRecord(asRecord(json.data).processing_info);
  }
  throw makeError('x', [], { errorClass: 'transient', message: 'X media still processing' });
}

/**
 * X's documented segment limit is not published (its quickstart uses 1 MiB; v1.1 took up to 5 MB): 4 MiB
 * keeps a 512 MB video within the 1,000 segment indexes and memory at one segment.
 */
export const X_VIDEO_SEGMENT_BYTES = 4 * 1024 * 1024;
const X_VIDEO_WAIT: ProcessingWait = { firstMs: 1_000, maxMs: 15_000, budgetMs: 5 * 60_000 };
/** A segment answered 5xx is sent again in place (APPEND of the same index replaces it) this many times. */
const SEGMENT_TRIES = 3;

/** How far a video upload got, kept per delivery: the media id (valid 24 h), the next segment, finalized. */
type XVideoCheckpoint = { mediaId: string; expiresAt: number; next: number; finalized: boolean };

/**
 * X's chunked upload from the store (initialize, append in segments, finalize, STATUS until succeeded),
 * resumable: a crash after segment n resumes at n+1 with the same media id; a finalized upload is only
 * polled again; an expired or forgotten upload session starts over once.
 */
async function uploadVideo(ctx: Ctx, upload: VideoUpload, creds: Credentials, signal: AbortSignal): Promise<string> {
  const file = upload.file;
  const cp = checkpointOf<XVideoCheckpoint>(upload.checkpoint);
  const secrets = secretsOf(creds);
  const wait = ctx.options.videoWait ?? X_VIDEO_WAIT;
  let state = await cp.load();
  if (state.mediaId && (state.expiresAt ?? 0) <= Date.now() + 60_000) {
    await cp.clear();
    state = {};
  }
  for (let round = 0; ; round++) {
    try {
      let mediaId = state.mediaId;
      if (!mediaId) {
        const body = JSON.stringify({ media_type: file.contentType, total_bytes: file.bytes, media_category: 'tweet_video' });
        const headers = { ...bearer(creds), 'content-type': 'application/json' };
        const { json } = await callX(ctx, {
          method: 'POST',
          url: `${ctx.base}/2/media/upload/initialize`,
          headers,
          body,
          signal,
          what: 'start video upload',
          secrets,
        });
        const data = asRecord(json.data);
        mediaId = str(data.id);
        if (!mediaId) throw makeError('x', secrets, { errorClass: 'transient', message: 'X start video upload: answer without a media id' });
        const expires = typeof data.expires_after_secs === 'number' ? data.expires_after_secs : 86_400;
        state = { mediaId, expiresAt: Date.now() + expires * 1000, next: 0, finalized: false };
        await cp.save(state);
      }
      // What finalize said; after a resumed finalize, STATUS is asked first.
      let info: Record<string, unknown> | undefined;
      if (!state.finalized) {
        const size = ctx.options.videoSegmentBytes ?? X_VIDEO_SEGMENT_BYTES;
        // One buffer for every segment of this upload: each APPEND is answered before the next is read.
        const buffer = Buffer.allocUnsafe(Math.min(size, file.bytes));
        for (const range of segmentRanges(file.bytes, size).slice(state.next ?? 0)) {
          await appendSegment(ctx, mediaId, range, file, creds, signal, wait, buffer);
          await cp.save({ next: range.index + 1 });
        }
        const url = `${ctx.base}/2/media/upload/${encodeURIComponent(mediaId)}/finalize`;
        const { json } = await callX(ctx, { method: 'POST', url, headers: bearer(creds), signal, what: 'finish video upload', secrets });
        info = asRecord(asRecord(json.data).processing_info);
        await cp.save({ finalized: true });
      }
      const id = mediaId;
      await waitForVideo('x', 'X', wait, signal, async () => {
        const current = info ?? (await mediaStatus(ctx, id, creds, signal));
        info = undefined;
        const phase = str(current.state);
        if (phase === undefined || phase === 'succeeded') return { done: true, value: id };
        if (phase === 'failed') {
          const error = asRecord(current.error);
          throw processingFailed('x', 'X', str(error.message) ?? str(error.name), str(error.name));
        }
        return { done: false, afterMs: typeof current.check_after_secs === 'number' ? current.check_after_secs * 1000 : undefined };
      });
      if (file.alt) await setAltText(ctx, id, file.alt, creds, signal);
      return id;
    } catch (error) {
      // X forgets an upload session after it expires: start over once with a new one.
      if (round === 0 && error instanceof NetworkError && error.status === 400 && /expired|invalid media_id/i.test(error.networkMessage ?? '')) {
        await cp.clear();
        state = {};
        continue;
      }
      throw error;
    }
  }
}

/** One segment, sent again in place after a 5xx or a connection failure (APPEND of the same index replaces it). */
async function appendSegment(
  ctx: Ctx,
  mediaId: string,
  range: { index: number; start: number; end: number },
  file: VideoUpload['file'],
  creds: Credentials,
  signal: AbortSignal,
  wait: ProcessingWait,
  buffer: Buffer,
): Promise<void> {
  const segment = await readSegment(file, range.start, range.end, buffer);
  const url = `${ctx.base}/2/media/upload/${encodeURIComponent(mediaId)}/append`;
  for (let attempt = 1; ; attempt++) {
    const form = multipartBody({ segment_index: String(range.index) }, 'media', {
      filename: 'blob',
      contentType: 'application/octet-stream',
      bytes: segment.length,
      open: async function* () {
        yield segment;
      },
    });
    const headers = { ...bearer(creds), 'content-type': form.contentType, 'content-length': String(form.length) };
    try {
      await callX(ctx, {
        method: 'POST',
        url,
        headers,
        body: form.body,
        signal,
        what: `upload video segment ${range.index}`,
        secrets: secretsOf(creds),
      });
      return;
    } catch (error) {
      if (!(error instanceof NetworkError) || error.errorClass !== 'transient' || attempt >= SEGMENT_TRIES || signal.aborted) throw error;
      await pause('x', wait.firstMs * attempt, signal);
    }
  }
}

async function mediaStatus(ctx: Ctx, id: string, creds: Credentials, signal: AbortSignal): Promise<Record<string, unknown>> {
  const url = `${ctx.base}/2/media/upload?command=STATUS&media_id=${encodeURIComponent(id)}`;
  const { json } = await callX(ctx, { method: 'GET', url, headers: bearer(creds), signal, what: 'video status', secrets: secretsOf(creds) });
  return asRecord(asRecord(json.data).processing_info);
}

async function setAltText(ctx: Ctx, id: string, alt: string, creds: Credentials, signal: AbortSignal): Promise<void> {
  const body = JSON.stringify({ id, metadata: { alt_text: { text: alt.slice(0, 1000) } } });
  const headers = { ...bearer(creds), 'content-type': 'application/json' };
  await callX(ctx, { method: 'POST', url: `${ctx.base}/2/media/metadata`, headers, body, signal, what: 'set alt text', secrets: secretsOf(creds) });
}

/** Pages read at most: 1,000 posts since the attempt, far more than one account publishes meanwhile. */
const MAX_PAGES = 10;

async function recentPosts(ctx: Ctx, creds: Credentials, since: Date, signal: AbortSignal): Promise<RecentPost[]> {
  const posts: RecentPost[] = [];
  let token: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const { json } = await callX(ctx, listCall(ctx, creds, since, signal, token));
    for (const post of (Array.isArray(json.data) ? json.data : []).map(asRecord)) {
      const id = str(post.id);
      if (!id) continue;
      const createdAt = str(post.created_at) ? new Date(str(post.created_at)!) : since;
      posts.push({ externalId: id, url: xPostUrl(id), text: decodeEntities(str(post.text) ?? ''), createdAt });
    }
    token = str(asRecord(json.meta).next_token);
    if (!token) break;
  }
  return posts;
}

function listCall(ctx: Ctx, creds: Credentials, since: Date, signal: AbortSignal, token: string | undefined): HttpCall {
  const url = new URL(`${ctx.base}/2/users/${encodeURIComponent(creds.accountId)}/tweets`);
  url.searchParams.set('max_results', '100');
  url.searchParams.set('start_time', new Date(Math.floor(since.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z'));
  url.searchParams.set('tweet.fields', 'created_at');
  if (token) url.searchParams.set('pagination_token', token);
  return { method: 'GET', url: url.toString(), headers: bearer(creds), signal, what: 'list recent posts', secrets: secretsOf(creds) };
}

/** X returns post text with &, < and > HTML-escaped. */
function decodeEntities(text: string): string {
  return text.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');
}

async function refresh(ctx: Ctx, creds: Credentials, signal: AbortSignal): Promise<Credentials> {
  const { clientId, clientSecret } = ctx.options;
  const secrets = secretsOf(creds, ctx);
  if (!creds.refreshToken) throw makeError('x', secrets, { errorClass: 'auth', message: 'X account has no refresh token: reconnect it' });
  if (!clientId) throw makeError('x', secrets, { errorClass: 'permanent', message: 'X client id is not configured' });
  const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: creds.refreshToken, client_id: clientId });
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (clientSecret) headers.authorization = `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`;
  const call: HttpCall = { method: 'POST', url: `${ctx.base}/2/oauth2/token`, headers, body: form.toString(), signal, what: 'refresh token', secrets };
  const res = await send(ctx.http, call);
  if (res.status !== 200) throw tokenError(res, call);
  const json = asRecord(parseJson(res.body));
  const accessToken = str(json.access_token);
  if (!accessToken) throw makeError('x', secrets, { errorClass: 'transient', status: res.status, message: 'X refresh: answer without an access token' });
  const expiresIn = typeof json.expires_in === 'number' ? json.expires_in : undefined;
  const now = (ctx.options.now ?? (() => new Date()))();
  return {
    ...creds,
    accessToken,
    refreshToken: str(json.refresh_token) ?? creds.refreshToken,
    expiresAt: expiresIn === undefined ? undefined : new Date(now.getTime() + expiresIn * 1000),
  };
}

/** Token endpoint: a refused refresh token (400) needs a reconnect; refused client credentials (401) are our config. */
function tokenError(res: HttpResponse, call: HttpCall) {
  if (res.status !== 400 && res.status !== 401) return xError(res, call);
  const err = xError(res, call);
  return makeError('x', call.secrets, {
    errorClass: res.status === 400 ? 'auth' : 'permanent',
    message: err.message,
    status: res.status,
    networkCode: err.networkCode,
    networkMessage: err.networkMessage,
    requestId: err.requestId,
  });
}

function classify(status: number): ErrorClass {
  if (status === 401) return 'auth';
  if (status === 429) return 'rate_limited';
  if (status === 408 || status >= 500) return 'transient';
  return 'permanent';
}

/** Maps an X error answer: problem JSON `{title, detail, type, status}`, legacy `{errors:[{code,message}]}`, OAuth `{error}`. */
export function xError(res: HttpResponse, call: HttpCall) {
  const json = asRecord(parseJson(res.body));
  const legacy = asRecord(Array.isArray(json.errors) ? json.errors[0] : undefined);
  const detail = str(json.detail) ?? str(legacy.message) ?? str(json.error_description) ?? str(json.title);
  const type = str(json.type);
  const duplicate = res.status === 403 && /duplicate content/i.test(detail ?? '');
  const networkCode = duplicate
    ? 'duplicate'
    : legacy.code !== undefined
      ? String(legacy.code)
      : type && type !== 'about:blank'
        ? type
        : (str(json.error) ?? str(json.title));
  const errorClass = classify(res.status);
  return makeError('x', call.secrets, {
    errorClass,
    status: res.status,
    message: `X ${call.what} failed: HTTP ${res.status}${detail ? ` (${detail})` : ''}`,
    networkCode,
    networkMessage: detail,
    requestId: header(res, 'x-transaction-id') ?? header(res, 'x-request-id'),
    retryAt: errorClass === 'rate_limited' ? resetAt(res) : undefined,
  });
}

/** The latest reset among exhausted windows (15-minute, per-user 24 h, per-app 24 h); else the 15-minute one. */
function resetAt(res: HttpResponse): Date | undefined {
  let best: number | undefined;
  for (const prefix of ['x-user-limit-24hour', 'x-app-limit-24hour', 'x-rate-limit']) {
    const reset = Number(header(res, `${prefix}-reset`));
    if (!Number.isFinite(reset) || reset <= 0) continue;
    const exhausted = header(res, `${prefix}-remaining`) === '0';
    if (exhausted || (prefix === 'x-rate-limit' && best === undefined)) best = Math.max(best ?? 0, reset);
  }
  return best === undefined ? undefined : new Date(best * 1000);
}
