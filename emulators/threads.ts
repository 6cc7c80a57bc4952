import { randomBytes } from 'node:crypto';
import { countForThreads } from '../src/domain/character-count.ts';
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
import { engagementBook, insightsReply } from './engagement.ts';
import { threadsLogin } from './meta-login.ts';
import { type FetchedVideo, fetchVideo } from './video-fetch.ts';

/**
 * Threads API emulator on 127.0.0.1 (prefix /v1.0): POST /{user|me}/threads (TEXT, IMAGE with image_url fetched
 * like Threads does, carousel items and CAROUSEL, reply_to_id), GET /{container}?fields=status,error_message
 * (IN_PROGRESS for `processingPolls` reads of media containers), POST /{user}/threads_publish, GET /{post}
 * (permalink, text, timestamp...), GET /{user}/threads and /{user}/replies, GET /refresh_access_token
 * (th_refresh_token), GET /me. Token via access_token parameter or Bearer header. Graph error shape.
 * GET /{media-id}/insights?metric=views,likes,replies,reposts,quotes,shares from seeded synthetic engagement.
 * The sign-in (`emu.login`: /oauth/authorize, POST /oauth/access_token, th_exchange_token) is in meta-login.ts.
 */

export type { Fault, FaultKind } from './common.ts';
export interface ThreadsEmulatorOptions {
  latencyMs?: number;
  /** Status reads that answer IN_PROGRESS before a media container is FINISHED (default 0). */
  processingPolls?: number;
  /** Seed of the synthetic engagement insights report (test/emulators/engagement.ts). */
  metricsSeed?: string;
  /** The Threads app the sign-in endpoints accept. */
  clientId?: string;
  clientSecret?: string;
}
export interface ThreadsContainerRecord {
  id: string;
  userId: string;
  mediaType: 'TEXT' | 'IMAGE' | 'CAROUSEL' | 'VIDEO';
  text: string;
  imageUrl: string | undefined;
  /** VIDEO (issue 15): what Threads pulled from video_url. */
  video?: { url: string } & FetchedVideo;
  altText: string | undefined;
  /** What the emulator fetched from image_url: declared type, size and sha256 of the bytes. */
  received: { contentType: string; bytes: number; sha256: string } | undefined;
  replyTo: string | undefined;
  isCarouselItem: boolean;
  children: string[];
  status: 'IN_PROGRESS' | 'FINISHED' | 'ERROR' | 'PUBLISHED';
  errorMessage: string | undefined;
  pollsLeft: number;
}
export interface ThreadsPostRecord {
  id: string;
  userId: string;
  text: string;
  mediaType: string;
  replyTo: string | undefined;
  containerId: string;
  shortcode: string;
  createdAt: Date;
}
export interface ThreadsTokens {
  accessToken: string;
  userId: string;
  username: string;
}

interface TokenState {
  userId: string;
  username: string;
  revoked: boolean;
  expired: boolean;
}

const invalidToken = () => graphError({ code: 190, message: 'Invalid OAuth access token - Cannot parse access token' });
const revokedToken = () =>
  graphError({ code: 190, subcode: 458, message: 'Error validating access token: The user has not authorized application 1204551360589341.' });
const expiredToken = () => graphError({ code: 190, subcode: 463, message: 'Error validating access token: Session has expired.' });
const invalid = (message: string) => graphError({ code: 100, type: 'THApiException', message });

export async function startThreadsEmulator(options: ThreadsEmulatorOptions = {}) {
  const seq = { n: 0n };
  const nextId = () => numericId(seq, 18_050_000_000_000_000n);
  const tokens = new Map<string, TokenState>();
  const faults = faultQueue(/^POST \/[^/]+\/threads_publish$/);
  const png = tinyPng();

  const emu = {
    url: '',
    imageUrl: '',
    latencyMs: options.latencyMs ?? 0,
    processingPolls: options.processingPolls ?? 0,
    /** error_message of the next VIDEO containers to end in ERROR once processed (e.g. "Video format not supported"). */
    videoErrors: [] as string[],
    /** Status reads a VIDEO container answers IN_PROGRESS first (Threads advises waiting about 30 s); Infinity: never done. */
    videoProcessingPolls: 2,
    containers: [] as ThreadsContainerRecord[],
    posts: [] as ThreadsPostRecord[],
    requests: [] as RequestRecord[],
    /** What /{media-id}/insights reports per post: seeded, or pinned by a test. */
    engagement: engagementBook(options.metricsSeed),
    /** Every token and code handed out (tests scan logs for them). */
    issued: [] as string[],
    issueToken(userId: string = nextId(), username = `user${userId.slice(-4)}`): ThreadsTokens {
      const accessToken = `THAA${randomToken()}`;
      emu.issued.push(accessToken);
      tokens.set(accessToken, { userId, username, revoked: false, expired: false });
      return { accessToken, userId, username };
    },
    revokeToken(t: string) {
      const state = tokens.get(t);
      if (state) state.revoked = true;
    },
    expireToken(t: string) {
      const state = tokens.get(t);
      if (state) state.expired = true;
    },
    failNext(fault: Fault) {
      faults.push(fault);
    },
    stop: async () => {},
  };
  /** The Threads sign-in: the dialog, the code exchange and th_exchange_token (test/emulators/meta-login.ts). */
  const login = threadsLogin({
    clientId: options.clientId ?? 'threads-app',
    clientSecret: options.clientSecret ?? 'threads-app-secret',
    issued: emu.issued,
    nextId,
    issueToken: (userId, username) => emu.issueToken(userId, username).accessToken,
    ownerOf: (token) => {
      const state = tokens.get(token);
      return state && !state.revoked && !state.expired ? { userId: state.userId, username: state.username } : undefined;
    },
  });

  const usernameOf = (userId: string) => [...tokens.values()].find((t) => t.userId === userId)?.username ?? `user${userId}`;
  const postEntity = (p: ThreadsPostRecord) => ({
    id: p.id,
    text: p.text || undefined,
    media_type: p.mediaType === 'TEXT' ? 'TEXT_POST' : p.mediaType === 'CAROUSEL' ? 'CAROUSEL_ALBUM' : 'IMAGE',
    media_product_type: 'THREADS',
    timestamp: graphTime(p.createdAt),
    shortcode: p.shortcode,
    username: usernameOf(p.userId),
    permalink: `https://www.threads.com/@${usernameOf(p.userId)}/post/${p.shortcode}`,
    is_reply: p.replyTo !== undefined,
  });

  function auth(req: EmuRequest, params: Record<string, unknown>): TokenState | Reply {
    const token = graphToken(req, params);
    if (!token) return graphError({ code: 190, message: 'An access token is required to request this resource.' });
    const state = tokens.get(token);
    if (!state) return invalidToken();
    if (state.revoked) return revokedToken();
    if (state.expired) return expiredToken();
    return state;
  }

  async function route(req: EmuRequest, rest: string): Promise<Reply> {
    const params = readParams(req);
    const who = auth(req, params);
    if ('status' in who) return who;
    if (req.method === 'GET' && rest === '/refresh_access_token') return refresh(params, who);
    const [, rawId = '', edge] = rest.split('/');
    const objectId = rawId === 'me' ? who.userId : rawId;
    if (req.method === 'GET' && objectId === who.userId && !edge)
      return { status: 200, body: pickFields({ id: who.userId, username: who.username }, params.fields ?? 'username') };
    if (req.method === 'GET' && edge === 'insights') return postInsights(objectId, who.userId, params.metric);
    if (edge && objectId !== who.userId) return graphError({ code: 10, message: '(#10) Application does not have permission for this action' });
    if (req.method === 'POST' && edge === 'threads') return createContainer(who.userId, params);
    if (req.method === 'POST' && edge === 'threads_publish') return publish(who.userId, params);
    if (req.method === 'GET' && (edge === 'threads' || edge === 'replies')) return listPosts(who.userId, edge === 'replies', params);
    const container = !edge ? emu.containers.find((c) => c.id === objectId && c.userId === who.userId) : undefined;
    if (req.method === 'GET' && container) return { status: 200, body: pickFields(containerStatus(container), params.fields ?? 'status') };
    const post = !edge ? emu.posts.find((p) => p.id === objectId) : undefined;
    if (req.method === 'GET' && post) return { status: 200, body: pickFields(postEntity(post), params.fields) };
    return graphError({
      code: 100,
      subcode: 33,
      type: 'THApiException',
      message: `Unsupported ${req.method.toLowerCase()} request. Object with ID '${objectId}' does not exist.`,
    });
  }

  function postInsights(postId: string, userId: string, metric: unknown): Reply {
    const post = emu.posts.find((p) => p.id === postId && p.userId === userId);
    if (!post)
      return graphError({ code: 100, subcode: 33, type: 'THApiException', message: `Unsupported get request. Object with ID '${postId}' does not exist.` });
    const e = emu.engagement.of(postId);
    return insightsReply(
      postId,
      metric,
      { views: e.impressions, likes: e.likes, replies: e.replies, reposts: e.reposts, quotes: e.quotes, shares: 0 },
      'THApiException',
    );
  }

  function containerStatus(c: ThreadsContainerRecord) {
    if (c.status === 'IN_PROGRESS') {
      if (c.pollsLeft > 0) c.pollsLeft -= 1;
      else c.status = c.errorMessage ? 'ERROR' : 'FINISHED';
    }
    return { id: c.id, status: c.status, error_message: c.status === 'ERROR' ? c.errorMessage : undefined };
  }

  async function createContainer(userId: string, params: Record<string, unknown>): Promise<Reply> {
    const mediaType = String(params.media_type ?? '');
    if (!['TEXT', 'IMAGE', 'CAROUSEL', 'VIDEO'].includes(mediaType)) return invalid(`Emulator: media_type ${mediaType || '(missing)'} is not supported`);
    const text = typeof params.text === 'string' ? params.text : '';
    if (mediaType === 'TEXT' && text === '') return invalid('Param text is required for TEXT posts');
    if (countForThreads(text) > 500) return invalid('Param text must be at most 500 characters long.');
    const replyTo = typeof params.reply_to_id === 'string' && params.reply_to_id !== '' ? params.reply_to_id : undefined;
    if (replyTo && !emu.posts.some((p) => p.id === replyTo)) return invalid('Invalid reply_to_id: the post does not exist');
    const isCarouselItem = params.is_carousel_item === 'true' || params.is_carousel_item === true;
    const children = String(params.children ?? '')
      .split(',')
      .filter(Boolean);
    if (mediaType === 'CAROUSEL') {
      const items = children.map((id) => emu.containers.find((c) => c.id === id && c.userId === userId && c.isCarouselItem && c.status === 'FINISHED'));
      if (children.length < 2 || children.length > 20 || items.some((c) => !c))
        return invalid('The children parameter must name 2 to 20 finished carousel items');
    }
    if (mediaType === 'VIDEO') {
      // video_url is pulled (MOV/MP4, at most 1 GB); a file Threads cannot fetch or read ends the container in ERROR.
      const videoUrl = typeof params.video_url === 'string' ? params.video_url : undefined;
      if (!videoUrl) return invalid('Param video_url is required for VIDEO posts');
      const fetched = await fetchVideo(videoUrl);
      const polls = Math.max(1, emu.videoProcessingPolls);
      const errorMessage = !fetched ? 'UNKNOWN' : fetched.bytes > 1024 * 1024 * 1024 ? 'FILE_SIZE_LIMIT_EXCEEDED' : undefined;
      const container: ThreadsContainerRecord = {
        id: nextId(),
        userId,
        mediaType: 'VIDEO',
        text,
        imageUrl: undefined,
        replyTo,
        isCarouselItem,
        children: [],
        altText: undefined,
        received: fetched ? { contentType: fetched.contentType, bytes: fetched.bytes, sha256: fetched.sha256 } : undefined,
        ...(fetched ? { video: { url: videoUrl, ...fetched } } : {}),
        errorMessage: errorMessage ?? emu.videoErrors.shift(),
        pollsLeft: polls,
        status: 'IN_PROGRESS',
      };
      emu.containers.push(container);
      return { status: 200, body: { id: container.id } };
    }
    const imageUrl = typeof params.image_url === 'string' ? params.image_url : undefined;
    if (mediaType === 'IMAGE' && !imageUrl) return invalid('Param image_url is required for IMAGE posts');
    const fetched = imageUrl ? await fetchImage(imageUrl) : undefined;
    // Images: JPEG or PNG, at most 8 MB (Threads media specifications); otherwise the container ends in ERROR.
    const refused = fetched && (!['image/jpeg', 'image/png'].includes(fetched.contentType) || fetched.bytes.length > 8 * 1024 * 1024);
    const errorMessage = imageUrl && (!fetched || refused) ? (refused ? 'INVALID_IMAGE' : 'UNKNOWN') : undefined;
    const polls = mediaType === 'TEXT' ? 0 : emu.processingPolls;
    const container: ThreadsContainerRecord = {
      id: nextId(),
      userId,
      mediaType: mediaType as ThreadsContainerRecord['mediaType'],
      text,
      imageUrl,
      replyTo,
      isCarouselItem,
      children,
      altText: typeof params.alt_text === 'string' ? params.alt_text : undefined,
      received: fetched ? { contentType: fetched.contentType, bytes: fetched.bytes.length, sha256: fetched.sha256 } : undefined,
      errorMessage,
      pollsLeft: polls,
      status: polls > 0 ? 'IN_PROGRESS' : errorMessage ? 'ERROR' : 'FINISHED',
    };
    emu.containers.push(container);
    return { status: 200, body: { id: container.id } };
  }

  function publish(userId: string, params: Record<string, unknown>): Reply {
    const container = emu.containers.find((c) => c.id === String(params.creation_id ?? '') && c.userId === userId);
    if (!container || container.isCarouselItem || container.status === 'PUBLISHED')
      return graphError({ code: 24, subcode: 4279009, type: 'THApiException', message: 'The requested resource does not exist' });
    if (container.status !== 'FINISHED')
      return graphError({ code: 24, subcode: 4279009, type: 'THApiException', message: 'The media is not ready to be published' });
    container.status = 'PUBLISHED';
    const id = nextId();
    const shortcode = Buffer.from(id).toString('base64url').slice(0, 11);
    emu.posts.push({
      id,
      userId,
      text: container.text,
      mediaType: container.mediaType,
      replyTo: container.replyTo,
      containerId: container.id,
      shortcode,
      createdAt: new Date(),
    });
    return { status: 200, body: { id } };
  }

  function listPosts(userId: string, replies: boolean, params: Record<string, unknown>): Reply {
    return graphPage(emu.posts.filter((p) => p.userId === userId && (p.replyTo !== undefined) === replies).reverse(), params, postEntity, 'id');
  }

  function refresh(params: Record<string, unknown>, who: TokenState): Reply {
    if (params.grant_type !== 'th_refresh_token') return invalid('Unsupported grant_type');
    const t = emu.issueToken(who.userId, who.username);
    return { status: 200, body: { access_token: t.accessToken, token_type: 'bearer', expires_in: 5_183_944 } };
  }

  function faultReply(fault: Fault, objectId: string): Reply | undefined {
    if (fault.kind === '5xx')
      return graphError({ status: 500, code: 2, message: 'An unexpected error has occurred. Please retry your request later.', isTransient: true });
    if (fault.kind === '429' && fault.platformLimit) return graphPlatformThrottle(fault.platformLimit);
    if (fault.kind === '429') return graphThrottle(objectId, 'threads', 613, 'Calls to this api have exceeded the rate limit.', fault.resetInSeconds ?? 60);
    if (fault.kind === 'revoked') return revokedToken();
    if (fault.kind === 'rejected')
      return graphError({ code: 100, type: 'THApiException', message: 'The post could not be published because it goes against our Community Guidelines.' });
    return undefined;
  }

  async function handle(req: EmuRequest): Promise<Reply> {
    if (req.method === 'GET' && req.path === '/media/test.png') return pngReply(png);
    const { rest } = splitVersion(req.path);
    const signIn = login.handle(req, rest, readParams(req));
    if (signIn) return signIn;
    const fault = faults.take(`${req.method} ${rest}`);
    const scripted = fault ? faultReply(fault, rest.split('/')[1] ?? '') : undefined;
    if (scripted) return scripted;
    return applyTimeouts(fault, () => route(req, rest));
  }

  const server = await serveEmulator({
    handle,
    requests: emu.requests,
    latencyMs: () => emu.latencyMs,
    defaultHeaders: () => ({ 'x-fb-trace-id': randomBytes(8).toString('base64url') }),
  });
  emu.url = server.url;
  emu.imageUrl = `${server.url}/media/test.png`;
  emu.stop = server.stop;
  return Object.assign(emu, { login });
}

export type ThreadsEmulator = Awaited<ReturnType<typeof startThreadsEmulator>>;
