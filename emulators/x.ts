import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import twitterText from 'twitter-text';
import { type EmuRequest as Req, imageType, isObject, parseJson, type RateBucket as Bucket, type Reply, randomToken, tinyPng } from './common.ts';
import { engagementBook } from './engagement.ts';
import { xVideoFlow } from './x-video.ts';

/**
 * X API v2 emulator on 127.0.0.1: POST /2/tweets, GET /2/users/:id/tweets, GET /2/users/me, media upload
 * (simple multipart/JSON, STATUS, metadata), OAuth 2.0 authorize (GET /i/oauth2/authorize: the consent screen,
 * answered at once as `consent` says), token and revoke. Problem-JSON errors, x-rate-limit-*
 * headers on every response, duplicate-content 403, scripted faults. Serves a tiny PNG at /media/test.png.
 * Post lookup GET /2/tweets?ids= (up to 100) with public_metrics from seeded synthetic engagement;
 * impression_count only on the requesting user's own posts.
 */

export type FaultKind = '5xx' | '429' | 'timeout_before' | 'timeout_after' | 'revoked' | 'rejected';
export interface Fault {
  kind: FaultKind;
  /** How many matching requests fail (default 1). */
  times?: number;
  /** For 429: seconds until x-rate-limit-reset (default 60). */
  resetInSeconds?: number;
  /** Which requests fail, as "METHOD /path-prefix"; default the create-post call "POST /2/tweets". */
  match?: string;
  /** Let this many matching requests through before failing (e.g. 1: the second part of a thread fails). */
  after?: number;
}
export interface XEmulatorOptions {
  latencyMs?: number;
  /** OAuth client; with a secret the token endpoint demands basic auth. */
  clientId?: string;
  clientSecret?: string;
  /** POST /2/tweets per user per 15 minutes (default 100). */
  postLimit?: number;
  /** Seed of the synthetic engagement GET /2/tweets reports (test/emulators/engagement.ts). */
  metricsSeed?: string;
}
export interface XPostRecord {
  id: string;
  text: string;
  authorId: string;
  replyTo: string | undefined;
  mediaIds: string[];
  createdAt: Date;
}
export interface XMediaRecord {
  id: string;
  authorId: string;
  size: number;
  contentType: string;
  category: string;
  /** sha256 of the bytes received. */
  sha256: string;
  altText?: string;
  /** Set by `failProcessing`: STATUS answers `failed`. */
  failed?: boolean;
}
export interface XRequestRecord {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
}
export interface XTokens {
  accessToken: string;
  refreshToken: string;
  userId: string;
}

const WINDOW_S = 15 * 60;
const POST_KEYS = new Set([
  'text',
  'reply',
  'media',
  'quote_tweet_id',
  'poll',
  'reply_settings',
  'nullcast',
  'geo',
  'card_uri',
  'community_id',
  'direct_message_deep_link',
  'edit_options',
  'for_super_followers_only',
  'made_with_ai',
  'paid_partnership',
  'share_with_followers',
]);
const CATEGORIES = ['tweet_image', 'tweet_video', 'tweet_gif', 'dm_image', 'dm_video', 'dm_gif', 'subtitles'];

const problem = (status: number, title: string, detail: string, type = 'about:blank') => ({ status, body: { title, detail, type, status } });
const invalid = (message: string): Reply => ({
  status: 400,
  body: {
    errors: [{ message }],
    title: 'Invalid Request',
    detail: 'One or more parameters to your request was invalid.',
    type: 'https://api.x.com/2/problems/invalid-request',
  },
});
const unauthorized = () => problem(401, 'Unauthorized', 'Unauthorized');
const escapeText = (text: string) => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

export async function startXEmulator(options: XEmulatorOptions = {}) {
  let seq = 0n;
  const nextId = () => String(1_790_000_000_000_000_000n + ++seq);
  const access = new Map<string, { userId: string; revoked: boolean }>();
  const refreshes = new Map<string, { userId: string; used: boolean }>();
  const codes = new Map<string, { userId: string; challenge?: string; redirectUri?: string }>();
  const buckets = new Map<string, Bucket>();
  const faults: Fault[] = [];
  const png = tinyPng();

  const emu = {
    url: '',
    imageUrl: '',
    latencyMs: options.latencyMs ?? 0,
    posts: [] as XPostRecord[],
    media: [] as XMediaRecord[],
    /** The chunked video flow (emulators/x-video.ts): its uploads and its script of processing outcomes. */
    video: xVideoFlow(nextId, (u) => {
      const bytes = Buffer.concat([...u.segments.entries()].sort(([a], [b]) => a - b).map(([, b]) => b));
      emu.media.push({
        id: u.id,
        authorId: u.authorId,
        size: u.totalBytes,
        contentType: u.mediaType,
        category: u.category,
        sha256: createHash('sha256').update(bytes).digest('hex'),
      });
    }),
    /** The next N uploads fail X's processing: the upload answers `pending`, STATUS then `failed` (as a corrupt image does). */
    failProcessing: 0,
    requests: [] as XRequestRecord[],
    /** What the metrics lookup reports per post: seeded, or pinned by a test. */
    engagement: engagementBook(options.metricsSeed),
    /** What the consent screen answers: sign in as `userId` (default: a new user each time), or deny with `error`. */
    consent: {} as { userId?: string; error?: string; errorDescription?: string },
    /** Every access token, refresh token and code the emulator handed out (tests scan logs for them). */
    issued: [] as string[],
    issueToken(userId: string = nextId()): XTokens {
      const t = { accessToken: randomToken(), refreshToken: randomToken(), userId };
      emu.issued.push(t.accessToken, t.refreshToken);
      access.set(t.accessToken, { userId, revoked: false });
      refreshes.set(t.refreshToken, { userId, used: false });
      return t;
    },
    /** An authorization code as the authorize page would hand out (PKCE S256 challenge optional). */
    issueCode(userId: string, opts: { codeChallenge?: string; redirectUri?: string } = {}): string {
      const code = randomToken();
      emu.issued.push(code);
      codes.set(code, { userId, challenge: opts.codeChallenge, redirectUri: opts.redirectUri });
      return code;
    },
    revokeToken(t: string) {
      const a = access.get(t);
      if (a) a.revoked = true;
      const r = refreshes.get(t);
      if (r) r.used = true;
    },
    failNext(fault: Fault) {
      faults.push({ ...fault, times: fault.times ?? 1 });
    },
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };

  const userOf = (req: Req) => {
    const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    const a = m ? access.get(m[1]!) : undefined;
    return a && !a.revoked ? a.userId : undefined;
  };

  function takeFault(req: Req): Fault | undefined {
    const line = `${req.method} ${req.path}`;
    const i = faults.findIndex((f) => line.startsWith(f.match ?? 'POST /2/tweets'));
    if (i < 0) return undefined;
    const f = faults[i]!;
    if ((f.after ?? 0) > 0) {
      f.after! -= 1;
      return undefined;
    }
    f.times = (f.times ?? 1) - 1;
    if (f.times <= 0) faults.splice(i, 1);
    return f;
  }

  /** Counts the request in its 15-minute window; `allowed` is false once the window was already used up. */
  function bucketFor(req: Req, ip: string): { bucket: Bucket; allowed: boolean } {
    const route = req.path.replace(/^\/2\/users\/\d+\//, '/2/users/:id/').replace(/^\/2\/media\/upload.*/, '/2/media/upload');
    const key = `${userOf(req) ?? ip} ${req.method} ${route}`;
    const now = Math.floor(Date.now() / 1000);
    let b = buckets.get(key);
    if (!b || b.reset <= now) {
      const limit = route === '/2/tweets' && req.method === 'POST' ? (options.postLimit ?? 100) : route.startsWith('/2/media') ? 500 : 900;
      b = { limit, remaining: limit, reset: now + WINDOW_S };
      buckets.set(key, b);
    }
    const allowed = b.remaining > 0;
    b.remaining = Math.max(0, b.remaining - 1);
    return { bucket: { ...b }, allowed };
  }

  async function route(req: Req): Promise<Reply> {
    const { method, path } = req;
    if (method === 'GET' && path === '/media/test.png') return { status: 200, body: undefined, raw: png, headers: { 'content-type': 'image/png' } };
    if (method === 'GET' && path === '/i/oauth2/authorize') return authorize(req);
    if (method === 'POST' && path === '/2/oauth2/token') return tokenGrant(req);
    if (method === 'POST' && path === '/2/oauth2/revoke') {
      emu.revokeToken(new URLSearchParams(req.body.toString()).get('token') ?? '');
      return { status: 200, body: { revoked: true } };
    }
    const userId = userOf(req);
    if (!userId) return unauthorized();
    const video = await emu.video.route(req, userId);
    if (video) return video;
    if (method === 'POST' && path === '/2/tweets') return createPost(req, userId);
    if (method === 'GET' && path === '/2/tweets') return lookupPosts(req, userId);
    if (method === 'GET' && path === '/2/users/me') return { status: 200, body: { data: { id: userId, name: `User ${userId}`, username: `user${userId}` } } };
    const list = /^\/2\/users\/(\d+)\/tweets$/.exec(path);
    if (method === 'GET' && list) return listPosts(req, list[1]!);
    if (method === 'POST' && path === '/2/media/upload') return upload(req, userId);
    if (method === 'GET' && path === '/2/media/upload') return mediaStatus(req);
    if (method === 'POST' && path === '/2/media/metadata') return metadata(req, userId);
    return { status: 404, body: { errors: [{ message: 'Sorry, that page does not exist', code: 34 }] } };
  }

  function createPost(req: Req, authorId: string): Reply {
    const body = parseJson(req.body);
    if (!isObject(body)) return invalid('Request body must be a JSON object');
    const unknown = Object.keys(body).find((k) => !POST_KEYS.has(k));
    if (unknown) return invalid(`The \`${unknown}\` field is not allowed`);
    const text = body.text ?? '';
    if (typeof text !== 'string') return invalid('`text` must be a string');
    const reply = body.reply;
    if (
      reply !== undefined &&
      (!isObject(reply) ||
        typeof reply.in_reply_to_tweet_id !== 'string' ||
        Object.keys(reply).some((k) => !['in_reply_to_tweet_id', 'exclude_reply_user_ids', 'auto_populate_reply_metadata'].includes(k)))
    ) {
      return invalid('`reply` must be {in_reply_to_tweet_id}');
    }
    const mediaIds = isObject(body.media) && Array.isArray(body.media.media_ids) ? body.media.media_ids : body.media === undefined ? [] : undefined;
    if (!mediaIds || mediaIds.length > 4 || mediaIds.some((m) => !emu.media.some((x) => x.id === m && x.authorId === authorId)))
      return invalid('Your media IDs are invalid.');
    if (text === '' && mediaIds.length === 0) return invalid('Post text or media is required');
    if (twitterText.parseTweet(text).weightedLength > 280) return invalid('Your Tweet text is too long.');
    const replyTo = isObject(reply) ? String(reply.in_reply_to_tweet_id) : undefined;
    if (replyTo && !emu.posts.some((p) => p.id === replyTo)) {
      return problem(403, 'Forbidden', 'You attempted to reply to a Tweet that is deleted or not visible to you.');
    }
    if (text !== '' && emu.posts.some((p) => p.authorId === authorId && p.text === text)) {
      return problem(403, 'Forbidden', 'You are not allowed to create a Tweet with duplicate content.');
    }
    const id = nextId();
    emu.posts.push({ id, text, authorId, replyTo, mediaIds: mediaIds.map(String), createdAt: new Date() });
    return { status: 201, body: { data: { id, text: escapeText(text), edit_history_post_ids: [id] } } };
  }

  /** GET /2/tweets?ids=: the posts X finds, with public_metrics when asked; the rest as Not Found errors. */
  function lookupPosts(req: Req, userId: string): Reply {
    const ids = (req.query.get('ids') ?? '').split(',').filter(Boolean);
    if (ids.length === 0 || ids.length > 100 || ids.some((id) => !/^\d{1,19}$/.test(id))) {
      return invalid('The `ids` query parameter value must be 1 to 100 comma-separated post ids');
    }
    const metrics = (req.query.get('tweet.fields') ?? '').split(',').includes('public_metrics');
    const data = ids.flatMap((id) => {
      const post = emu.posts.find((p) => p.id === id);
      return post
        ? [{ id, text: escapeText(post.text), edit_history_post_ids: [id], ...(metrics ? { public_metrics: publicMetrics(post, userId) } : {}) }]
        : [];
    });
    const errors = ids
      .filter((id) => !data.some((d) => d.id === id))
      .map((id) => ({
        value: id,
        detail: `Could not find tweet with ids: [${id}].`,
        title: 'Not Found Error',
        resource_type: 'tweet',
        parameter: 'ids',
        resource_id: id,
        type: 'https://api.twitter.com/2/problems/resource-not-found',
      }));
    return { status: 200, body: { ...(data.length ? { data } : {}), ...(errors.length ? { errors } : {}) } };
  }

  function publicMetrics(post: XPostRecord, userId: string) {
    const e = emu.engagement.of(post.id);
    const own = post.authorId === userId ? { impression_count: e.impressions } : {};
    return { retweet_count: e.reposts, reply_count: e.replies, like_count: e.likes, quote_count: e.quotes, bookmark_count: 0, ...own };
  }

  function listPosts(req: Req, authorId: string): Reply {
    const max = Number(req.query.get('max_results') ?? '10');
    if (!Number.isInteger(max) || max < 5 || max > 100) return invalid('The `max_results` query parameter value is not between 5 and 100');
    const startRaw = req.query.get('start_time');
    const start = startRaw ? Date.parse(startRaw) : 0;
    if (Number.isNaN(start)) return invalid('The `start_time` query parameter value is not a valid date-time');
    const fields = (req.query.get('tweet.fields') ?? '').split(',');
    // Pages of `max`, newest first; the token is an opaque offset, as X's next_token is opaque.
    const token = req.query.get('pagination_token');
    const offset = token ? Number(Buffer.from(token, 'base64url').toString()) : 0;
    if (!Number.isInteger(offset) || offset < 0) return invalid('The `pagination_token` query parameter value is not valid');
    const all = emu.posts.filter((p) => p.authorId === authorId && p.createdAt.getTime() >= start).reverse();
    const found = all.slice(offset, offset + max);
    const next = offset + max < all.length ? { next_token: Buffer.from(String(offset + max)).toString('base64url') } : {};
    if (found.length === 0) return { status: 200, body: { meta: { result_count: 0 } } };
    const data = found.map((p) => ({
      id: p.id,
      text: escapeText(p.text),
      edit_history_post_ids: [p.id],
      ...(fields.includes('created_at') ? { created_at: p.createdAt.toISOString() } : {}),
      ...(fields.includes('author_id') ? { author_id: p.authorId } : {}),
    }));
    return { status: 200, body: { data, meta: { result_count: data.length, newest_id: data[0]!.id, oldest_id: data[data.length - 1]!.id, ...next } } };
  }

  async function upload(req: Req, authorId: string): Promise<Reply> {
    const form = await readUpload(req);
    if (!form) return invalid('Request must be multipart/form-data or JSON with `media` and `media_category`');
    if (!CATEGORIES.includes(form.category)) return invalid('The `media_category` value is not one of ' + CATEGORIES.join(', '));
    const type = imageType(form.bytes);
    if (!type) return invalid('media type unrecognized.');
    if (form.bytes.length > 5 * 1024 * 1024) return invalid('File size exceeds 5242880 bytes.');
    const id = nextId();
    const sha256 = createHash('sha256').update(form.bytes).digest('hex');
    const failed = emu.failProcessing > 0;
    if (failed) emu.failProcessing -= 1;
    emu.media.push({ id, authorId, size: form.bytes.length, contentType: type, category: form.category, sha256, ...(failed ? { failed } : {}) });
    const dims = type === 'image/png' ? { w: form.bytes.readUInt32BE(16), h: form.bytes.readUInt32BE(20) } : { w: 1, h: 1 };
    const slow = form.category === 'tweet_gif' || failed;
    const processingInfo = slow ? { processing_info: { state: 'pending', check_after_secs: 1 } } : {};
    return {
      status: 200,
      body: { data: { id, media_key: `3_${id}`, size: form.bytes.length, expires_after_secs: 86400, image: { image_type: type, ...dims }, ...processingInfo } },
    };
  }

  function mediaStatus(req: Req): Reply {
    const id = req.query.get('media_id') ?? '';
    const record = emu.media.find((m) => m.id === id);
    if (req.query.get('command') !== 'STATUS' || !record) return invalid('Invalid media_id or command');
    if (record.failed) {
      const error = { code: 1, name: 'InvalidMedia', message: 'Unsupported image format' };
      return { status: 200, body: { data: { id, media_key: `3_${id}`, processing_info: { state: 'failed', progress_percent: 100, error } } } };
    }
    return { status: 200, body: { data: { id, media_key: `3_${id}`, processing_info: { state: 'succeeded', progress_percent: 100 } } } };
  }

  function metadata(req: Req, authorId: string): Reply {
    const body = parseJson(req.body);
    const record = isObject(body) ? emu.media.find((m) => m.id === body.id && m.authorId === authorId) : undefined;
    if (!isObject(body) || !record) return invalid('Invalid media id');
    const alt = isObject(body.metadata) && isObject(body.metadata.alt_text) ? body.metadata.alt_text.text : undefined;
    if (typeof alt === 'string') record.altText = alt;
    return { status: 200, body: { data: { associated_metadata: true, id: record.id } } };
  }

  /** The consent screen, decided by `emu.consent`: back to redirect_uri with a code (or an error) and the state. */
  function authorize(req: Req): Reply {
    const q = req.query;
    const redirect = q.get('redirect_uri') ?? '';
    const problems = [
      q.get('response_type') !== 'code' && 'response_type must be code',
      (!q.get('client_id') || (options.clientId && q.get('client_id') !== options.clientId)) && 'unknown client_id',
      !/^https?:\/\//.test(redirect) && 'redirect_uri must be an absolute URL',
      !q.get('state') && 'state is required',
      (q.get('code_challenge_method') !== 'S256' || !q.get('code_challenge')) && 'PKCE with code_challenge_method=S256 is required',
      !(q.get('scope') ?? '').split(' ').includes('tweet.write') && 'scope must include tweet.write',
    ].filter(Boolean);
    if (problems.length > 0) return { status: 400, body: { error: 'invalid_request', error_description: problems.join('; ') } };
    const back = new URL(redirect);
    back.searchParams.set('state', q.get('state')!);
    if (emu.consent.error) {
      back.searchParams.set('error', emu.consent.error);
      if (emu.consent.errorDescription) back.searchParams.set('error_description', emu.consent.errorDescription);
    } else {
      back.searchParams.set('code', emu.issueCode(emu.consent.userId ?? nextId(), { codeChallenge: q.get('code_challenge')!, redirectUri: redirect }));
    }
    return { status: 302, body: undefined, raw: Buffer.alloc(0), headers: { location: back.toString() } };
  }

  function tokenGrant(req: Req): Reply {
    const form = new URLSearchParams(req.body.toString());
    const basic = options.clientSecret ? `Basic ${Buffer.from(`${options.clientId}:${options.clientSecret}`).toString('base64')}` : undefined;
    if (basic && req.headers.authorization !== basic)
      return { status: 401, body: { error: 'unauthorized_client', error_description: 'Missing valid authorization header' } };
    const badToken = { status: 400, body: { error: 'invalid_request', error_description: 'Value passed for the token was invalid.' } };
    if (!basic && options.clientId && form.get('client_id') !== options.clientId)
      return { status: 400, body: { error: 'invalid_request', error_description: 'Missing required parameter [client_id].' } };
    let userId: string;
    if (form.get('grant_type') === 'refresh_token') {
      const r = refreshes.get(form.get('refresh_token') ?? '');
      if (!r || r.used) return badToken;
      r.used = true; // single use
      userId = r.userId;
    } else if (form.get('grant_type') === 'authorization_code') {
      const code = form.get('code') ?? '';
      const c = codes.get(code);
      codes.delete(code);
      const verifier = form.get('code_verifier') ?? '';
      if (!c || (c.redirectUri && c.redirectUri !== form.get('redirect_uri')) || (c.challenge && c.challenge !== s256(verifier))) return badToken;
      userId = c.userId;
    } else {
      return { status: 400, body: { error: 'unsupported_grant_type', error_description: 'grant_type not supported' } };
    }
    const t = emu.issueToken(userId);
    return {
      status: 200,
      body: {
        token_type: 'bearer',
        expires_in: 7200,
        access_token: t.accessToken,
        scope: 'tweet.read tweet.write users.read media.write offline.access',
        refresh_token: t.refreshToken,
      },
    };
  }

  async function handle(req: Req, ip: string): Promise<Reply & { bucket: Bucket }> {
    if (emu.latencyMs > 0) await sleep(emu.latencyMs);
    const { bucket, allowed } = bucketFor(req, ip);
    const fault = takeFault(req);
    if (fault?.kind === '429' || !allowed) {
      const reset = fault ? Math.floor(Date.now() / 1000) + (fault.resetInSeconds ?? 60) : bucket.reset;
      return { ...problem(429, 'Too Many Requests', 'Too Many Requests'), bucket: { limit: bucket.limit, remaining: 0, reset } };
    }
    if (fault?.kind === '5xx') return { ...problem(503, 'Service Unavailable', 'Service Unavailable'), bucket };
    if (fault?.kind === 'revoked') return { ...unauthorized(), bucket };
    if (fault?.kind === 'rejected') return { ...problem(403, 'Forbidden', 'You are not permitted to perform this action.'), bucket };
    if (fault?.kind === 'timeout_before') return { status: 0, body: undefined, hang: true, bucket };
    const reply = await route(req);
    return { ...reply, hang: fault?.kind === 'timeout_after', bucket };
  }

  const server = createServer((request, response) => {
    serve(request, response).catch(() => response.destroy());
  });

  async function serve(request: IncomingMessage, response: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const req: Req = { method: request.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: request.headers, body: Buffer.concat(chunks) };
    emu.requests.push({ method: req.method, path: req.path, query: Object.fromEntries(url.searchParams), body: recordBody(req) });
    const r = await handle(req, request.socket.remoteAddress ?? '');
    if (r.hang) return; // never answers; stop() closes the socket
    const headers: Record<string, string> = {
      'content-type': 'application/json; charset=utf-8',
      'x-rate-limit-limit': String(r.bucket.limit),
      'x-rate-limit-remaining': String(r.bucket.remaining),
      'x-rate-limit-reset': String(r.bucket.reset),
      'x-transaction-id': randomBytes(8).toString('hex'),
      ...r.headers,
    };
    if (r.status >= 400 && isObject(r.body) && 'title' in r.body) headers['content-type'] = 'application/problem+json';
    response.writeHead(r.status, headers);
    response.end(r.raw ?? JSON.stringify(r.body));
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  emu.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  emu.imageUrl = `${emu.url}/media/test.png`;
  return emu;
}

export type XEmulator = Awaited<ReturnType<typeof startXEmulator>>;

function s256(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

/** What the emulator records of a request body: JSON as parsed, forms as fields (files as their size). */
function recordBody(req: Req): unknown {
  const type = req.headers['content-type'] ?? '';
  if (type.startsWith('application/json')) return parseJson(req.body);
  if (type.startsWith('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(req.body.toString()));
  return req.body.length > 0 ? { bytes: req.body.length, contentType: type } : undefined;
}

/** Simple upload: multipart (`media` file) or JSON (`media` base64), both with `media_category`. */
async function readUpload(req: Req): Promise<{ bytes: Buffer; category: string } | undefined> {
  const type = req.headers['content-type'] ?? '';
  if (type.startsWith('application/json')) {
    const body = parseJson(req.body);
    if (!isObject(body) || typeof body.media !== 'string') return undefined;
    return { bytes: Buffer.from(body.media, 'base64'), category: String(body.media_category ?? '') };
  }
  if (!type.startsWith('multipart/form-data')) return undefined;
  const form = await new Request('http://emulator/', { method: 'POST', headers: { 'content-type': type }, body: req.body }).formData().catch(() => undefined);
  const file = form?.get('media');
  if (!form || !(file instanceof Blob)) return undefined;
  return { bytes: Buffer.from(await file.arrayBuffer()), category: String(form.get('media_category') ?? '') };
}
