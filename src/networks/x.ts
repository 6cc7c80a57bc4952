import type { Dispatcher } from 'undici';
import type { AccountIdentity, Credentials, ErrorClass, MediaItem, NetworkAdapter, PublishedPart, RecentPost } from './adapter.ts';
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
        () => uploadAll(ctx, req.media, creds, req.signal),
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
