import type { Credentials, MediaItem, NetworkAdapter, PublishedPart, PublishRequest, RecentPost } from './adapter.ts';
import {
  graphCall,
  graphContext,
  listRecent,
  permalinkOf,
  refreshLongLived,
  verifyAccount,
  waitForContainer,
  type GraphAdapterOptions,
  type GraphCtx,
} from './meta-graph.ts';
import { graphMetrics, readThreadsPost } from './meta-graph-metrics.ts';
import { makeError, publishThread, str, type PartToPost } from './http.ts';

/**
 * Threads (graph.threads.net, v1.0): POST /{user}/threads (media_type TEXT|IMAGE|CAROUSEL, text, image_url,
 * reply_to_id) → container, media containers polled until FINISHED, POST /{user}/threads_publish
 * (creation_id) → post id, permalink read after. A thread is a reply chain (each part reply_to_id the previous
 * post). The token goes in the access_token parameter, as Threads documents. Long-lived tokens refresh with
 * th_refresh_token. `credentials.accountId` is the Threads user id.
 */

export type ThreadsAdapterOptions = GraphAdapterOptions;

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
        (part) => postPart(ctx, req, part, creds),
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
  const json = await graphCall(ctx, creds, {
    method: 'POST',
    path: `/${user}/threads_publish`,
    params: { creation_id: container },
    what: 'publish post',
    creates: true,
    signal: req.signal,
  });
  const id = str(json.id);
  if (!id) throw makeError('threads', [], { errorClass: 'unknown_outcome', message: 'Threads publish post: answer without a post id' });
  return { position: part.position, externalId: id, url: await permalinkOf(ctx, creds, id, req.signal, HOME) };
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
  const json = await graphCall(ctx, creds, { method: 'POST', path: `/${user}/threads`, params, what: 'create post container', signal });
  const id = str(json.id);
  if (!id) throw makeError('threads', [], { errorClass: 'transient', message: 'Threads create post container: answer without an id' });
  return id;
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
