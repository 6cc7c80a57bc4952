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
  randomToken,
  readParams,
  serveEmulator,
  splitVersion,
  tinyJpeg,
  type EmuRequest,
  type Fault,
  type Reply,
  type RequestRecord,
  graphPage,
} from './common.ts';
import { engagementBook, insightsReply } from './engagement.ts';
import { fetchVideo } from './video-fetch.ts';

/**
 * Instagram Graph API content-publishing emulator on 127.0.0.1: POST /{ig-user-id}/media (image_url fetched
 * like Instagram does; carousel items and CAROUSEL containers), GET /{container-id}?fields=status_code,status
 * (IN_PROGRESS for `processingPolls` reads, then FINISHED, or ERROR when scripted), POST
 * /{ig-user-id}/media_publish, GET /{media-id} (permalink...), GET /{ig-user-id}/media,
 * GET /{ig-user-id}/content_publishing_limit (50 per moving 24 h, enforced on media_publish as 9 / 2207042),
 * GET /refresh_access_token (ig_refresh_token), GET /me. Graph error shape; any /vNN.N/ prefix accepted.
 * GET /{media-id}/insights?metric=views,reach,likes,comments,shares,saved,total_interactions from seeded
 * synthetic engagement (impressions is refused, as since v22).
 */

export type { Fault, FaultKind } from './common.ts';
export interface InstagramEmulatorOptions {
  latencyMs?: number;
  /** Status reads that answer IN_PROGRESS before a container is FINISHED (default 0). */
  processingPolls?: number;
  /** Posts per moving 24 hours (default 50). */
  publishLimit?: number;
  /** Seed of the synthetic engagement insights report (test/emulators/engagement.ts). */
  metricsSeed?: string;
}
export interface InstagramContainerRecord {
  id: string;
  userId: string;
  mediaType: 'IMAGE' | 'CAROUSEL' | 'REELS' | 'STORIES';
  imageUrl: string | undefined;
  /** REELS and STORIES (issue 15): the video pulled from video_url, and the cover pulled from cover_url. */
  video?: { url: string; bytes: number; contentType: string; sha256: string; coverUrl?: string; shareToFeed?: boolean };
  caption: string;
  altText: string | undefined;
  /** What the emulator fetched from image_url: declared type, size and sha256 of the bytes. */
  received: { contentType: string; bytes: number; sha256: string } | undefined;
  isCarouselItem: boolean;
  children: string[];
  statusCode: 'IN_PROGRESS' | 'FINISHED' | 'ERROR' | 'PUBLISHED' | 'EXPIRED';
  status: string;
  pollsLeft: number;
}
export interface InstagramMediaRecord {
  id: string;
  userId: string;
  containerId: string;
  caption: string;
  mediaType: string;
  shortcode: string;
  createdAt: Date;
}
export interface InstagramTokens {
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

const DAY_MS = 86_400_000;
const invalidToken = () => graphError({ code: 190, message: 'Invalid OAuth access token - Cannot parse access token' });
const revokedToken = () =>
  graphError({ code: 190, subcode: 458, message: 'Error validating access token: The user has not authorized application 936619743392459.' });
const expiredToken = () => graphError({ code: 190, subcode: 463, message: 'Error validating access token: Session has expired.' });
const notReady = (message: string) =>
  graphError({
    code: 9007,
    subcode: 2207027,
    message,
    userTitle: 'Media ID is not available',
    userMsg: 'The media is not ready for publishing, please wait for a moment',
  });

export async function startInstagramEmulator(options: InstagramEmulatorOptions = {}) {
  const seq = { n: 0n };
  const nextId = () => numericId(seq, 17_900_000_000_000_000n);
  const tokens = new Map<string, TokenState>();
  const faults = faultQueue(/^POST \/[^/]+\/media_publish$/);
  const jpeg = tinyJpeg();

  const emu = {
    url: '',
    imageUrl: '',
    latencyMs: options.latencyMs ?? 0,
    processingPolls: options.processingPolls ?? 0,
    publishLimit: options.publishLimit ?? 50,
    /** Status texts for the next containers to end in ERROR, e.g. "Error: 2207004 The image size is too large." */
    containerErrors: [] as string[],
    containers: [] as InstagramContainerRecord[],
    /** Status reads a video container (REELS, STORIES) answers IN_PROGRESS before its outcome; Infinity: it never finishes. */
    videoProcessingPolls: 2,
    /** A container expires 24 hours after it was made unpublished: this one now answers EXPIRED. */
    expireContainer(id: string) {
      const c = emu.containers.find((x) => x.id === id);
      if (c) c.statusCode = 'EXPIRED';
    },
    media: [] as InstagramMediaRecord[],
    /** Comments made through POST /{ig-media-id}/comments (the account on its own media). */
    comments: [] as { id: string; mediaId: string; userId: string; message: string }[],
    requests: [] as RequestRecord[],
    /** What /{media-id}/insights reports per post: seeded, or pinned by a test. */
    engagement: engagementBook(options.metricsSeed),
    /** Every token and code handed out (tests scan logs for them). */
    issued: [] as string[],
    issueToken(userId: string = nextId(), username = `user${userId.slice(-4)}`): InstagramTokens {
      const accessToken = `IGAA${randomToken()}`;
      emu.issued.push(accessToken);
      tokens.set(accessToken, { userId, username, revoked: false, expired: false });
      return { accessToken, userId, username };
    },
    /** A token issued elsewhere that may act for `userId`: the Page token Facebook Login gave for the Page it is linked to. */
    trustToken(accessToken: string, userId: string, username: string) {
      tokens.set(accessToken, { userId, username, revoked: false, expired: false });
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

  const published = (userId: string) => emu.media.filter((m) => m.userId === userId && Date.now() - m.createdAt.getTime() < DAY_MS).length;
  const mediaEntity = (m: InstagramMediaRecord) => ({
    id: m.id,
    caption: m.caption || undefined,
    media_type: m.mediaType,
    media_product_type: 'FEED',
    timestamp: graphTime(m.createdAt),
    permalink: `https://www.instagram.com/p/${m.shortcode}/`,
    shortcode: m.shortcode,
    username: [...tokens.values()].find((t) => t.userId === m.userId)?.username,
  });

  function auth(req: EmuRequest, params: Record<string, unknown>): TokenState | Reply {
    const token = graphToken(req, params);
    if (!token) return graphError({ code: 104, message: 'An access token is required to request this resource.' });
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
    const [, objectId = '', edge] = rest.split('/');
    if (req.method === 'GET' && objectId === 'me' && !edge) return { status: 200, body: { id: who.userId, user_id: who.userId, username: who.username } };
    if (req.method === 'GET' && objectId === who.userId && !edge)
      return { status: 200, body: pickFields({ id: who.userId, username: who.username }, params.fields ?? 'id') };
    if (req.method === 'GET' && edge === 'insights') return mediaInsights(objectId, who.userId, params.metric);
    if (req.method === 'POST' && edge === 'comments') {
      const target = emu.media.find((m) => m.id === objectId && m.userId === who.userId);
      if (!target)
        return graphError({
          code: 100,
          subcode: 33,
          type: 'GraphMethodException',
          message: `Unsupported post request. Object with ID '${objectId}' does not exist`,
        });
      if (typeof params.message !== 'string' || params.message.trim() === '')
        return graphError({ code: 100, message: '(#100) The parameter message is required' });
      const id = nextId();
      emu.comments.push({ id, mediaId: objectId, userId: who.userId, message: params.message });
      return { status: 200, body: { id } };
    }
    if (edge && objectId !== who.userId) return graphError({ code: 10, message: '(#10) Application does not have permission for this action' });
    if (req.method === 'POST' && edge === 'media') return createContainer(who.userId, params);
    if (req.method === 'POST' && edge === 'media_publish') return publish(who.userId, params);
    if (req.method === 'GET' && edge === 'media') return listMedia(who.userId, params);
    if (req.method === 'GET' && edge === 'content_publishing_limit') {
      return { status: 200, body: { data: [{ quota_usage: published(who.userId), config: { quota_total: emu.publishLimit, quota_duration: 86400 } }] } };
    }
    const container = !edge ? emu.containers.find((c) => c.id === objectId && c.userId === who.userId) : undefined;
    if (req.method === 'GET' && container) return { status: 200, body: pickFields(containerStatus(container), params.fields) };
    const media = !edge ? emu.media.find((m) => m.id === objectId && m.userId === who.userId) : undefined;
    if (req.method === 'GET' && media) return { status: 200, body: pickFields(mediaEntity(media), params.fields) };
    return graphError({
      code: 100,
      subcode: 33,
      type: 'GraphMethodException',
      message: `Unsupported ${req.method.toLowerCase()} request. Object with ID '${objectId}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
    });
  }

  function mediaInsights(mediaId: string, userId: string, metric: unknown): Reply {
    const media = emu.media.find((m) => m.id === mediaId && m.userId === userId);
    if (!media)
      return graphError({
        code: 100,
        subcode: 33,
        type: 'GraphMethodException',
        message: `Unsupported get request. Object with ID '${mediaId}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
      });
    const e = emu.engagement.of(mediaId);
    return insightsReply(mediaId, metric, {
      views: e.impressions,
      reach: Math.floor(e.impressions * 0.7),
      likes: e.likes,
      comments: e.replies,
      shares: e.reposts,
      saved: e.quotes,
      total_interactions: e.likes + e.replies + e.reposts + e.quotes,
    });
  }

  /** Each status read counts down the processing; a scripted error shows once processing is over. */
  function containerStatus(c: InstagramContainerRecord) {
    if (c.statusCode === 'IN_PROGRESS') {
      if (c.pollsLeft > 0) c.pollsLeft -= 1;
      else c.statusCode = c.status ? 'ERROR' : 'FINISHED';
    }
    return {
      id: c.id,
      status_code: c.statusCode,
      status:
        c.statusCode === 'ERROR'
          ? c.status
          : c.statusCode === 'FINISHED'
            ? 'Finished: Media has been uploaded and it is ready to be published.'
            : 'In Progress',
    };
  }

  async function createContainer(userId: string, params: Record<string, unknown>): Promise<Reply> {
    const caption = typeof params.caption === 'string' ? params.caption : '';
    if (caption.length > 2200) return graphError({ code: 100, subcode: 2207010, message: 'The caption is too long.' });
    const isCarouselItem = params.is_carousel_item === 'true' || params.is_carousel_item === true;
    const status = emu.containerErrors.shift() ?? '';
    const statusCode = emu.processingPolls > 0 ? 'IN_PROGRESS' : status ? 'ERROR' : 'FINISHED';
    const base = { id: nextId(), userId, caption, isCarouselItem, pollsLeft: emu.processingPolls, status, statusCode } as const;
    if (params.media_type === 'CAROUSEL') {
      const children = String(params.children ?? '')
        .split(',')
        .filter(Boolean);
      const items = children.map((id) => emu.containers.find((c) => c.id === id && c.userId === userId && c.isCarouselItem));
      if (children.length < 2 || children.length > 10 || items.some((c) => !c))
        return graphError({ code: 100, message: '(#100) The children parameter must name 2 to 10 carousel item containers' });
      if (items.some((c) => c!.statusCode !== 'FINISHED')) return notReady('Media ID is not available');
      emu.containers.push({ ...base, mediaType: 'CAROUSEL', imageUrl: undefined, altText: undefined, received: undefined, children });
      return { status: 200, body: { id: base.id } };
    }
    if (params.media_type === 'REELS' || params.media_type === 'STORIES') return createVideoContainer(params, base);
    if (params.media_type === 'VIDEO') {
      return graphError({ code: 100, subcode: 2207067, message: '(#100) The VIDEO media type is only for carousel items: use REELS for a video post.' });
    }
    const imageUrl = typeof params.image_url === 'string' ? params.image_url : undefined;
    if (!imageUrl) return graphError({ code: 100, message: '(#100) The parameter image_url is required' });
    const fetched = await fetchImage(imageUrl);
    if (!fetched) {
      return graphError({
        code: 9004,
        subcode: 2207052,
        message: 'Only photo or video can be accepted as media type.',
        userTitle: 'Media download has failed',
        userMsg: 'The media could not be fetched from this URI.',
      });
    }
    // image_url: "JPEG is the only image format supported"; at most 8 MiB (ig-user/media reference).
    if (fetched.contentType !== 'image/jpeg') {
      return graphError({
        code: 9004,
        subcode: 2207026,
        message: 'Only photo or video can be accepted as media type.',
        userTitle: 'Unsupported format',
        userMsg: 'The image format is not supported. Only JPEG images are supported.',
      });
    }
    if (fetched.bytes.length > 8 * 1024 * 1024) {
      return graphError({
        code: 36003,
        subcode: 2207004,
        message: 'The image is too large to download.',
        userTitle: 'Image too large',
        userMsg: 'The image is too large to download. It should be less than 8 MB.',
      });
    }
    const altText = typeof params.alt_text === 'string' ? params.alt_text : undefined;
    if (altText !== undefined && altText.length > 1000) return graphError({ code: 100, message: '(#100) alt_text must be at most 1000 characters' });
    const received = { contentType: fetched.contentType, bytes: fetched.bytes.length, sha256: fetched.sha256 };
    emu.containers.push({ ...base, mediaType: 'IMAGE', imageUrl, altText, received, children: [] });
    return { status: 200, body: { id: base.id } };
  }

  /**
   * REELS (video_url, caption, cover_url, share_to_feed) and STORIES (video_url): Instagram pulls the video
   * and the cover; a URL it cannot fetch, or a file that is not MP4/MOV, is refused at once (2207052/2207026).
   * Processing always takes `videoProcessingPolls` status reads.
   */
  async function createVideoContainer(
    params: Record<string, unknown>,
    base: Pick<InstagramContainerRecord, 'id' | 'userId' | 'caption' | 'isCarouselItem' | 'status'>,
  ): Promise<Reply> {
    const kind = params.media_type as 'REELS' | 'STORIES';
    const videoUrl = typeof params.video_url === 'string' ? params.video_url : undefined;
    if (!videoUrl) return graphError({ code: 100, message: '(#100) The parameter video_url is required' });
    if (params.is_carousel_item === 'true') return graphError({ code: 100, subcode: 2207054, message: '(#100) Reels are not supported in carousels.' });
    const fetched = await fetchVideo(videoUrl);
    if (!fetched) {
      return graphError({
        code: 9004,
        subcode: 2207052,
        message: 'Only photo or video can be accepted as media type.',
        userTitle: 'Media download has failed',
        userMsg: 'The media could not be fetched from this URI.',
      });
    }
    const limit = kind === 'STORIES' ? 100 * 1024 * 1024 : 300 * 1024 * 1024;
    if (fetched.bytes > limit) return graphError({ code: 36003, subcode: 2207004, message: 'The video is too large to download.' });
    const coverUrl = typeof params.cover_url === 'string' ? params.cover_url : undefined;
    if (coverUrl) {
      const cover = await fetchImage(coverUrl);
      if (cover?.contentType !== 'image/jpeg')
        return graphError({ code: 9004, subcode: 2207052, message: 'The cover image could not be fetched from this URI.' });
    }
    const polls = Math.max(1, emu.videoProcessingPolls);
    emu.containers.push({
      ...base,
      caption: kind === 'STORIES' ? '' : base.caption,
      mediaType: kind,
      imageUrl: undefined,
      altText: undefined,
      received: { contentType: fetched.contentType, bytes: fetched.bytes, sha256: fetched.sha256 },
      video: {
        url: videoUrl,
        bytes: fetched.bytes,
        contentType: fetched.contentType,
        sha256: fetched.sha256,
        ...(coverUrl ? { coverUrl } : {}),
        shareToFeed: params.share_to_feed !== 'false',
      },
      children: [],
      pollsLeft: polls,
      statusCode: 'IN_PROGRESS',
    });
    return { status: 200, body: { id: base.id } };
  }

  function publish(userId: string, params: Record<string, unknown>): Reply {
    const container = emu.containers.find((c) => c.id === String(params.creation_id ?? '') && c.userId === userId);
    if (!container || container.isCarouselItem || container.statusCode === 'PUBLISHED') return notReady('Media ID is not available');
    if (container.statusCode !== 'FINISHED') return notReady('The media is not ready for publishing, please wait for a moment');
    if (published(userId) >= emu.publishLimit) {
      return graphError({
        code: 9,
        subcode: 2207042,
        message: 'Application request limit reached',
        userTitle: 'Cannot publish',
        userMsg: 'You have reached the maximum number of posts allowed in 24 hours.',
      });
    }
    container.statusCode = 'PUBLISHED';
    const id = nextId();
    const shortcode = Buffer.from(id).toString('base64url').slice(0, 11);
    emu.media.push({
      id,
      userId,
      containerId: container.id,
      caption: container.caption,
      mediaType: container.mediaType === 'CAROUSEL' ? 'CAROUSEL_ALBUM' : container.video ? 'VIDEO' : 'IMAGE',
      shortcode,
      createdAt: new Date(),
    });
    return { status: 200, body: { id } };
  }

  function listMedia(userId: string, params: Record<string, unknown>): Reply {
    return graphPage(emu.media.filter((m) => m.userId === userId).reverse(), params, mediaEntity, 'id');
  }

  function refresh(params: Record<string, unknown>, who: TokenState): Reply {
    if (params.grant_type !== 'ig_refresh_token') return graphError({ code: 100, message: 'Unsupported grant_type' });
    const t = emu.issueToken(who.userId, who.username);
    return { status: 200, body: { access_token: t.accessToken, token_type: 'bearer', expires_in: 5_184_000 } };
  }

  function faultReply(fault: Fault, objectId: string): Reply | undefined {
    if (fault.kind === '5xx')
      return graphError({ status: 500, code: 2, message: 'An unexpected error has occurred. Please retry your request later.', isTransient: true });
    if (fault.kind === '429' && fault.platformLimit) return graphPlatformThrottle(fault.platformLimit);
    if (fault.kind === '429')
      return graphThrottle(
        objectId,
        'instagram',
        80002,
        'There have been too many calls to this Instagram account. Wait a bit and try again.',
        fault.resetInSeconds ?? 60,
      );
    if (fault.kind === 'revoked') return revokedToken();
    if (fault.kind === 'rejected') {
      return graphError({
        code: 100,
        subcode: 2207051,
        message: 'We restrict certain activity to protect our community.',
        userTitle: 'Action is blocked',
        userMsg: 'The post was not published.',
      });
    }
    return undefined;
  }

  async function handle(req: EmuRequest): Promise<Reply> {
    if (req.method === 'GET' && req.path === '/media/test.jpg') return { status: 200, raw: jpeg, headers: { 'content-type': 'image/jpeg' } };
    const { rest } = splitVersion(req.path);
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
  emu.imageUrl = `${server.url}/media/test.jpg`;
  emu.stop = server.stop;
  return emu;
}

export type InstagramEmulator = Awaited<ReturnType<typeof startInstagramEmulator>>;
