import type { Credentials, MediaItem, NetworkAdapter, PublishedPart, PublishRequest, RecentPost, VideoUpload } from './adapter.ts';
import {
  finishedVideoContainer,
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
import { graphMetrics, readThreadsPost } from './meta-graph-metrics.ts';
import { makeError, publishThread, type PartToPost } from './http.ts';
import type { ProcessingWait } from './video-upload.ts';

/**
 * Threads (graph.threads.net, v1.0): POST /{user}/threads (media_type TEXT|IMAGE|CAROUSEL, text, image_url,
 * reply_to_id) → container, media containers polled until FINISHED, POST /{user}/threads_publish
 * (creation_id) → post id, permalink read after. A thread is a reply chain (each part reply_to_id the previous
 * post). The token goes in the access_token parameter, as Threads documents. Long-lived tokens refresh with
 * th_refresh_token. `credentials.accountId` is the Threads user id.
 */

export interface ThreadsAdapterOptions extends GraphAdapterOptions {
  /** How long one attempt waits for a VIDEO container (default: 10 s to 60 s, 5 minutes in all; Threads advises about 30 s). */
  videoWait?: ProcessingWait;
}

/** Threads advises waiting about 30 s before publishing a video container; polled from 10 s on, 5 minutes an attempt. */
const THREADS_VIDEO_WAIT: ProcessingWait = { firstMs: 10_000, maxMs: 60_000, budgetMs: 5 * 60_000 };

export const THREADS_DEFAULT_VERSION = 'v1.0';
const MAX_CAROUSEL = 20;
const HOME = 'https://www.threads.com/';

export function createThreadsAdapter(options: ThreadsAdapterOptions = {}): NetworkAdapter {
  const ctx = graphContext('threads', 'Threads', { baseUrl: 'https://graph.threads.net', version: THREADS_DEFAULT_VERSION, tokenIn: 'param' }, options);
  return {
    network: 'threads',
    publish: async (req, creds) => {
      if (req.media.length > MAX_CAROUSEL)
        throw makeError('threads', [], { errorClass: 'permanent', message: `Threads allows at most ${MAX_CAROUSEL} images in a carousel` });
      return publishThread(
        'threads',
        req,
        async () => [],
        (part) =>
          req.video && part.position === 0
            ? postVideo(ctx, req, req.video, part, creds, options.videoWait ?? THREADS_VIDEO_WAIT)
            : postPart(ctx, req, part, creds),
      );
    },
    recentPosts: (creds, since, signal) => recentPosts(ctx, creds, since, signal),
    refresh: (creds, signal) => refreshLongLived(ctx, creds, 'th_refresh_token', signal),
    metrics: (creds, ids, signal) => graphMetrics(ctx, creds, ids, signal, readThreadsPost),
    verify: (creds, signal) => verifyAccount(ctx, creds, 'username', signal),
  };
}

async function postPart(ctx: GraphCtx, req: PublishRequest, part: PartToPost, creds: Credentials): Promise<PublishedPart> {
  const user = encodeURIComponent(creds.accountId);
  // publishThread posts position 0 only when nothing was published yet: the media belong to it.
  const media = part.position === 0 ? req.media : [];
  const container = await createPostContainer(ctx, user, part, media, creds, req.signal);
  if (media.length > 0) await waitForContainer(ctx, creds, container, 'status', req.signal);
  return { position: part.position, ...(await publish(ctx, creds, user, container, 'publish post', req.signal)) };
}

/** threads_publish for a finished container, then the new post's permalink. */
function publish(ctx: GraphCtx, creds: Credentials, user: string, container: string, what: string, signal: AbortSignal) {
  return publishContainer(ctx, creds, container, { path: `/${user}/threads_publish`, what, idName: 'post', home: HOME, signal });
}

/**
 * A VIDEO container whose video Threads pulls from the signed link (text and reply as any post), its
 * status polled with backoff until FINISHED (finishedVideoContainer: the container id is the checkpoint;
 * ERROR is permanent with Threads' error_message; EXPIRED, or a checkpoint older than 23 h, makes a new
 * one), then threads_publish.
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
  const id = await finishedVideoContainer(ctx, creds, upload, {
    field: 'status',
    wait,
    signal: req.signal,
    make: () => {
      if (!upload.file.url)
        throw makeError('threads', [], { errorClass: 'permanent', message: 'Threads fetches a video from a signed link, and this delivery has none' });
      return createContainer(ctx, user, creds, req.signal, { media_type: 'VIDEO', video_url: upload.file.url, text: part.text, reply_to_id: part.replyTo });
    },
  });
  return { position: part.position, ...(await publish(ctx, creds, user, id, 'publish video', req.signal)) };
}

async function createPostContainer(
  ctx: GraphCtx,
  user: string,
  part: PartToPost,
  media: MediaItem[],
  creds: Credentials,
  signal: AbortSignal,
): Promise<string> {
  const common = { text: part.text, reply_to_id: part.replyTo };
  if (media.length === 0) return createContainer(ctx, user, creds, signal, { media_type: 'TEXT', ...common });
  if (media.length === 1)
    return createContainer(ctx, user, creds, signal, { media_type: 'IMAGE', image_url: media[0]!.url, alt_text: media[0]!.alt, ...common });
  const children: string[] = [];
  for (const item of media) {
    const child = await createContainer(ctx, user, creds, signal, { media_type: 'IMAGE', image_url: item.url, alt_text: item.alt, is_carousel_item: 'true' });
    await waitForContainer(ctx, creds, child, 'status', signal);
    children.push(child);
  }
  return createContainer(ctx, user, creds, signal, { media_type: 'CAROUSEL', children: children.join(','), ...common });
}

async function createContainer(
  ctx: GraphCtx,
  user: string,
  creds: Credentials,
  signal: AbortSignal,
  params: Record<string, string | undefined>,
): Promise<string> {
  return makeContainer(ctx, creds, { path: `/${user}/threads`, what: 'create post container', params, signal });
}

/**
 * The user's posts and replies (a thread's later parts are replies), newest first. Reading replies needs
 * threads_read_replies; without it only the top-level posts are returned.
 */
async function recentPosts(ctx: GraphCtx, creds: Credentials, since: Date, signal: AbortSignal): Promise<RecentPost[]> {
  const user = encodeURIComponent(creds.accountId);
  const list = (edge: string) =>
    listRecent(ctx, creds, { path: `/${user}/${edge}`, fields: { text: 'text', time: 'timestamp', url: 'permalink' }, fallbackUrl: () => HOME }, since, signal);
  const posts = await list('threads');
  const replies = await list('replies').catch((err: unknown) => {
    const errorClass = (err as { errorClass?: string }).errorClass;
    if (errorClass === 'auth' || errorClass === 'permanent') return [];
    throw err;
  });
  const seen = new Set(posts.map((p) => p.externalId));
  return [...posts, ...replies.filter((r) => !seen.has(r.externalId))].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
}
