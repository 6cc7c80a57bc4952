import type { CommentRequest, Credentials, LinkCard, MediaItem, NetworkAdapter, PublishedPart, PublishRequest, VideoUpload } from './adapter.ts';
import { graphCall, graphContext, listRecent, verifyAccount, type GraphAdapterOptions, type GraphCtx } from './meta-graph.ts';
import { graphMetrics, readFacebookPost } from './meta-graph-metrics.ts';
import { makeError, publishThread, str, type PartToPost } from './http.ts';
import { firstUrl } from './links.ts';
import { checkpointOf, processingFailed, type ProcessingWait, waitForProcessing } from './video-upload.ts';

/**
 * Facebook Pages (Graph API) with a Page access token: text and links via POST /{page-id}/feed, one photo
 * via POST /{page-id}/photos (url, caption), several photos uploaded unpublished and attached to a feed
 * post (attached_media). No threads. Page tokens derived from long-lived user tokens do not expire: no refresh.
 * `credentials.accountId` is the page id.
 */

export interface FacebookAdapterOptions extends Omit<GraphAdapterOptions, 'pollMs' | 'maxPolls'> {
  /** How long one attempt waits for a Page video to be processed (default: 5 s to 60 s, 10 minutes in all). */
  videoWait?: ProcessingWait;
}

const FACEBOOK_VIDEO_WAIT: ProcessingWait = { firstMs: 5_000, maxMs: 60_000, budgetMs: 10 * 60_000 };

export const FACEBOOK_DEFAULT_VERSION = 'v24.0';

export function createFacebookAdapter(options: FacebookAdapterOptions = {}): NetworkAdapter {
  const ctx = graphContext('facebook', 'Facebook', { baseUrl: 'https://graph.facebook.com', version: FACEBOOK_DEFAULT_VERSION, tokenIn: 'header' }, options);
  return {
    network: 'facebook',
    publish: async (req, creds) => {
      if (req.parts.length > 1) throw makeError('facebook', [], { errorClass: 'permanent', message: 'Facebook does not support threads' });
      return publishThread(
        'facebook',
        req,
        async () => [],
        (part) => (req.video ? postVideo(ctx, req, req.video, part, creds, options.videoWait ?? FACEBOOK_VIDEO_WAIT) : postPart(ctx, req, part, creds)),
      );
    },
    recentPosts: (creds, since, signal) =>
      listRecent(
        ctx,
        creds,
        {
          path: `/${encodeURIComponent(creds.accountId)}/posts`,
          fields: { text: 'message', time: 'created_time', url: 'permalink_url' },
          fallbackUrl: facebookPostUrl,
        },
        since,
        signal,
      ),
    metrics: (creds, ids, signal) => graphMetrics(ctx, creds, ids, signal, readFacebookPost),
    verify: (creds, signal) => verifyAccount(ctx, creds, 'name', signal),
    comment: (req, creds) => commentOn(ctx, req, creds),
  };
}

export function facebookPostUrl(id: string): string {
  return `https://www.facebook.com/${id}`;
}

async function postPart(ctx: GraphCtx, req: PublishRequest, part: PartToPost, creds: Credentials): Promise<PublishedPart> {
  const page = encodeURIComponent(creds.accountId);
  const media = part.position === 0 ? req.media : [];
  const id =
    media.length === 1
      ? await postPhoto(ctx, page, media[0]!, part.text, creds, req.signal)
      : await postFeed(ctx, page, part.text, media, creds, req.signal, req.linkCard);
  return { position: part.position, externalId: id, url: facebookPostUrl(id) };
}

/**
 * A Page video: POST /{page}/videos with file_url (Facebook pulls the signed link) and the text as
 * description; the video id is kept in the checkpoint at once, so an attempt after a crash only waits
 * for the same video instead of posting a second one. Published means processed: status.video_status
 * is polled with backoff until ready; error is permanent with Facebook's words.
 */
async function postVideo(
  ctx: GraphCtx,
  req: PublishRequest,
  upload: VideoUpload,
  part: PartToPost,
  creds: Credentials,
  wait: ProcessingWait,
): Promise<PublishedPart> {
  const page = encodeURIComponent(creds.accountId);
  const cp = checkpointOf<{ videoId: string }>(upload.checkpoint);
  let videoId = (await cp.load()).videoId;
  if (!videoId) {
    if (!upload.file.url)
      throw makeError('facebook', [], { errorClass: 'permanent', message: 'Facebook fetches a video from a signed link, and this delivery has none' });
    const params = { file_url: upload.file.url, description: part.text };
    const json = await graphCall(ctx, creds, { method: 'POST', path: `/${page}/videos`, params, what: 'create video post', creates: true, signal: req.signal });
    videoId = str(json.id) ?? missingId(ctx, 'create video post');
    await cp.save({ videoId });
  }
  const id = videoId;
  await waitForProcessing('facebook', 'Facebook', wait, req.signal, async () => {
    const json = await graphCall(ctx, creds, {
      method: 'GET',
      path: `/${encodeURIComponent(id)}`,
      params: { fields: 'status' },
      what: 'video status',
      signal: req.signal,
    });
    const status = json.status as { video_status?: unknown; processing_phase?: { error?: { message?: unknown } } } | undefined;
    if (status?.video_status === 'ready') return { done: true, value: id };
    if (status?.video_status === 'error') throw processingFailed('facebook', 'Facebook', str(status.processing_phase?.error?.message));
    return { done: false };
  });
  const postId = `${creds.accountId}_${id}`;
  return { position: part.position, externalId: postId, url: facebookPostUrl(postId) };
}

/** One published photo with the text as caption: the answer's post_id is the feed post. */
async function postPhoto(ctx: GraphCtx, page: string, item: MediaItem, text: string, creds: Credentials, signal: AbortSignal): Promise<string> {
  const params = { url: item.url, caption: text, alt_text_custom: item.alt };
  const json = await graphCall(ctx, creds, { method: 'POST', path: `/${page}/photos`, params, what: 'create photo post', creates: true, signal });
  const postId = str(json.post_id) ?? (str(json.id) ? `${creds.accountId}_${str(json.id)}` : undefined);
  return postId ?? missingId(ctx, 'create photo post');
}

/** A feed post: the text, its first link, and any unpublished photos attached. */
async function postFeed(
  ctx: GraphCtx,
  page: string,
  text: string,
  media: MediaItem[],
  creds: Credentials,
  signal: AbortSignal,
  linkCard?: LinkCard | null,
): Promise<string> {
  const params: Record<string, string | undefined> = { message: text };
  const photos: string[] = [];
  for (const item of media) photos.push(await uploadUnpublished(ctx, page, item, creds, signal));
  photos.forEach((fbid, i) => {
    params[`attached_media[${i}]`] = JSON.stringify({ media_fbid: fbid });
  });
  // The link field makes Facebook draw the page's card; the author's "no link preview" leaves it out.
  if (photos.length === 0 && linkCard !== null) params.link = firstUrl(text);
  const json = await graphCall(ctx, creds, { method: 'POST', path: `/${page}/feed`, params, what: 'create post', creates: true, signal });
  return str(json.id) ?? missingId(ctx, 'create post');
}

async function uploadUnpublished(ctx: GraphCtx, page: string, item: MediaItem, creds: Credentials, signal: AbortSignal): Promise<string> {
  const params = { url: item.url, published: 'false', alt_text_custom: item.alt };
  const json = await graphCall(ctx, creds, { method: 'POST', path: `/${page}/photos`, params, what: 'upload photo', signal });
  const id = str(json.id);
  if (!id) throw makeError('facebook', [], { errorClass: 'transient', message: 'Facebook upload photo: answer without an id' });
  return id;
}

function missingId(ctx: GraphCtx, what: string): never {
  throw makeError(ctx.network, [], { errorClass: 'unknown_outcome', message: `Facebook ${what}: answer without a post id` });
}

/** The first comment, as the Page: POST /{page-post-id}/comments; its link opens the post at the comment. */
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
  if (!id) throw makeError('facebook', [], { errorClass: 'unknown_outcome', message: 'Facebook create comment: answer without an id' });
  return { position: 1, externalId: id, url: `${req.post.url}?comment_id=${encodeURIComponent(id.split('_').pop()!)}` };
}
