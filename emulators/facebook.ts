import { randomBytes } from 'node:crypto';
import {
  applyTimeouts,
  faultQueue,
  fetchImage,
  graphError,
  graphPlatformThrottle,
  graphThrottle,
  graphTime,
  graphToken,
  numericId,
  pickFields,
  pngReply,
  randomToken,
  readParams,
  serveEmulator,
  splitVersion,
  tinyPng,
  type EmuRequest,
  type Fault,
  type Reply,
  type RequestRecord,
  graphPage,
} from './common.ts';
import { engagementBook } from './engagement.ts';
import { facebookLogin } from './meta-login.ts';
import { type FetchedVideo, fetchVideo } from './video-fetch.ts';

/**
 * Facebook Pages (Graph API) emulator on 127.0.0.1: POST /{page}/feed (message, link, attached_media),
 * POST /{page}/photos (url fetched like Facebook does, caption, published=false for attachments),
 * GET /{page}/posts|feed|published_posts and /{post-id} with field selection, GET /me. Page tokens via
 * `Authorization: Bearer` or `access_token`. Graph error shape; 506 duplicate; throttling answers carry
 * X-Business-Use-Case-Usage with estimated_time_to_regain_access. Any /vNN.N/ version prefix is accepted.
 * A post read with `reactions.summary(total_count)`, `comments.summary(total_count)` or `shares` fields gets
 * seeded synthetic engagement; `shares` is left out when nobody shared the post, as Graph does.
 * Facebook Login (`emu.login`: the dialog, /oauth/access_token, /me/accounts) is in meta-login.ts.
 */

export type { Fault, FaultKind } from './common.ts';
export interface FacebookEmulatorOptions {
  latencyMs?: number;
  /** Seed of the synthetic engagement posts report (test/emulators/engagement.ts). */
  metricsSeed?: string;
  /** The Facebook Login app the sign-in endpoints accept. */
  clientId?: string;
  clientSecret?: string;
}
export interface FacebookPostRecord {
  id: string;
  pageId: string;
  message: string;
  link: string | undefined;
  photoIds: string[];
  version: string | undefined;
  createdAt: Date;
}
export interface FacebookPhotoRecord {
  id: string;
  pageId: string;
  url: string;
  caption: string;
  published: boolean;
  altText: string | undefined;
  /** What the emulator fetched from `url`: declared type, size and sha256 of the bytes. */
  received: { contentType: string; bytes: number; sha256: string };
  postId: string | undefined;
}
export interface FacebookTokens {
  accessToken: string;
  pageId: string;
}

interface TokenState {
  pageId: string;
  revoked: boolean;
}

const invalidToken = () => graphError({ code: 190, message: 'Invalid OAuth access token - Cannot parse access token' });
const sessionInvalidated = () =>
  graphError({
    code: 190,
    subcode: 460,
    message:
      'Error validating access token: The session has been invalidated because the user changed their password or Facebook has changed the session for security reasons.',
  });
const noPermission = () =>
  graphError({
    code: 200,
    message: '(#200) If posting to a page, requires both pages_read_engagement and pages_manage_posts as an admin with sufficient administrative permission',
  });

export interface FacebookVideoRecord {
  id: string;
  pageId: string;
  description: string;
  received: FetchedVideo;
  pollsLeft: number;
  status: 'processing' | 'ready' | 'error';
  error: string | undefined;
}

export async function startFacebookEmulator(options: FacebookEmulatorOptions = {}) {
  const seq = { n: 0n };
  const nextId = () => numericId(seq, 122_000_000_000_000n);
  const tokens = new Map<string, TokenState>();
  const faults = faultQueue(/^POST \/[^/]+\/(feed|photos)$/);
  const png = tinyPng();

  const emu = {
    url: '',
    imageUrl: '',
    latencyMs: options.latencyMs ?? 0,
    posts: [] as FacebookPostRecord[],
    /** Comments made as the Page through POST /{post-id}/comments. */
    comments: [] as { id: string; postId: string; pageId: string; message: string }[],
    photos: [] as FacebookPhotoRecord[],
    /** Page videos (issue 15): POST /{page}/videos with file_url, pulled; processing over `videoProcessingPolls` status reads. */
    videos: [] as FacebookVideoRecord[],
    videoProcessingPolls: 2,
    /** The next video's processing error (video_status "error"), e.g. "Your video could not be processed." */
    videoErrors: [] as string[],
    requests: [] as RequestRecord[],
    /** What posts report as reactions, comments and shares: seeded, or pinned by a test. */
    engagement: engagementBook(options.metricsSeed),
    /** Every token and code handed out (tests scan logs for them). */
    issued: [] as string[],
    /** A Page access token (as from GET /{user-id}/accounts) for `pageId` (new page when omitted). */
    issueToken(pageId: string = nextId()): FacebookTokens {
      const accessToken = `EAAG${randomToken()}`;
      emu.issued.push(accessToken);
      tokens.set(accessToken, { pageId, revoked: false });
      return { accessToken, pageId };
    },
    revokeToken(t: string) {
      const state = tokens.get(t);
      if (state) state.revoked = true;
    },
    failNext(fault: Fault) {
      faults.push(fault);
    },
    stop: async () => {},
  };
  /** Facebook Login: the dialog, the token exchanges and /me/accounts (test/emulators/meta-login.ts). */
  const login = facebookLogin({
    clientId: options.clientId ?? 'facebook-app',
    clientSecret: options.clientSecret ?? 'facebook-app-secret',
    issued: emu.issued,
    pageToken: (pageId) => emu.issueToken(pageId).accessToken,
    nextId,
  });

  const postEntity = (p: FacebookPostRecord) => ({
    id: p.id,
    message: p.message || undefined,
    created_time: graphTime(p.createdAt),
    link: p.link,
    permalink_url: `https://www.facebook.com/${p.pageId}/posts/${p.id.split('_')[1]}`,
    status_type: p.photoIds.length > 0 ? 'added_photos' : 'mobile_status_update',
  });

  async function route(req: EmuRequest, rest: string, version: string | undefined): Promise<Reply> {
    const params = readParams(req);
    const token = graphToken(req, params);
    if (!token) return graphError({ code: 104, message: 'An access token is required to request this resource.' });
    const state = tokens.get(token);
    if (!state) return invalidToken();
    if (state.revoked) return sessionInvalidated();
    const [, objectId = '', edge] = rest.split('/');
    if (req.method === 'GET' && (objectId === 'me' || objectId === state.pageId) && !edge)
      return { status: 200, body: pickFields({ id: state.pageId, name: `Page ${state.pageId}` }, params.fields ?? 'id,name') };
    // A comment as the Page on one of its posts: {id} (the comment's id, "<post>_<comment>" style).
    if (req.method === 'POST' && edge === 'comments') {
      const target = emu.posts.find((p) => p.id === objectId && p.pageId === state.pageId);
      if (!target) return noPermission();
      if (typeof params.message !== 'string' || params.message.trim() === '')
        return graphError({ code: 100, message: '(#100) The parameter message is required' });
      const id = `${objectId.split('_')[1]}_${nextId()}`;
      emu.comments.push({ id, postId: objectId, pageId: state.pageId, message: params.message });
      return { status: 200, body: { id } };
    }
    if (edge && objectId !== state.pageId) return noPermission();
    if (req.method === 'POST' && edge === 'feed') return createFeedPost(state.pageId, params, version);
    if (req.method === 'POST' && edge === 'photos') return createPhoto(state.pageId, params, version);
    if (req.method === 'POST' && edge === 'videos') return createVideo(state.pageId, params);
    const video = !edge ? emu.videos.find((v) => v.id === objectId && v.pageId === state.pageId) : undefined;
    if (req.method === 'GET' && video) return { status: 200, body: videoStatus(video) };
    if (req.method === 'GET' && (edge === 'posts' || edge === 'feed' || edge === 'published_posts')) return listPosts(state.pageId, params);
    const post = !edge ? emu.posts.find((p) => p.id === objectId) : undefined;
    if (req.method === 'GET' && post)
      return { status: 200, body: { ...pickFields(postEntity(post), params.fields), ...engagementFields(post, params.fields) } };
    return graphError({
      code: 100,
      subcode: 33,
      type: 'GraphMethodException',
      message: `Unsupported ${req.method.toLowerCase()} request. Object with ID '${objectId}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
    });
  }

  /**
   * POST /{page}/videos with file_url (Facebook pulls it), description and title: the answer is the video id;
   * the video post appears once processed. GET /{video-id}?fields=status: status.video_status processing →
   * ready | error (with processing_phase.error.message).
   */
  async function createVideo(pageId: string, params: Record<string, unknown>): Promise<Reply> {
    const fileUrl = typeof params.file_url === 'string' ? params.file_url : undefined;
    if (!fileUrl) return graphError({ code: 100, message: '(#100) A video file or file_url is required' });
    const fetched = await fetchVideo(fileUrl);
    if (!fetched)
      return graphError({
        code: 390,
        subcode: 1363030,
        message: 'There was a problem uploading your video file. Please try again.',
        userTitle: 'Video Upload Failed',
      });
    const id = nextId();
    emu.videos.push({
      id,
      pageId,
      description: typeof params.description === 'string' ? params.description : '',
      received: fetched,
      pollsLeft: Math.max(1, emu.videoProcessingPolls),
      status: 'processing',
      error: emu.videoErrors.shift(),
    });
    return { status: 200, body: { id } };
  }

  function videoStatus(v: FacebookVideoRecord) {
    if (v.status === 'processing') {
      v.pollsLeft -= 1;
      if (v.pollsLeft <= 0) {
        v.status = v.error ? 'error' : 'ready';
        if (v.status === 'ready') {
          const post: FacebookPostRecord = {
            id: `${v.pageId}_${v.id}`,
            pageId: v.pageId,
            message: v.description,
            link: undefined,
            photoIds: [],
            version: undefined,
            createdAt: new Date(),
          };
          emu.posts.push(post);
        }
      }
    }
    return {
      id: v.id,
      status: {
        video_status: v.status,
        processing_phase: {
          status: v.status === 'error' ? 'error' : v.status === 'ready' ? 'complete' : 'in_progress',
          ...(v.status === 'error' ? { error: { message: v.error } } : {}),
        },
      },
    };
  }

  /** The engagement edges a field list asks for: `reactions` and `comments` with their summary, `shares` when any. */
  function engagementFields(post: FacebookPostRecord, fields: unknown): Record<string, unknown> {
    const names = typeof fields === 'string' ? topLevelFields(fields) : new Map<string, string>();
    const e = emu.engagement.of(post.id);
    const edge = (name: string, total: number) => ({
      data: [],
      ...(names.get(name)!.includes('summary(') ? { summary: { total_count: total, order: 'ranked' } } : {}),
    });
    return {
      ...(names.has('reactions') ? { reactions: edge('reactions', e.likes) } : {}),
      ...(names.has('comments') ? { comments: edge('comments', e.replies) } : {}),
      ...(names.has('shares') && e.reposts > 0 ? { shares: { count: e.reposts } } : {}),
    };
  }

  function createFeedPost(pageId: string, params: Record<string, unknown>, version: string | undefined): Reply {
    const message = typeof params.message === 'string' ? params.message : '';
    const link = typeof params.link === 'string' && params.link !== '' ? params.link : undefined;
    const attached = Object.keys(params)
      .filter((k) => /^attached_media\[\d+\]$/.test(k))
      .map((k) => mediaFbid(params[k]));
    const photos = attached.map((id) => emu.photos.find((p) => p.id === id && p.pageId === pageId && !p.published && !p.postId));
    if (photos.some((p) => !p)) return graphError({ code: 100, message: '(#100) Invalid media_fbid in attached_media' });
    if (message.trim() === '' && !link && photos.length === 0) return graphError({ code: 100, message: '(#100) Missing message or attachment' });
    const last = emu.posts.filter((p) => p.pageId === pageId).at(-1);
    if (message !== '' && last?.message === message) {
      return graphError({
        code: 506,
        message: 'Duplicate status message',
        userTitle: 'Duplicate Post',
        userMsg: 'This status update is identical to the last one you posted. Try posting something different, or delete your previous update.',
      });
    }
    const post: FacebookPostRecord = { id: `${pageId}_${nextId()}`, pageId, message, link, photoIds: attached, version, createdAt: new Date() };
    emu.posts.push(post);
    for (const p of photos) p!.postId = post.id;
    return { status: 200, body: { id: post.id } };
  }

  async function createPhoto(pageId: string, params: Record<string, unknown>, version: string | undefined): Promise<Reply> {
    const url = typeof params.url === 'string' ? params.url : '';
    const fetched = url ? await fetchImage(url) : undefined;
    if (!fetched) return graphError({ code: 324, message: '(#324) Missing or invalid image file' });
    // Pages photos: JPEG, PNG, GIF, WebP (BMP, TIFF), up to 10 MB (the figure of Meta's photo guidance; no API page states it).
    if (fetched.bytes.length > 10 * 1024 * 1024) return graphError({ code: 100, message: '(#100) The photo is too large: photos can be at most 10 MB' });
    const published = params.published !== 'false' && params.published !== false;
    const caption = typeof params.caption === 'string' ? params.caption : typeof params.message === 'string' ? params.message : '';
    const photo: FacebookPhotoRecord = {
      id: nextId(),
      pageId,
      url,
      caption,
      published,
      altText: typeof params.alt_text_custom === 'string' ? params.alt_text_custom : undefined,
      received: { contentType: fetched.contentType, bytes: fetched.bytes.length, sha256: fetched.sha256 },
      postId: undefined,
    };
    emu.photos.push(photo);
    if (!published) return { status: 200, body: { id: photo.id } };
    const post: FacebookPostRecord = {
      id: `${pageId}_${nextId()}`,
      pageId,
      message: caption,
      link: undefined,
      photoIds: [photo.id],
      version,
      createdAt: new Date(),
    };
    emu.posts.push(post);
    photo.postId = post.id;
    return { status: 200, body: { id: photo.id, post_id: post.id } };
  }

  function listPosts(pageId: string, params: Record<string, unknown>): Reply {
    return graphPage(emu.posts.filter((p) => p.pageId === pageId).reverse(), params, postEntity, 'message,created_time');
  }

  function faultReply(fault: Fault, objectId: string): Reply | undefined {
    if (fault.kind === '5xx')
      return graphError({ status: 500, code: 2, message: 'An unexpected error has occurred. Please retry your request later.', isTransient: true });
    if (fault.kind === '429' && fault.platformLimit) return graphPlatformThrottle(fault.platformLimit);
    if (fault.kind === '429') return graphThrottle(objectId, 'pages', 32, '(#32) Page request limit reached', fault.resetInSeconds ?? 60);
    if (fault.kind === 'revoked') return sessionInvalidated();
    if (fault.kind === 'rejected')
      return graphError({ code: 368, subcode: 1390008, message: 'The action attempted has been deemed abusive or is otherwise disallowed' });
    return undefined;
  }

  async function handle(req: EmuRequest): Promise<Reply> {
    if (req.method === 'GET' && req.path === '/media/test.png') return pngReply(png);
    const { version, rest } = splitVersion(req.path);
    const signIn = login.handle(req, rest, readParams(req));
    if (signIn) return signIn;
    const fault = faults.take(`${req.method} ${rest}`);
    const scripted = fault ? faultReply(fault, rest.split('/')[1] ?? '') : undefined;
    if (scripted) return scripted;
    return applyTimeouts(fault, () => route(req, rest, version));
  }

  const server = await serveEmulator({
    handle,
    requests: emu.requests,
    latencyMs: () => emu.latencyMs,
    defaultHeaders: () => ({ 'x-fb-trace-id': randomBytes(8).toString('base64url'), 'x-app-usage': '{"call_count":1,"total_cputime":1,"total_time":1}' }),
  });
  emu.url = server.url;
  emu.imageUrl = `${server.url}/media/test.png`;
  emu.stop = server.stop;
  return Object.assign(emu, { login });
}

export type FacebookEmulator = Awaited<ReturnType<typeof startFacebookEmulator>>;

function mediaFbid(value: unknown): string {
  try {
    const parsed: unknown = typeof value === 'string' ? JSON.parse(value) : value;
    return typeof parsed === 'object' && parsed !== null ? String((parsed as Record<string, unknown>).media_fbid) : '';
  } catch {
    return '';
  }
}

/** "a.summary(x).limit(0),b,c{d,e}" → name → its whole expression, split at top-level commas only. */
function topLevelFields(fields: string): Map<string, string> {
  const out = new Map<string, string>();
  let depth = 0;
  let start = 0;
  for (let i = 0; i <= fields.length; i++) {
    const c = fields[i];
    if (c === '(' || c === '{') depth++;
    else if (c === ')' || c === '}') depth--;
    else if ((c === ',' && depth === 0) || i === fields.length) {
      const expr = fields.slice(start, i).trim();
      if (expr) out.set(/^[a-z_]+/.exec(expr)?.[0] ?? expr, expr);
      start = i + 1;
    }
  }
  return out;
}
