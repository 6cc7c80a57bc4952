import type { Dispatcher } from 'undici';
import type { AccountIdentity, Credentials, ErrorClass, RecentPost, VideoUpload } from './adapter.ts';
import { asRecord, header, makeError, parseJson, pause, send, str, type HttpCall, type HttpOptions, type HttpResponse } from './http.ts';
import { checkpointOf, processingFailed, type ProcessingWait, waitForProcessing } from './video-upload.ts';

/**
 * Shared plumbing for Meta's Graph API networks (Facebook Pages, Instagram, Threads): calls, the
 * `{error:{message,type,code,error_subcode,is_transient,fbtrace_id}}` classification, usage headers,
 * media container polling (video containers too), permalinks, recent posts and long-lived token refresh.
 */

export type GraphNetwork = 'facebook' | 'instagram' | 'threads';

export interface GraphAdapterOptions {
  /** Host, e.g. https://graph.facebook.com (the version is added). */
  baseUrl?: string;
  /** Path version, e.g. v24.0 (Threads: v1.0). */
  version?: string;
  dispatcher?: Dispatcher;
  timeoutMs?: number;
  now?: () => Date;
  /** Wait after a throttling error that carries no estimated_time_to_regain_access (default 1 h, Meta's rolling window). */
  rateLimitWaitMs?: number;
  /** Media containers: wait between status polls, and how many polls before giving up (transient). */
  pollMs?: number;
  maxPolls?: number;
}

export interface GraphCtx {
  network: GraphNetwork;
  label: string;
  root: string;
  base: string;
  http: HttpOptions;
  /** Where the access token goes: `Authorization: Bearer` or the `access_token` parameter. */
  tokenIn: 'header' | 'param';
  now: () => Date;
  rateLimitWaitMs: number;
  pollMs: number;
  maxPolls: number;
}

export function graphContext(
  network: GraphNetwork,
  label: string,
  defaults: { baseUrl: string; version: string; tokenIn: 'header' | 'param' },
  options: GraphAdapterOptions,
): GraphCtx {
  const root = (options.baseUrl ?? defaults.baseUrl).replace(/\/+$/, '');
  return {
    network,
    label,
    root,
    base: `${root}/${options.version ?? defaults.version}`,
    http: { network, dispatcher: options.dispatcher, timeoutMs: options.timeoutMs ?? 30_000 },
    tokenIn: defaults.tokenIn,
    now: options.now ?? (() => new Date()),
    rateLimitWaitMs: options.rateLimitWaitMs ?? 3_600_000,
    pollMs: options.pollMs ?? 2000,
    maxPolls: options.maxPolls ?? 30,
  };
}

export interface GraphRequest {
  method: 'GET' | 'POST';
  /** Path after the version, e.g. "/123/feed". */
  path: string;
  params?: Record<string, string | undefined>;
  what: string;
  creates?: boolean;
  signal: AbortSignal;
}

export const secretsOf = (creds: Credentials) => [creds.accessToken, creds.refreshToken ?? ''];

/** One Graph call: parameters as query (GET) or form body (POST); resolves with the JSON object of a 2xx answer. */
export async function graphCall(ctx: GraphCtx, creds: Credentials, r: GraphRequest): Promise<Record<string, unknown>> {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(r.params ?? {})) if (v !== undefined) params.set(k, v);
  if (ctx.tokenIn === 'param') params.set('access_token', creds.accessToken);
  const headers: Record<string, string> = ctx.tokenIn === 'header' ? { authorization: `Bearer ${creds.accessToken}` } : {};
  const query = r.method === 'GET' && params.size > 0 ? `?${params}` : '';
  if (r.method === 'POST') headers['content-type'] = 'application/x-www-form-urlencoded';
  const call: HttpCall = {
    method: r.method,
    url: `${ctx.base}${r.path}${query}`,
    headers,
    body: r.method === 'POST' ? params.toString() : undefined,
    signal: r.signal,
    creates: r.creates,
    what: r.what,
    secrets: secretsOf(creds),
  };
  const res = await send(ctx.http, call);
  const json = asRecord(parseJson(res.body));
  if (res.status >= 200 && res.status < 300 && json.error === undefined) return json;
  throw graphError(ctx, res, call);
}

/*
 * Graph error codes, from Meta's "Handling Errors" guide
 * (https://developers.facebook.com/docs/graph-api/guides/error-handling), its rate-limiting overview
 * (https://developers.facebook.com/docs/graph-api/overview/rate-limiting) and the Instagram error codes
 * (https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/error-codes):
 * - auth, the account needs a reconnect: 190 is the token invalid, expired or revoked; 102 "API Session"
 *   means, without a subcode, "the login status or access token has expired, been revoked, or is otherwise
 *   invalid: get a new access token"; 10 and 200-299 are permissions not granted or since removed, which
 *   only a new sign-in granting them again can fix (the guide's "Permissions: 10, 200-299").
 * - rate_limited: 4 app limit, 17 user limit, 32 Page limit, 613 call rate, 341 app limit reached,
 *   80001 Pages business use case limit (the guide's "Throttling"); 9 and 80002 (Instagram's business use
 *   case limit) are not in the guide and stay throttling codes as first written. They wait for the usage
 *   headers' estimated_time_to_regain_access, which only the business use case header carries: the app
 *   and user limits (4, 17) report percentages in X-App-Usage, so they wait the default.
 * - transient: 1 "API Unknown" ("possibly a temporary issue due to downtime: wait and retry") and 2 "API
 *   Service" ("temporary issue due to downtime: wait and retry"); any answer whose `is_transient` is true
 *   (the error shape's own flag, §3.5/§3.6), and the Instagram subcodes that say to retry with a new
 *   container (§3.6: 2207001, 2207003, 2207032).
 * Everything else (100 bad parameter, 368 blocked, 506 duplicate, 1609005 link) is permanent: the same
 * request would fail again.
 */
const AUTH_CODES = new Set([190, 102, 10]);
const RATE_CODES = new Set([4, 9, 17, 32, 341, 613, 80001, 80002]);
const TRANSIENT_CODES = new Set([1, 2]);
/** Instagram: server/creation failure and media download timeout: retry with a new container. */
export const TRANSIENT_SUBCODES = new Set([2207001, 2207003, 2207032]);

export function classifyGraph(status: number, code: number | undefined, subcode: number | undefined, isTransient: boolean): ErrorClass {
  if (code === undefined) {
    if (status === 401) return 'auth';
    if (status === 429) return 'rate_limited';
    return status === 408 || status >= 500 ? 'transient' : 'permanent';
  }
  if (AUTH_CODES.has(code) || (code >= 200 && code <= 299)) return 'auth';
  if (RATE_CODES.has(code) || subcode === 2207042) return 'rate_limited';
  if (TRANSIENT_CODES.has(code) || isTransient || (subcode !== undefined && TRANSIENT_SUBCODES.has(subcode)) || status >= 500) return 'transient';
  return 'permanent';
}

/** Maps a Graph error answer (any HTTP status: Graph errors are usually 400; do not key on it). */
export function graphError(ctx: GraphCtx, res: HttpResponse, call: HttpCall) {
  const error = asRecord(asRecord(parseJson(res.body)).error);
  const code = typeof error.code === 'number' ? error.code : undefined;
  const subcode = typeof error.error_subcode === 'number' ? error.error_subcode : undefined;
  const message = str(error.message);
  const userMessage = str(error.error_user_msg);
  const errorClass = classifyGraph(res.status, code, subcode, error.is_transient === true);
  const words = userMessage && message ? `${message} ${userMessage}` : (message ?? userMessage);
  return makeError(ctx.network, call.secrets, {
    errorClass,
    status: res.status,
    message: `${ctx.label} ${call.what} failed: HTTP ${res.status}${words ? ` (${words})` : ''}`,
    networkCode: code === undefined ? undefined : subcode === undefined ? String(code) : `${code}/${subcode}`,
    networkMessage: words,
    requestId: str(error.fbtrace_id) ?? header(res, 'x-fb-trace-id'),
    retryAt: errorClass === 'rate_limited' ? graphRetryAt(res, ctx.now(), ctx.rateLimitWaitMs) : undefined,
  });
}

const USAGE_HEADERS = ['x-business-use-case-usage', 'x-app-usage', 'x-page-usage', 'x-ad-account-usage'];

/** The latest `estimated_time_to_regain_access` (minutes) in the usage headers; else `now + fallbackMs`. */
export function graphRetryAt(res: HttpResponse, now: Date, fallbackMs: number): Date {
  let minutes = 0;
  const walk = (value: unknown, depth: number): void => {
    if (depth > 3 || typeof value !== 'object' || value === null) return;
    const wait = (value as Record<string, unknown>).estimated_time_to_regain_access;
    if (typeof wait === 'number') minutes = Math.max(minutes, wait);
    for (const inner of Object.values(value)) walk(inner, depth + 1);
  };
  for (const name of USAGE_HEADERS) walk(parseJson(Buffer.from(header(res, name) ?? '')), 0);
  return new Date(now.getTime() + (minutes > 0 ? minutes * 60_000 : fallbackMs));
}

/** Graph timestamps look like "2026-11-23T08:47:16+0000". */
export function parseGraphTime(value: unknown): Date | undefined {
  if (typeof value !== 'string') return undefined;
  const date = new Date(value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/**
 * Where a container says its state: Instagram in `status_code` (with its words in `status`), Threads in
 * `status` (with its words in `error_message`).
 */
type StatusField = 'status_code' | 'status';
const CONTAINER_STATUS = {
  status_code: { fields: 'status_code,status', detail: 'status' },
  status: { fields: 'status,error_message', detail: 'error_message' },
} as const;

/**
 * Polls a media container until FINISHED. ERROR is permanent unless its subcode says "retry with a new
 * container"; EXPIRED is transient; still IN_PROGRESS after `maxPolls` is transient (nothing was published).
 */
export async function waitForContainer(ctx: GraphCtx, creds: Credentials, id: string, field: StatusField, signal: AbortSignal): Promise<void> {
  const { fields, detail } = CONTAINER_STATUS[field];
  for (let poll = 0; ; poll++) {
    const json = await graphCall(ctx, creds, { method: 'GET', path: `/${id}`, params: { fields }, what: 'media container status', signal });
    const state = str(json[field]);
    if (state === 'FINISHED' || state === 'PUBLISHED') return;
    if (state === 'ERROR' || state === 'EXPIRED') throw containerError(ctx, state, str(json[detail]));
    if (poll >= ctx.maxPolls) break;
    await pause(ctx.network, ctx.pollMs, signal);
  }
  throw makeError(ctx.network, [], { errorClass: 'transient', message: `${ctx.label} media is still processing`, networkCode: 'IN_PROGRESS' });
}

function containerError(ctx: GraphCtx, state: string, detail: string | undefined) {
  const subcode = Number(/\b(2\d{6})\b/.exec(detail ?? '')?.[1] ?? Number.NaN);
  const retry = state === 'EXPIRED' || TRANSIENT_SUBCODES.has(subcode);
  return makeError(ctx.network, [], {
    errorClass: retry ? 'transient' : 'permanent',
    message: `${ctx.label} could not process the media${detail ? ` (${detail})` : ''}`,
    networkCode: Number.isNaN(subcode) ? state : `${state}/${subcode}`,
    networkMessage: detail,
  });
}

/** Containers expire 24 hours after they are made: a checkpointed one older than this is made again. */
const CONTAINER_REUSE_MS = 23 * 3_600_000;

/**
 * A video container (an Instagram Reel or Story, a Threads video) from its making to FINISHED; returns
 * its id. The id is the upload's checkpoint: an attempt after a crash polls the same container instead
 * of making a second one (`make` runs only when none is kept, or the one kept is older than
 * CONTAINER_REUSE_MS). Its status is polled with backoff (`wait`): ERROR is permanent with the network's
 * words; EXPIRED is transient and forgets the container, so the next attempt makes a new one; PUBLISHED
 * means the post exists (unknown_outcome: reconciliation finds it).
 */
export async function finishedVideoContainer(
  ctx: GraphCtx,
  creds: Credentials,
  upload: VideoUpload,
  o: { field: StatusField; wait: ProcessingWait; signal: AbortSignal; make: () => Promise<string> },
): Promise<string> {
  const cp = checkpointOf<{ containerId: string; createdAt: number }>(upload.checkpoint);
  let state = await cp.load();
  if (state.containerId && Date.now() - (state.createdAt ?? 0) > CONTAINER_REUSE_MS) {
    await cp.clear();
    state = {};
  }
  let container = state.containerId;
  if (!container) {
    container = await o.make();
    await cp.save({ containerId: container, createdAt: Date.now() });
  }
  const id = container;
  const { fields, detail } = CONTAINER_STATUS[o.field];
  return waitForProcessing<string>(ctx.network, ctx.label, o.wait, o.signal, async () => {
    const json = await graphCall(ctx, creds, { method: 'GET', path: `/${id}`, params: { fields }, what: 'video container status', signal: o.signal });
    const status = str(json[o.field]);
    if (status === 'FINISHED') return { done: true, value: id };
    if (status === 'ERROR') throw processingFailed(ctx.network, ctx.label, str(json[detail]), 'ERROR');
    if (status === 'EXPIRED') {
      await cp.clear();
      throw makeError(ctx.network, [], {
        errorClass: 'transient',
        networkCode: 'EXPIRED',
        message: `${ctx.label} let the video container expire; a new one is made`,
      });
    }
    if (status === 'PUBLISHED') {
      throw makeError(ctx.network, [], {
        errorClass: 'unknown_outcome',
        networkCode: 'PUBLISHED',
        message: `${ctx.label} already published this video container`,
      });
    }
    return { done: false };
  });
}

/** Makes a media container (POST `path` with `params`, the caller's network's own); its id. An answer without one is transient: nothing was published. */
export async function makeContainer(
  ctx: GraphCtx,
  creds: Credentials,
  o: { path: string; what: string; params: Record<string, string | undefined>; signal: AbortSignal },
): Promise<string> {
  const json = await graphCall(ctx, creds, { method: 'POST', path: o.path, params: o.params, what: o.what, signal: o.signal });
  const id = str(json.id);
  if (!id) throw makeError(ctx.network, [], { errorClass: 'transient', message: `${ctx.label} ${o.what}: answer without an id` });
  return id;
}

/**
 * Publishes a finished container (Instagram's media_publish, Threads' threads_publish: `path`) and reads
 * the new post's permalink (`home` when it cannot be read: the post is live either way). An answer
 * without an id is unknown_outcome: the post may exist, and reconciliation looks for it.
 */
export async function publishContainer(
  ctx: GraphCtx,
  creds: Credentials,
  container: string,
  o: { path: string; what: string; idName: string; home: string; signal: AbortSignal },
): Promise<{ externalId: string; url: string }> {
  const json = await graphCall(ctx, creds, { method: 'POST', path: o.path, params: { creation_id: container }, what: o.what, creates: true, signal: o.signal });
  const id = str(json.id);
  if (!id) throw makeError(ctx.network, [], { errorClass: 'unknown_outcome', message: `${ctx.label} ${o.what}: answer without a ${o.idName} id` });
  return { externalId: id, url: await permalinkOf(ctx, creds, id, o.signal, o.home) };
}

/** The post's permalink; the post is already live, so any failure falls back to `fallback` instead of throwing. */
export async function permalinkOf(ctx: GraphCtx, creds: Credentials, id: string, signal: AbortSignal, fallback: string): Promise<string> {
  try {
    const json = await graphCall(ctx, creds, { method: 'GET', path: `/${id}`, params: { fields: 'permalink' }, what: 'read permalink', signal });
    return str(json.permalink) ?? fallback;
  } catch {
    return fallback;
  }
}

export interface ListSpec {
  path: string;
  fields: { text: string; time: string; url: string };
  fallbackUrl: (id: string) => string;
}

/**
 * The cheapest authenticated read (`accounts check`, `doctor`): the account's own object with its id and
 * `nameField`. A token that cannot read it answers 190 or 10/200 (auth) like any other call.
 */
export async function verifyAccount(ctx: GraphCtx, creds: Credentials, nameField: 'name' | 'username', signal: AbortSignal): Promise<AccountIdentity> {
  const json = await graphCall(ctx, creds, {
    method: 'GET',
    path: `/${encodeURIComponent(creds.accountId)}`,
    params: { fields: `id,${nameField}` },
    what: 'verify token',
    signal,
  });
  const id = str(json.id) ?? creds.accountId;
  const name = str(json[nameField]);
  return { accountId: id, name: name ? (nameField === 'username' ? `@${name}` : name) : id };
}

/** Pages a lookup reads at most (of 100, the edges' largest `limit`). */
const RECENT_PAGES = 10;

/**
 * Recent posts from a `{data:[...], paging}` edge, newest first, created at or after `since`. Asks
 * for posts since then (the edges' time-based paging) and follows the `after` cursor while Graph says
 * there is a next page and nothing older was reached: a busy account may post more than a page's
 * worth between an unanswered attempt and its lookup, and a post missed here would be sent again.
 */
export async function listRecent(ctx: GraphCtx, creds: Credentials, spec: ListSpec, since: Date, signal: AbortSignal): Promise<RecentPost[]> {
  const { text, time, url } = spec.fields;
  const found: RecentPost[] = [];
  let after: string | undefined;
  for (let page = 0; page < RECENT_PAGES; page++) {
    const params = { fields: `id,${text},${time},${url}`, limit: '100', since: String(Math.floor(since.getTime() / 1000)), after };
    const json = await graphCall(ctx, creds, { method: 'GET', path: spec.path, params, what: 'list recent posts', signal });
    const posts = (Array.isArray(json.data) ? json.data : []).map(asRecord).map((post) => {
      const id = str(post.id);
      const createdAt = parseGraphTime(post[time]);
      return id && createdAt ? { externalId: id, url: str(post[url]) ?? spec.fallbackUrl(id), text: str(post[text]) ?? '', createdAt } : undefined;
    });
    found.push(...posts.filter((p): p is RecentPost => p !== undefined && p.createdAt >= since));
    const paging = asRecord(json.paging);
    after = str(asRecord(paging.cursors).after);
    const reachedSince = posts.some((p) => p !== undefined && p.createdAt < since);
    if (reachedSince || !str(paging.next) || !after) break;
  }
  return found.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
}

/**
 * Long-lived token refresh (Threads `th_refresh_token`, Instagram Login `ig_refresh_token`):
 * GET <root>/refresh_access_token?grant_type=…&access_token=… → {access_token, token_type, expires_in}.
 */
export async function refreshLongLived(ctx: GraphCtx, creds: Credentials, grantType: string, signal: AbortSignal): Promise<Credentials> {
  const query = new URLSearchParams({ grant_type: grantType, access_token: creds.accessToken });
  const call: HttpCall = { method: 'GET', url: `${ctx.root}/refresh_access_token?${query}`, signal, what: 'refresh token', secrets: secretsOf(creds) };
  const res = await send(ctx.http, call);
  const json = asRecord(parseJson(res.body));
  if (res.status !== 200 || json.error !== undefined) throw graphError(ctx, res, call);
  const accessToken = str(json.access_token);
  if (!accessToken)
    throw makeError(ctx.network, call.secrets, {
      errorClass: 'transient',
      status: res.status,
      message: `${ctx.label} refresh: answer without an access token`,
    });
  const expiresIn = typeof json.expires_in === 'number' ? json.expires_in : undefined;
  return { ...creds, accessToken, expiresAt: expiresIn === undefined ? undefined : new Date(ctx.now().getTime() + expiresIn * 1000) };
}
