import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { type EmuRequest as Req, imageType, type RateBucket as Bucket, type Reply, randomToken, tinyPng } from './common.ts';
import { engagementBook } from './engagement.ts';

/**
 * Mastodon emulator on 127.0.0.1: statuses (with Idempotency-Key), account statuses, media v2 upload with
 * processing, /api/v2/instance, apps + OAuth authorize (the consent screen, answered at once as `consent` says)/token/revoke,
 * verify_credentials. `{error}` bodies,
 * X-RateLimit-* headers on every response, scripted faults. Serves a tiny PNG at /media/test.png.
 * Statuses carry seeded synthetic favourites_count and reblogs_count; replies_count counts real replies.
 */

export type FaultKind = '5xx' | '429' | 'timeout_before' | 'timeout_after' | 'revoked' | 'rejected';
export interface Fault {
  kind: FaultKind;
  /** How many matching requests fail (default 1). */
  times?: number;
  /** For 429: seconds until X-RateLimit-Reset (default 60). */
  resetInSeconds?: number;
  /** Which requests fail, as "METHOD /path-prefix"; default the create-post call "POST /api/v1/statuses". */
  match?: string;
}
export interface MastodonEmulatorOptions {
  latencyMs?: number;
  /** configuration.statuses.max_characters (default 500). */
  maxCharacters?: number;
  /** How many GET /api/v1/media/:id polls answer 206 before the upload is processed (default 0: 200 at once). */
  mediaProcessingPolls?: number;
  /** Seed of the synthetic engagement statuses report (test/emulators/engagement.ts). */
  metricsSeed?: string;
}
export interface MastodonPostRecord {
  id: string;
  text: string;
  accountId: string;
  replyTo: string | undefined;
  mediaIds: string[];
  idempotencyKey: string | undefined;
  createdAt: Date;
}
export interface MastodonMediaRecord {
  id: string;
  accountId: string;
  size: number;
  contentType: string;
  description: string | null;
  /** sha256 of the bytes received. */
  sha256: string;
  pollsLeft: number;
  /** image or video (issue 15): a video is always 202 first and takes `videoProcessingPolls` polls. */
  kind?: 'image' | 'video';
  /** Set by `failProcessing`: GET /api/v1/media/:id answers 422. */
  failed?: boolean;
  statusId?: string;
}
export interface MastodonRequestRecord {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
  /** When the request arrived, before any latency: the benchmarks measure lateness from it. */
  receivedAt: Date;
}
export interface MastodonTokens {
  accessToken: string;
  accountId: string;
  username: string;
}

const HOUR_MS = 3_600_000;
const err = (status: number, error: string, extra: Record<string, string> = {}): Reply => ({ status, body: { error, ...extra } });
const escapeHtml = (t: string) => t.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#39;');
const toHtml = (t: string) =>
  t
    .split(/\n{2,}/)
    .map((p) => `<p>${escapeHtml(p).replaceAll('\n', '<br />')}</p>`)
    .join('');

export async function startMastodonEmulator(options: MastodonEmulatorOptions = {}) {
  let seq = 0n;
  const nextId = () => String(113_000_000_000_000_000n + ++seq);
  const tokens = new Map<string, { accountId: string; revoked: boolean }>();
  const accounts = new Map<string, { id: string; username: string; createdAt: Date }>();
  const apps = new Map<string, { secret: string; redirectUri: string }>();
  const codes = new Map<string, { accountId: string; clientId: string; challenge?: string; redirectUri?: string }>();
  const idempotency = new Map<string, { statusId: string; at: number }>();
  const buckets = new Map<string, Bucket>();
  const faults: Fault[] = [];
  const png = tinyPng();

  const emu = {
    url: '',
    imageUrl: '',
    latencyMs: options.latencyMs ?? 0,
    maxCharacters: options.maxCharacters ?? 500,
    mediaProcessingPolls: options.mediaProcessingPolls ?? 0,
    /** The instance's configuration.media_attachments.image_size_limit (mastodon.social: 16 MiB). */
    imageSizeLimit: 16 * 1024 * 1024,
    /** The next N uploads fail the instance's processing: 202, then GET /api/v1/media/:id answers 422. */
    failProcessing: 0,
    /** GET /api/v1/media/:id polls a video answers 206 before it is processed (Mastodon transcodes every video). */
    videoProcessingPolls: 2,
    /** configuration.media_attachments.video_size_limit. */
    videoSizeLimit: 103_809_024,
    posts: [] as MastodonPostRecord[],
    media: [] as MastodonMediaRecord[],
    requests: [] as MastodonRequestRecord[],
    /** What statuses report as favourites and reblogs: seeded, or pinned by a test. */
    engagement: engagementBook(options.metricsSeed),
    /** What /oauth/authorize answers: sign in as `accountId` (default: a new account), or deny with `error`. */
    consent: {} as { accountId?: string; error?: string; errorDescription?: string },
    /** Every access token and code handed out (tests scan logs for them). */
    issued: [] as string[],
    /** Apps registered with POST /api/v1/apps. */
    registeredApps: () => [...apps.entries()].map(([clientId, a]) => ({ clientId, redirectUri: a.redirectUri })),
    /** A new account with a token (as after a finished OAuth flow). */
    createAccount(username = `user${accounts.size + 1}`): MastodonTokens {
      const id = nextId();
      accounts.set(id, { id, username, createdAt: new Date() });
      return { accessToken: emu.issueToken(id), accountId: id, username };
    },
    issueToken(accountId: string): string {
      const t = randomToken();
      emu.issued.push(t);
      tokens.set(t, { accountId, revoked: false });
      return t;
    },
    /** An authorization code as /oauth/authorize would hand out (PKCE S256 challenge optional). */
    issueCode(accountId: string, clientId: string, opts: { codeChallenge?: string; redirectUri?: string } = {}): string {
      const code = randomToken();
      emu.issued.push(code);
      codes.set(code, { accountId, clientId, challenge: opts.codeChallenge, redirectUri: opts.redirectUri });
      return code;
    },
    revokeToken(t: string) {
      const entry = tokens.get(t);
      if (entry) entry.revoked = true;
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

  const host = () => emu.url.replace(/^https?:\/\//, '');
  const account = (id: string) => {
    const a = accounts.get(id) ?? { id, username: `user${id}`, createdAt: new Date(0) };
    return {
      id,
      username: a.username,
      acct: a.username,
      display_name: a.username,
      locked: false,
      bot: false,
      group: false,
      created_at: a.createdAt.toISOString(),
      note: '',
      url: `${emu.url}/@${a.username}`,
      avatar: `${emu.url}/avatars/original/missing.png`,
      header: `${emu.url}/headers/original/missing.png`,
      followers_count: 0,
      following_count: 0,
      statuses_count: emu.posts.filter((p) => p.accountId === id).length,
      emojis: [],
      fields: [],
    };
  };
  const attachment = (m: MastodonMediaRecord) => {
    const ready = m.pollsLeft <= 0;
    const video = m.kind === 'video';
    const url = ready ? `${emu.url}/system/media_attachments/${m.id}/original.${video ? 'mp4' : 'png'}` : null;
    return {
      id: m.id,
      type: video ? 'video' : 'image',
      url,
      // A video's preview (its first frame) exists from the upload on; its url only once transcoded.
      preview_url: video ? `${emu.url}/system/media_attachments/${m.id}/small.png` : url,
      remote_url: null,
      text_url: null,
      meta: { original: { width: 1, height: 1, size: '1x1', aspect: 1 } },
      description: m.description,
      blurhash: null,
    };
  };
  const statusEntity = (p: MastodonPostRecord) => {
    const username = accounts.get(p.accountId)?.username ?? `user${p.accountId}`;
    const parent = p.replyTo ? emu.posts.find((q) => q.id === p.replyTo) : undefined;
    return {
      id: p.id,
      created_at: p.createdAt.toISOString(),
      in_reply_to_id: p.replyTo ?? null,
      in_reply_to_account_id: parent?.accountId ?? null,
      sensitive: false,
      spoiler_text: '',
      visibility: 'public',
      language: 'en',
      uri: `${emu.url}/users/${username}/statuses/${p.id}`,
      url: `${emu.url}/@${username}/${p.id}`,
      replies_count: emu.posts.filter((q) => q.replyTo === p.id).length,
      reblogs_count: emu.engagement.of(p.id).reposts,
      favourites_count: emu.engagement.of(p.id).likes,
      edited_at: null,
      content: toHtml(p.text),
      reblog: null,
      application: null,
      account: account(p.accountId),
      media_attachments: emu.media.filter((m) => p.mediaIds.includes(m.id)).map(attachment),
      mentions: [],
      tags: [],
      emojis: [],
      card: null,
      poll: null,
    };
  };

  function auth(req: Req): { accountId: string } | Reply {
    const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    const entry = m ? tokens.get(m[1]!) : undefined;
    if (entry && !entry.revoked) return { accountId: entry.accountId };
    const error = entry?.revoked ? 'The access token was revoked' : 'The access token is invalid';
    return { ...err(401, error), headers: { 'www-authenticate': `Bearer realm="Doorkeeper", error="invalid_token", error_description="${error}"` } };
  }

  async function route(req: Req): Promise<Reply> {
    const { method, path } = req;
    if (method === 'GET' && path === '/media/test.png') return { status: 200, body: undefined, raw: png, headers: { 'content-type': 'image/png' } };
    if (method === 'GET' && path === '/api/v2/instance') return { status: 200, body: instance() };
    if (method === 'POST' && path === '/api/v1/apps') return registerApp(req);
    if (method === 'GET' && path === '/oauth/authorize') return authorize(req);
    if (method === 'POST' && path === '/oauth/token') return tokenGrant(req);
    if (method === 'POST' && path === '/oauth/revoke') {
      emu.revokeToken(String(readForm(req).token ?? ''));
      return { status: 200, body: {} };
    }
    const who = auth(req);
    if ('status' in who) return who;
    if (method === 'GET' && path === '/api/v1/accounts/verify_credentials') return { status: 200, body: account(who.accountId) };
    if (method === 'POST' && path === '/api/v1/statuses') return createStatus(req, who.accountId);
    const one = /^\/api\/v1\/statuses\/(\d+)$/.exec(path);
    const found = one ? emu.posts.find((p) => p.id === one[1]) : undefined;
    if (method === 'GET' && found) return { status: 200, body: statusEntity(found) };
    const list = /^\/api\/v1\/accounts\/(\d+)\/statuses$/.exec(path);
    if (method === 'GET' && list) return listStatuses(req, list[1]!);
    if (method === 'POST' && path === '/api/v2/media') return upload(req, who.accountId);
    const media = /^\/api\/v1\/media\/(\d+)$/.exec(path);
    if (method === 'GET' && media) return mediaStatus(media[1]!, who.accountId);
    return err(404, 'Record not found');
  }

  function createStatus(req: Req, accountId: string): Reply {
    const key = req.headers['idempotency-key'];
    const slot = typeof key === 'string' && key !== '' ? `${accountId}:${key}` : undefined;
    const seen = slot ? idempotency.get(slot) : undefined;
    const earlier = seen && Date.now() - seen.at < HOUR_MS ? emu.posts.find((p) => p.id === seen.statusId) : undefined;
    if (earlier) return { status: 200, body: statusEntity(earlier) };
    const form = readForm(req);
    const text = typeof form.status === 'string' ? form.status : '';
    const mediaIds = (Array.isArray(form.media_ids) ? form.media_ids : []).map(String);
    const replyTo = form.in_reply_to_id ? String(form.in_reply_to_id) : undefined;
    if (replyTo && !emu.posts.some((p) => p.id === replyTo)) return err(404, 'The post you are trying to reply to does not appear to exist.');
    const media = mediaIds.map((id) => emu.media.find((m) => m.id === id && m.accountId === accountId && !m.statusId));
    if (media.some((m) => !m) || mediaIds.length > 4) return err(422, `Media attachments with IDs ${mediaIds.join(', ')} not found`);
    if (media.some((m) => m!.pollsLeft > 0)) return err(422, 'Cannot attach files that have not finished processing. Try again in a moment!');
    if (media.some((m) => m!.kind === 'video') && media.length > 1)
      return err(422, 'Validation failed: Cannot attach a video to a post that already contains images');
    if (text.trim() === '' && mediaIds.length === 0) return err(422, "Validation failed: Text can't be blank");
    if (countLength(text) > emu.maxCharacters) return err(422, `Validation failed: Text character limit of ${emu.maxCharacters} exceeded`);
    const post: MastodonPostRecord = {
      id: nextId(),
      text,
      accountId,
      replyTo,
      mediaIds,
      idempotencyKey: slot ? String(key) : undefined,
      createdAt: new Date(),
    };
    emu.posts.push(post);
    for (const m of media) m!.statusId = post.id;
    if (slot) idempotency.set(slot, { statusId: post.id, at: Date.now() });
    return { status: 200, body: statusEntity(post) };
  }

  function listStatuses(req: Req, accountId: string): Reply {
    const limit = Math.min(Math.max(Number(req.query.get('limit') ?? '20') || 20, 1), 40);
    // Newest first; max_id pages back past the given status, as Mastodon's Link header does.
    const maxId = req.query.get('max_id');
    const mine = emu.posts
      .filter((p) => p.accountId === accountId && (!maxId || BigInt(p.id) < BigInt(maxId)))
      .reverse()
      .slice(0, limit);
    return { status: 200, body: mine.map(statusEntity) };
  }

  async function upload(req: Req, accountId: string): Promise<Reply> {
    const type = req.headers['content-type'] ?? '';
    const form = type.startsWith('multipart/form-data')
      ? await new Request('http://emulator/', { method: 'POST', headers: { 'content-type': type }, body: req.body }).formData().catch(() => undefined)
      : undefined;
    const file = form?.get('file');
    if (!(file instanceof Blob)) return err(422, "Validation failed: File can't be blank");
    const bytes = Buffer.from(await file.arrayBuffer());
    const video = isVideo(bytes);
    if (!video && !['image/png', 'image/jpeg', 'image/gif', 'image/webp'].includes(imageType(bytes) ?? '')) {
      return err(422, 'Validation failed: File content type is invalid, File file type is invalid');
    }
    if (video && bytes.length > emu.videoSizeLimit) {
      return err(422, `Validation failed: File file size must be less than ${Math.round(emu.videoSizeLimit / (1024 * 1024))} MB`);
    }
    if (!video && bytes.length > emu.imageSizeLimit) {
      return err(422, `Validation failed: File file size must be less than ${Math.round(emu.imageSizeLimit / (1024 * 1024))} MB`);
    }
    const description = form?.get('description');
    if (typeof description === 'string' && description.length > 1500)
      return err(422, 'Validation failed: Description is too long (maximum is 1500 characters)');
    const failed = emu.failProcessing > 0;
    if (failed) emu.failProcessing -= 1;
    const record: MastodonMediaRecord = {
      id: nextId(),
      accountId,
      size: bytes.length,
      contentType: file.type,
      description: typeof description === 'string' ? description : null,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      pollsLeft: video ? Math.max(1, emu.videoProcessingPolls) : failed ? Math.max(1, emu.mediaProcessingPolls) : emu.mediaProcessingPolls,
      kind: video ? 'video' : 'image',
      ...(failed ? { failed } : {}),
    };
    emu.media.push(record);
    return { status: record.pollsLeft > 0 ? 202 : 200, body: attachment(record) };
  }

  function mediaStatus(id: string, accountId: string): Reply {
    const record = emu.media.find((m) => m.id === id && m.accountId === accountId);
    if (!record) return err(404, 'Record not found');
    if (record.failed) return err(422, 'Error processing thumbnail for uploaded media');
    if (record.pollsLeft > 0) record.pollsLeft -= 1;
    return { status: record.pollsLeft > 0 ? 206 : 200, body: attachment(record) };
  }

  function registerApp(req: Req): Reply {
    const form = readForm(req);
    const clientId = randomToken();
    const redirectUri = String(form.redirect_uris ?? 'urn:ietf:wg:oauth:2.0:oob');
    apps.set(clientId, { secret: randomToken(), redirectUri });
    emu.issued.push(apps.get(clientId)!.secret);
    return {
      status: 200,
      body: {
        id: nextId(),
        name: String(form.client_name ?? 'app'),
        website: null,
        redirect_uri: redirectUri,
        redirect_uris: [redirectUri],
        client_id: clientId,
        client_secret: apps.get(clientId)!.secret,
      },
    };
  }

  /** The consent screen, decided by `emu.consent`; Doorkeeper refuses an unknown client or a redirect_uri it was not registered with. */
  function authorize(req: Req): Reply {
    const q = req.query;
    const app = apps.get(q.get('client_id') ?? '');
    const redirect = q.get('redirect_uri') ?? '';
    if (!app) return err(401, 'invalid_client', { error_description: 'Client authentication failed due to unknown client.' });
    if (app.redirectUri !== redirect)
      return err(400, 'invalid_redirect_uri', { error_description: "The requested redirect uri is malformed or doesn't match client redirect URI." });
    if (q.get('response_type') !== 'code')
      return err(400, 'unsupported_response_type', { error_description: 'The authorization server does not support this response type.' });
    const method = q.get('code_challenge_method');
    if (q.get('code_challenge') && method !== 'S256') return err(400, 'invalid_request', { error_description: 'Only S256 is supported.' });
    const back = new URL(redirect);
    if (emu.consent.error) {
      back.searchParams.set('error', emu.consent.error);
      if (emu.consent.errorDescription) back.searchParams.set('error_description', emu.consent.errorDescription);
    } else {
      const accountId = emu.consent.accountId ?? emu.createAccount().accountId;
      back.searchParams.set(
        'code',
        emu.issueCode(accountId, q.get('client_id')!, { codeChallenge: q.get('code_challenge') ?? undefined, redirectUri: redirect }),
      );
    }
    if (q.get('state')) back.searchParams.set('state', q.get('state')!);
    return { status: 302, body: undefined, raw: Buffer.alloc(0), headers: { location: back.toString() } };
  }

  function tokenGrant(req: Req): Reply {
    const form = readForm(req);
    const app = apps.get(String(form.client_id ?? ''));
    if (!app || (form.client_secret !== undefined && form.client_secret !== app.secret)) {
      return err(401, 'invalid_client', {
        error_description: 'Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.',
      });
    }
    const code = codes.get(String(form.code ?? ''));
    codes.delete(String(form.code ?? ''));
    const verifier = String(form.code_verifier ?? '');
    const challengeOk = !code?.challenge || createHash('sha256').update(verifier).digest('base64url') === code.challenge;
    const redirectOk = !code?.redirectUri || code.redirectUri === form.redirect_uri;
    if (form.grant_type !== 'authorization_code' || !code || code.clientId !== form.client_id || !challengeOk || !redirectOk) {
      return err(400, 'invalid_grant', {
        error_description:
          'The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.',
      });
    }
    return {
      status: 200,
      body: { access_token: emu.issueToken(code.accountId), token_type: 'Bearer', scope: 'read write', created_at: Math.floor(Date.now() / 1000) },
    };
  }

  const instance = () => ({
    domain: host(),
    title: 'Greenlight test instance',
    version: '4.3.0',
    source_url: 'https://github.com/mastodon/mastodon',
    description: 'An emulated Mastodon server.',
    usage: { users: { active_month: accounts.size } },
    thumbnail: { url: `${emu.url}/thumbnail.png` },
    languages: ['en'],
    configuration: {
      urls: { streaming: `ws://${host()}` },
      accounts: { max_featured_tags: 10, max_pinned_statuses: 5 },
      statuses: { max_characters: emu.maxCharacters, max_media_attachments: 4, characters_reserved_per_url: 23 },
      media_attachments: {
        supported_mime_types: ['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'video/mp4', 'video/quicktime', 'video/webm'],
        image_size_limit: 16_777_216,
        image_matrix_limit: 33_177_600,
        video_size_limit: emu.videoSizeLimit,
        video_frame_rate_limit: 120,
        video_matrix_limit: 8_294_400,
        description_limit: 1500,
      },
      polls: { max_options: 4, max_characters_per_option: 50, min_expiration: 300, max_expiration: 2_629_746 },
      translation: { enabled: false },
    },
    registrations: { enabled: false, approval_required: false, message: null },
    contact: { email: '', account: null },
    rules: [],
  });

  function takeFault(req: Req): Fault | undefined {
    const line = `${req.method} ${req.path}`;
    const i = faults.findIndex((f) => line.startsWith(f.match ?? 'POST /api/v1/statuses'));
    if (i < 0) return undefined;
    const f = faults[i]!;
    f.times = (f.times ?? 1) - 1;
    if (f.times <= 0) faults.splice(i, 1);
    return f;
  }

  /** 300 requests per 5 minutes per account (per IP without a token); media uploads 30 per 30 minutes. */
  function bucketFor(req: Req, ip: string): { bucket: Bucket; allowed: boolean } {
    const who = auth(req);
    const isMedia = req.method === 'POST' && req.path === '/api/v2/media';
    const key = `${'accountId' in who ? who.accountId : ip}${isMedia ? ' media' : ''}`;
    const now = Date.now();
    let b = buckets.get(key);
    if (!b || b.reset <= now) {
      b = isMedia ? { limit: 30, remaining: 30, reset: now + 30 * 60_000 } : { limit: 300, remaining: 300, reset: now + 5 * 60_000 };
      buckets.set(key, b);
    }
    const allowed = b.remaining > 0;
    b.remaining = Math.max(0, b.remaining - 1);
    return { bucket: { ...b }, allowed };
  }

  async function handle(req: Req, ip: string): Promise<Reply & { bucket: Bucket }> {
    if (emu.latencyMs > 0) await sleep(emu.latencyMs);
    const { bucket, allowed } = bucketFor(req, ip);
    const fault = takeFault(req);
    if (fault?.kind === '429' || !allowed) {
      const reset = fault ? Date.now() + (fault.resetInSeconds ?? 60) * 1000 : bucket.reset;
      return { ...err(429, 'Too many requests'), bucket: { limit: bucket.limit, remaining: 0, reset } };
    }
    if (fault?.kind === '5xx') {
      const page = Buffer.from(
        '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>',
      );
      return { status: 502, body: undefined, raw: page, headers: { 'content-type': 'text/html' }, bucket };
    }
    if (fault?.kind === 'revoked') return { ...err(401, 'The access token was revoked'), bucket };
    if (fault?.kind === 'rejected') return { ...err(422, 'Validation failed: Text contains content that is not allowed on this server'), bucket };
    if (fault?.kind === 'timeout_before') return { status: 0, body: undefined, hang: true, bucket };
    const reply = await route(req);
    return { ...reply, hang: fault?.kind === 'timeout_after', bucket };
  }

  const server = createServer((request, response) => {
    serve(request, response).catch(() => response.destroy());
  });

  async function serve(request: IncomingMessage, response: ServerResponse) {
    const receivedAt = new Date();
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const req: Req = { method: request.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: request.headers, body: Buffer.concat(chunks) };
    const { authorization: _secret, ...headers } = request.headers;
    emu.requests.push({ method: req.method, path: req.path, headers: headers as Record<string, string>, body: recordBody(req), receivedAt });
    const r = await handle(req, request.socket.remoteAddress ?? '');
    if (r.hang) return; // never answers; stop() closes the socket
    response.writeHead(r.status, {
      'content-type': 'application/json; charset=utf-8',
      'x-ratelimit-limit': String(r.bucket.limit),
      'x-ratelimit-remaining': String(r.bucket.remaining),
      'x-ratelimit-reset': new Date(r.bucket.reset).toISOString(),
      'x-request-id': randomBytes(8).toString('hex'),
      ...r.headers,
    });
    response.end(r.raw ?? JSON.stringify(r.body));
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  emu.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  emu.imageUrl = `${emu.url}/media/test.png`;
  return emu;
}

export type MastodonEmulator = Awaited<ReturnType<typeof startMastodonEmulator>>;

/** Mastodon's count: graphemes, every URL as 23, `@user@domain` as `@user`. */
export function countLength(text: string): number {
  const normalized = text.replace(/https?:\/\/\S+/g, 'x'.repeat(23)).replace(/(@\w+)@[\w.-]+\w/g, '$1');
  return [...new Intl.Segmenter('en', { granularity: 'grapheme' }).segment(normalized)].length;
}

/** Statuses and OAuth accept JSON or form bodies; `media_ids[]` becomes `media_ids`. */
function readForm(req: Req): Record<string, unknown> {
  const type = req.headers['content-type'] ?? '';
  if (type.startsWith('application/json')) {
    try {
      const body: unknown = JSON.parse(req.body.toString('utf8'));
      return typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
    } catch {
      return {};
    }
  }
  const out: Record<string, unknown> = {};
  const params = new URLSearchParams(req.body.toString('utf8'));
  for (const key of new Set(params.keys())) {
    out[key.replace(/\[\]$/, '')] = key.endsWith('[]') ? params.getAll(key) : params.get(key);
  }
  return out;
}

function recordBody(req: Req): unknown {
  const type = req.headers['content-type'] ?? '';
  if (type.startsWith('application/json') || type.startsWith('application/x-www-form-urlencoded')) return readForm(req);
  return req.body.length > 0 ? { bytes: req.body.length, contentType: type } : undefined;
}

/** An ISO media file (MP4, MOV: an `ftyp` box first) or a WebM (EBML header). */
function isVideo(bytes: Buffer): boolean {
  return bytes.subarray(4, 8).toString('latin1') === 'ftyp' || bytes.subarray(0, 4).equals(Buffer.from([0x1a, 0x45, 0xdf, 0xa3]));
}
