import type { CommentRequest, Credentials, MediaItem, NetworkAdapter, PublishedPart, PublishRequest, VideoUpload } from './adapter.ts';
import {
  finishedVideoContainer,
  graphCall,
  graphContext,
  listRecent,
  makeContainer,
  publishContainer,
  refreshLongLived,
  verifyAccount,
  waitForContainer,
  type GraphAdapterOptions,
  type GraphCtx,
} from './meta-graph.ts';
import { graphMetrics, readInstagramMedia } from './meta-graph-metrics.ts';
import { asRecord, makeError, publishThread, str, type PartToPost } from './http.ts';
import type { ProcessingWait } from './video-upload.ts';

/**
 * Instagram content publishing (Graph API): POST /{ig-user-id}/media (image_url, caption; carousel of item
 * containers for several images), poll the container's status_code until FINISHED, POST
 * /{ig-user-id}/media_publish (creation_id), then read the permalink. Media is required; no threads. The
 * 50-posts-per-24-h limit is checked first (content_publishing_limit) and its error (9 / 2207042) is rate_limited.
 * `credentials.accountId` is the Instagram professional account id.
 */

export interface InstagramAdapterOptions extends GraphAdapterOptions {
  /**
   * `facebook`: Facebook Login for Business on graph.facebook.com (Page-derived tokens, no refresh; default).
   * `instagram`: Instagram Login on graph.instagram.com, whose 60-day tokens refresh with ig_refresh_token.
   */
  login?: 'facebook' | 'instagram';
  /** How long one attempt waits for a Reel or Story container (default: 5 s to 60 s, 5 minutes in all, as Meta advises). */
  videoWait?: ProcessingWait;
}

export const INSTAGRAM_DEFAULT_VERSION = 'v24.0';
const MAX_CAROUSEL = 10;
const HOME = 'https://www.instagram.com/';

export function createInstagramAdapter(options: InstagramAdapterOptions = {}): NetworkAdapter {
  const login = options.login ?? 'facebook';
  const baseUrl = login === 'instagram' ? 'https://graph.instagram.com' : 'https://graph.facebook.com';
  const ctx = graphContext('instagram', 'Instagram', { baseUrl, version: INSTAGRAM_DEFAULT_VERSION, tokenIn: 'header' }, options);
  const videoWait = options.videoWait ?? INSTAGRAM_VIDEO_WAIT;
  const adapter: NetworkAdapter = {
    network: 'instagram',
    publish: async (req, creds) => {
      refuseUnpublishable(req);
      return publishThread(
        'instagram',
        req,
        async () => [],
        (part) => (req.video ? postVideo(ctx, req, req.video, part, creds, videoWait) : postPart(ctx, req, part, creds)),
      );
    },
    recentPosts: (creds, since, signal) =>
      listRecent(
        ctx,
        creds,
        {
          path: `/${encodeURIComponent(creds.accountId)}/media`,
          fields: { text: 'caption', time: 'timestamp', url: 'permalink' },
          fallbackUrl: () => HOME,
        },
        since,
        signal,
      ),
    metrics: (creds, ids, signal) => graphMetrics(ctx, creds, ids, signal, readInstagramMedia),
    verify: (creds, signal) => verifyAccount(ctx, creds, 'username', signal),
    comment: (req, creds) => commentOn(ctx, req, creds),
  };
  if (login === 'instagram') return { ...adapter, refresh: (creds, signal) => refreshLongLived(ctx, creds, 'ig_refresh_token', signal) };
  return adapter;
}

function refuseUnpublishable(req: PublishRequest): void {
  const fail = (message: string) => makeError('instagram', [], { errorClass: 'permanent', message });
  if (req.parts.length > 1) throw fail('Instagram does not support threads');
  if (req.video) {
    if (!req.video.file.url) throw fail('Instagram fetches a video from a signed link, and this delivery has none');
    return;
  }
  if (req.media.length === 0) throw fail('Instagram needs at least one image');
  if (req.media.length > MAX_CAROUSEL) throw fail(`Instagram allows at most ${MAX_CAROUSEL} images in a carousel`);
}

async function postPart(ctx: GraphCtx, req: PublishRequest, part: PartToPost, creds: Credentials): Promise<PublishedPart> {
  const user = encodeURIComponent(creds.accountId);
  await checkQuota(ctx, user, creds, req.signal);
  const container =
    req.media.length === 1
      ? await createContainer(ctx, user, creds, req.signal, { image_url: req.media[0]!.url, alt_text: req.media[0]!.alt, caption: part.text })
      : await createCarousel(ctx, user, req.media, part.text, creds, req.signal);
  await waitForContainer(ctx, creds, container, 'status_code', req.signal);
  return { position: part.position, ...(await publish(ctx, creds, user, container, 'publish media', req.signal)) };
}

/** media_publish for a finished container, then the new post's permalink. */
function publish(ctx: GraphCtx, creds: Credentials, user: string, container: string, what: string, signal: AbortSignal) {
  return publishContainer(ctx, creds, container, { path: `/${user}/media_publish`, what, idName: 'media', home: HOME, signal });
}

/** Meta advises polling a video container once a minute for at most five minutes. */
const INSTAGRAM_VIDEO_WAIT: ProcessingWait = { firstMs: 5_000, maxMs: 60_000, budgetMs: 5 * 60_000 };

/**
 * A Reel (media_type=REELS, caption, the poster frame as cover_url, share_to_feed) or a Story
 * (media_type=STORIES) whose video Instagram pulls from the signed link; the container's status_code is
 * polled with backoff until FINISHED (finishedVideoContainer: the container id is the checkpoint, an
 * EXPIRED one is replaced, one already PUBLISHED means the post exists), then media_publish.
 */
async function postVideo(
  ctx: GraphCtx,
  req: PublishRequest,
  upload: VideoUpload,
  part: PartToPost,
  creds: Credentials,
  wait: ProcessingWait,
): Promise<PublishedPart> {
  const user = encodeURIComponent(creds.accountId);
  await checkQuota(ctx, user, creds, req.signal);
  const id = await finishedVideoContainer(ctx, creds, upload, {
    field: 'status_code',
    wait,
    signal: req.signal,
    make: () => {
      const params: Record<string, string | undefined> =
        upload.instagram === 'stories'
          ? { media_type: 'STORIES', video_url: upload.file.url }
          : { media_type: 'REELS', video_url: upload.file.url, caption: part.text, cover_url: upload.file.posterUrl, share_to_feed: 'true' };
      return createContainer(ctx, user, creds, req.signal, params);
    },
  });
  return { position: part.position, ...(await publish(ctx, creds, user, id, 'publish video', req.signal)) };
}

/**
 * The moving 24-hour publishing quota as the network counts it: refuse early (rate_limited) instead of
 * creating containers in vain. The engine already counts Greenlight's own posts against the same limit
 * before calling (POSTING_LIMITS in src/domain/rate-limits.ts); this catches what it cannot see (posts
 * by other apps), and its refusal holds the whole account until `retryAt` like a 429 with a reset time.
 */
async function checkQuota(ctx: GraphCtx, user: string, creds: Credentials, signal: AbortSignal): Promise<void> {
  const json = await graphCall(ctx, creds, {
    method: 'GET',
    path: `/${user}/content_publishing_limit`,
    params: { fields: 'quota_usage,config' },
    what: 'read publishing limit',
    signal,
  });
  const entry = asRecord(Array.isArray(json.data) ? json.data[0] : undefined);
  const usage = entry.quota_usage;
  const total = asRecord(entry.config).quota_total;
  if (typeof usage !== 'number' || typeof total !== 'number' || usage < total) return;
  throw makeError('instagram', [], {
    errorClass: 'rate_limited',
    message: `Instagram publishing limit reached (${usage}/${total} posts in 24 hours)`,
    networkCode: 'content_publishing_limit',
    retryAt: new Date(ctx.now().getTime() + ctx.rateLimitWaitMs),
  });
}

async function createContainer(
  ctx: GraphCtx,
  user: string,
  creds: Credentials,
  signal: AbortSignal,
  params: Record<string, string | undefined>,
): Promise<string> {
  return makeContainer(ctx, creds, { path: `/${user}/media`, what: 'create media container', params, signal });
}

/** Item containers first (each must finish), then the CAROUSEL container that carries the caption. */
async function createCarousel(ctx: GraphCtx, user: string, media: MediaItem[], caption: string, creds: Credentials, signal: AbortSignal): Promise<string> {
  const children: string[] = [];
  for (const item of media) {
    const child = await createContainer(ctx, user, creds, signal, { image_url: item.url, alt_text: item.alt, is_carousel_item: 'true' });
    await waitForContainer(ctx, creds, child, 'status_code', signal);
    children.push(child);
  }
  return createContainer(ctx, user, creds, signal, { media_type: 'CAROUSEL', children: children.join(','), caption });
}

/** The first comment: POST /{ig-media-id}/comments (a comment has no page of its own: the link is the post's). */
async function commentOn(ctx: GraphCtx, req: CommentRequest, creds: Credentials): Promise<PublishedPart> {
  const json = await graphCall(ctx, creds, {
    method: 'POST',
    path: `/${encodeURIComponent(req.post.externalId)}/comments`,
    params: { message: req.text },
    what: 'create comment',
    creates: true,
    signal: req.signal,
  });
  const id = str(json.id);
  if (!id) throw makeError('instagram', [], { errorClass: 'unknown_outcome', message: 'Instagram create comment: answer without an id' });
  return { position: 1, externalId: id, url: req.post.url };
}
