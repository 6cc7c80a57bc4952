import type { Dispatcher } from 'undici';
import {
  NetworkError,
  type AccountIdentity,
  type CommentRequest,
  type Credentials,
  type ErrorClass,
  type LinkCard,
  type MediaItem,
  type NetworkAdapter,
  type PublishedPart,
  type PublishRequest,
  type RecentPost,
  type VideoUpload,
} from './adapter.ts';
import {
  asRecord,
  namingFile,
  openMedia,
  header,
  makeError,
  parseJson,
  pause,
  publishThread,
  send,
  str,
  type HttpCall,
  type HttpOptions,
  type HttpResponse,
  type PartToPost,
} from './http.ts';
import { linkedInMetrics } from './linkedin-metrics.ts';
import { fromLittleText, toLittleText } from './linkedin-text.ts';
import { firstUrl } from './links.ts';
import { checkpointOf, processingFailed, type ProcessingWait, readSegment, waitForProcessing } from './video-upload.ts';

/**
 * LinkedIn Posts API: POST /rest/posts (versioned, Rest.li 2.0), id in the `x-restli-id` header. A link in
 * the text becomes an article share; images go through /rest/images?action=initializeUpload + PUT. No threads.
 * `credentials.accountId` is the author URN (urn:li:person:… or urn:li:organization:…).
 */

export interface LinkedInAdapterOptions {
  baseUrl?: string;
  /** OAuth base for token refresh (default https://www.linkedin.com/oauth/v2). */
  oauthUrl?: string;
  /** `LinkedIn-Version` header, YYYYMM (versions sunset after about a year). */
  version?: string;
  dispatcher?: Dispatcher;
  timeoutMs?: number;
  /** OAuth client (needed for refresh; LinkedIn grants refresh tokens only to approved apps). */
  clientId?: string;
  clientSecret?: string;
  now?: () => Date;
  /** How long one attempt waits for LinkedIn to process a video (default: 3 s to 30 s, 10 minutes in all). */
  videoWait?: ProcessingWait;
}

export const LINKEDIN_DEFAULT_VERSION = '202610';
const IMAGE_MAX_BYTES = 20 * 1024 * 1024;
/** The posts finder's page size (its largest `count`) and how many pages a lookup reads at most. */
const RECENT_PAGE = 100;
const RECENT_PAGES = 10;

interface Ctx {
  base: string;
  oauthUrl: string;
  version: string;
  http: HttpOptions;
  options: LinkedInAdapterOptions;
  now: () => Date;
}

export function createLinkedInAdapter(options: LinkedInAdapterOptions = {}): NetworkAdapter {
  const ctx: Ctx = {
    base: (options.baseUrl ?? 'https://api.linkedin.com').replace(/\/+$/, ''),
    oauthUrl: (options.oauthUrl ?? 'https://www.linkedin.com/oauth/v2').replace(/\/+$/, ''),
    version: options.version ?? LINKEDIN_DEFAULT_VERSION,
    http: { network: 'linkedin', dispatcher: options.dispatcher, timeoutMs: options.timeoutMs ?? 30_000 },
    options,
    now: options.now ?? (() => new Date()),
  };
  return {
    network: 'linkedin',
    publish: async (req, creds) => {
      noThreads(req);
      return publishThread(
        'linkedin',
        req,
        () => (req.video ? uploadVideo(ctx, req.video, creds, req.signal).then((urn) => [urn]) : uploadAll(ctx, req.media, creds, req.signal)),
        (part) => postPart(ctx, req, part, creds),
      );
    },
    recentPosts: (creds, since, signal) => recentPosts(ctx, creds, since, signal),
    refresh: (creds, signal) => refresh(ctx, creds, signal),
    verify: (creds, signal) => verify(ctx, creds, signal),
    comment: (req, creds) => commentOn(ctx, req, creds),
    metrics: (creds, urns, signal) =>
      linkedInMetrics(
        { base: ctx.base, http: ctx.http, headers: (c) => headers(ctx, c, false), error: (res, call) => linkedInError(ctx, res, call) },
        creds,
        urns,
        signal,
      ),
  };
}

export function linkedInPostUrl(urn: string): string {
  return `https://www.linkedin.com/feed/update/${urn}/`;
}

function noThreads(req: PublishRequest): void {
  if (req.parts.length > 1) throw makeError('linkedin', [], { errorClass: 'permanent', message: 'LinkedIn does not support threads' });
}

function headers(ctx: Ctx, creds: Credentials, json = true): Record<string, string> {
  return {
    authorization: `Bearer ${creds.accessToken}`,
    'linkedin-version': ctx.version,
    'x-restli-protocol-version': '2.0.0',
    ...(json ? { 'content-type': 'application/json' } : {}),
  };
}

const secretsOf = (creds: Credentials, ctx?: Ctx) => [creds.accessToken, creds.refreshToken ?? '', ctx?.options.clientSecret ?? ''];

async function callLinkedIn(ctx: Ctx, call: HttpCall): Promise<HttpResponse> {
  const res = await send(ctx.http, call);
  if (res.status >= 200 && res.status < 300) return res;
  throw linkedInError(ctx, res, call);
}

async function postPart(ctx: Ctx, req: PublishRequest, part: PartToPost, creds: Credentials): Promise<PublishedPart> {
  const body = {
    author: creds.accountId,
    commentary: toLittleText(part.text),
    visibility: 'PUBLIC',
    distribution: { feedDistribution: 'MAIN_FEED', targetEntities: [], thirdPartyDistributionChannels: [] },
    lifecycleState: 'PUBLISHED',
    isReshareDisabledByAuthor: false,
    ...content(part, req.media),
    ...(part.mediaIds.length === 0 ? await articleContent(ctx, req, part, creds) : {}),
  };
  const call: HttpCall = {
    method: 'POST',
    url: `${ctx.base}/rest/posts`,
    headers: headers(ctx, creds),
    body: JSON.stringify(body),
    signal: req.signal,
    creates: true,
    what: 'create post',
    secrets: secretsOf(creds),
  };
  const res = await callLinkedIn(ctx, call);
  const urn = header(res, 'x-restli-id') ?? str(asRecord(parseJson(res.body)).id);
  if (!urn) {
    throw makeError('linkedin', call.secrets, {
      errorClass: 'unknown_outcome',
      status: res.status,
      message: 'LinkedIn create post: answer without x-restli-id',
    });
  }
  return { position: part.position, externalId: urn, url: linkedInPostUrl(urn) };
}

/** Images (one: media, several: multiImage) or, without images, an article share for the first link. */
function content(part: PartToPost, media: MediaItem[]): { content?: Record<string, unknown> } {
  const images = part.mediaIds.map((id, i) => ({ id, ...(media[i]?.alt ? { altText: media[i]!.alt!.slice(0, 4086) } : {}) }));
  if (images.length === 1) return { content: { media: images[0] } };
  if (images.length > 1) return { content: { multiImage: { images } } };
  const link = firstUrl(part.text);
  if (!link) return {};
  return { content: { article: { source: link, title: linkTitle(link) } } };
}

/**
 * The link card the approver saw, as the article (LinkedIn does not read the page itself): its title,
 * description and thumbnail (uploaded through the Images API, owned by the post's author). The author's
 * "no link preview" leaves the link in the text without an article. No stored card: `content` above.
 */
async function articleContent(ctx: Ctx, req: PublishRequest, part: PartToPost, creds: Credentials): Promise<{ content?: Record<string, unknown> | undefined }> {
  const card = req.linkCard;
  if (card === undefined) return {};
  if (card === null) return { content: undefined };
  if (firstUrl(part.text) !== card.url) return {};
  const thumbnail = card.image ? await uploadThumbnail(ctx, card.image, creds, req.signal) : undefined;
  const article = {
    source: card.url,
    title: card.title.slice(0, 400),
    ...(card.description ? { description: card.description.slice(0, 4086) } : {}),
    ...(thumbnail ? { thumbnail } : {}),
  };
  return { content: { article } };
}

/** An article thumbnail: Images API initializeUpload, then PUT of the stored bytes. */
async function uploadThumbnail(ctx: Ctx, image: NonNullable<LinkCard['image']>, creds: Credentials, signal: AbortSignal): Promise<string> {
  const bytes = await image.read();
  return uploadToImagesApi(ctx, creds, signal, { what: 'link card image', contentType: image.contentType, length: bytes.length, body: bytes });
}

interface ImageBody {
  /** Named in errors: "upload link card image", "upload team.png". */
  what: string;
  /** A post's file: LinkedIn's refusal of the bytes names it ("LinkedIn did not take team.png: …"). */
  filename?: string | undefined;
  contentType: string;
  length: number;
  body: HttpCall['body'];
}

/** The Images API: initializeUpload (owner = the member or the organization) gives an upload URL and the image URN; then one PUT. */
async function uploadToImagesApi(ctx: Ctx, creds: Credentials, signal: AbortSignal, image: ImageBody): Promise<string> {
  const secrets = secretsOf(creds);
  const init: HttpCall = {
    method: 'POST',
    url: `${ctx.base}/rest/images?action=initializeUpload`,
    headers: headers(ctx, creds),
    body: JSON.stringify({ initializeUploadRequest: { owner: creds.accountId } }),
    signal,
    what: `initialize ${image.what} upload`,
    secrets,
  };
  const value = asRecord(asRecord(parseJson((await callLinkedIn(ctx, init)).body)).value);
  const uploadUrl = str(value.uploadUrl);
  const urn = str(value.image);
  if (!uploadUrl || !urn)
    throw makeError('linkedin', secrets, { errorClass: 'transient', message: `LinkedIn ${image.what} upload: answer without uploadUrl or image` });
  const put: HttpCall = {
    method: 'PUT',
    url: uploadUrl,
    headers: { authorization: `Bearer ${creds.accessToken}`, 'content-type': image.contentType, 'content-length': String(image.length) },
    body: image.body,
    signal,
    what: `upload ${image.what}`,
    secrets,
  };
  if (image.filename) await namingFile('linkedin', image.filename, () => callLinkedIn(ctx, put));
  else await callLinkedIn(ctx, put);
  return urn;
}

/** LinkedIn does not scrape the page: the card title is the link's host and path. */
function linkTitle(link: string): string {
  const u = new URL(link);
  return `${u.hostname.replace(/^www\./, '')}${u.pathname === '/' ? '' : u.pathname}`.slice(0, 400);
}

async function uploadAll(ctx: Ctx, media: MediaItem[], creds: Credentials, signal: AbortSignal): Promise<string[]> {
  const urns: string[] = [];
  for (const item of media) urns.push(await uploadImage(ctx, item, creds, signal));
  return urns;
}

async function uploadImage(ctx: Ctx, item: MediaItem, creds: Credentials, signal: AbortSignal): Promise<string> {
  const file = await openMedia(ctx.http, item, signal, IMAGE_MAX_BYTES);
  const body = { what: file.filename, filename: file.filename, contentType: file.contentType, length: file.bytes, body: file.open() };
  return uploadToImagesApi(ctx, creds, signal, body);
}

/** LinkedIn processes a video for a while after finalize: polls from 3 s to 30 s, 10 minutes an attempt. */
const LINKEDIN_VIDEO_WAIT: ProcessingWait = { firstMs: 3_000, maxMs: 30_000, budgetMs: 10 * 60_000 };
/** A part answered 5xx (or cut off) is PUT again this many times before the attempt ends (resumable). */
const PART_TRIES = 3;

type LinkedInVideoCheckpoint = {
  video: string;
  uploadToken: string;
  instructions: { uploadUrl: string; firstByte: number; lastByte: number }[];
  etags: string[];
  finalized: boolean;
};

/**
 * The Videos API from the store: initializeUpload (owner, fileSizeBytes) gives the video URN and one
 * upload URL per byte range; each range is read from the store and PUT (one part in memory), its ETag
 * kept; finalizeUpload sends the ETags in order; GET /rest/videos/{urn} is polled until AVAILABLE.
 * Everything is checkpointed per step, so a killed worker resumes at the next part with the same URLs,
 * a finalized video is only polled, and an upload LinkedIn has expired starts over once.
 * PROCESSING_FAILED is permanent with LinkedIn's reason.
 */
async function uploadVideo(ctx: Ctx, upload: VideoUpload, creds: Credentials, signal: AbortSignal): Promise<string> {
  const file = upload.file;
  const cp = checkpointOf<LinkedInVideoCheckpoint>(upload.checkpoint);
  const secrets = secretsOf(creds);
  const wait = ctx.options.videoWait ?? LINKEDIN_VIDEO_WAIT;
  let state = await cp.load();
  for (let round = 0; ; round++) {
    try {
      if (!state.video || !state.instructions) {
        const init: HttpCall = {
          method: 'POST',
          url: `${ctx.base}/rest/videos?action=initializeUpload`,
          headers: headers(ctx, creds),
          body: JSON.stringify({
            initializeUploadRequest: { owner: creds.accountId, fileSizeBytes: file.bytes, uploadCaptions: false, uploadThumbnail: false },
          }),
          signal,
          what: 'initialize video upload',
          secrets,
        };
        const value = asRecord(asRecord(parseJson((await callLinkedIn(ctx, init)).body)).value);
        const video = str(value.video);
        const instructions = (Array.isArray(value.uploadInstructions) ? value.uploadInstructions : []).map(asRecord).map((i) => ({
          uploadUrl: str(i.uploadUrl) ?? '',
          firstByte: Number(i.firstByte),
          lastByte: Number(i.lastByte),
        }));
        if (!video || instructions.length === 0 || instructions.some((i) => !i.uploadUrl || !Number.isInteger(i.firstByte) || !Number.isInteger(i.lastByte))) {
          throw makeError('linkedin', secrets, { errorClass: 'transient', message: 'LinkedIn video upload: answer without a video or upload instructions' });
        }
        state = { video, uploadToken: str(value.uploadToken) ?? '', instructions, etags: [], finalized: false };
        await cp.save(state);
      }
      const video = state.video;
      const instructions = state.instructions;
      if (!video || !instructions) throw makeError('linkedin', secrets, { errorClass: 'transient', message: 'LinkedIn video upload: no upload to resume' });
      if (!state.finalized) {
        const etags = [...(state.etags ?? [])];
        // One buffer for every part of this upload: each PUT is answered before the next part is read.
        const buffer = Buffer.allocUnsafe(Math.max(...instructions.map((i) => i.lastByte - i.firstByte + 1)));
        for (const part of instructions.slice(etags.length)) {
          etags.push(await putPart(ctx, part, file, signal, wait, buffer));
          await cp.save({ etags });
        }
        const fin: HttpCall = {
          method: 'POST',
          url: `${ctx.base}/rest/videos?action=finalizeUpload`,
          headers: headers(ctx, creds),
          body: JSON.stringify({ finalizeUploadRequest: { video, uploadToken: state.uploadToken ?? '', uploadedPartIds: etags } }),
          signal,
          what: 'finish video upload',
          secrets,
        };
        await callLinkedIn(ctx, fin);
        await cp.save({ finalized: true });
      }
      return await waitForProcessing<string>('linkedin', 'LinkedIn', wait, signal, async () => {
        const res = await callLinkedIn(ctx, {
          method: 'GET',
          url: `${ctx.base}/rest/videos/${encodeURIComponent(video)}`,
          headers: headers(ctx, creds, false),
          signal,
          what: 'video status',
          secrets,
        });
        const json = asRecord(parseJson(res.body));
        const status = str(json.status);
        if (status === 'AVAILABLE') return { done: true, value: video };
        if (status === 'PROCESSING_FAILED') throw processingFailed('linkedin', 'LinkedIn', str(json.processingFailureReason));
        return { done: false };
      });
    } catch (error) {
      // An upload LinkedIn no longer knows (its URLs expired): start over once with a new one.
      if (round === 0 && error instanceof NetworkError && (error.status === 404 || error.networkCode === 'upload_expired') && !state.finalized) {
        await cp.clear();
        state = {};
        continue;
      }
      throw error;
    }
  }
}

/** One part, PUT to its signed URL (no token, as LinkedIn's clients send none there), again in place after a 5xx. */
async function putPart(
  ctx: Ctx,
  part: { uploadUrl: string; firstByte: number; lastByte: number },
  file: VideoUpload['file'],
  signal: AbortSignal,
  wait: ProcessingWait,
  buffer: Buffer,
): Promise<string> {
  const bytes = await readSegment(file, part.firstByte, part.lastByte, buffer);
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await callLinkedIn(ctx, {
        method: 'PUT',
        url: part.uploadUrl,
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(bytes.length) },
        body: bytes,
        signal,
        what: `upload video part ${part.firstByte}-${part.lastByte}`,
      });
      const etag = header(res, 'etag');
      if (!etag) throw makeError('linkedin', [], { errorClass: 'transient', message: 'LinkedIn video part: answer without an ETag' });
      return etag;
    } catch (error) {
      if (!(error instanceof NetworkError) || error.errorClass !== 'transient' || attempt >= PART_TRIES || signal.aborted) throw error;
      await pause('linkedin', wait.firstMs * attempt, signal);
    }
  }
}

/**
 * The cheapest authenticated read that also proves the token may act for the stored author (a member
 * or an organization): one post of the author's posts finder. A token without the right answers 403
 * ACCESS_DENIED (auth); LinkedIn has no name lookup that works for both kinds of author, so the URN is the name.
 */
async function verify(ctx: Ctx, creds: Credentials, signal: AbortSignal): Promise<AccountIdentity> {
  const url = `${ctx.base}/rest/posts?author=${encodeURIComponent(creds.accountId)}&q=author&count=1`;
  await callLinkedIn(ctx, {
    method: 'GET',
    url,
    headers: { ...headers(ctx, creds, false), 'x-restli-method': 'FINDER' },
    signal,
    what: 'verify token',
    secrets: secretsOf(creds),
  });
  return { accountId: creds.accountId, name: creds.accountId };
}

/**
 * The author's posts since `since`, newest first: pages of RECENT_PAGE (the finder's largest `count`)
 * until one reaches past `since`, at most RECENT_PAGES pages. A busy page posts more than one page's
 * worth between an unanswered attempt and its lookup, and a post missed here would be sent again.
 */
async function recentPosts(ctx: Ctx, creds: Credentials, since: Date, signal: AbortSignal): Promise<RecentPost[]> {
  const found: RecentPost[] = [];
  for (let page = 0; page < RECENT_PAGES; page++) {
    const url = `${ctx.base}/rest/posts?author=${encodeURIComponent(creds.accountId)}&q=author&count=${RECENT_PAGE}&start=${page * RECENT_PAGE}&sortBy=LAST_MODIFIED`;
    const call: HttpCall = {
      method: 'GET',
      url,
      headers: { ...headers(ctx, creds, false), 'x-restli-method': 'FINDER' },
      signal,
      what: 'list recent posts',
      secrets: secretsOf(creds),
    };
    const json = asRecord(parseJson((await callLinkedIn(ctx, call)).body));
    const elements = (Array.isArray(json.elements) ? json.elements : []).map(asRecord).map(recentPost);
    found.push(...elements.filter((p): p is RecentPost => p !== undefined && p.createdAt >= since));
    const reachedSince = elements.some((p) => p !== undefined && p.createdAt < since);
    if (reachedSince || elements.length < RECENT_PAGE) break;
  }
  return found.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
}

function recentPost(post: Record<string, unknown>): RecentPost | undefined {
  const id = str(post.id);
  const at = typeof post.publishedAt === 'number' ? post.publishedAt : post.createdAt;
  const createdAt = new Date(typeof at === 'number' ? at : Number.NaN);
  if (!id || Number.isNaN(createdAt.getTime())) return undefined;
  return { externalId: id, url: linkedInPostUrl(id), text: fromLittleText(str(post.commentary) ?? ''), createdAt };
}

async function refresh(ctx: Ctx, creds: Credentials, signal: AbortSignal): Promise<Credentials> {
  const { clientId, clientSecret } = ctx.options;
  const secrets = secretsOf(creds, ctx);
  if (!creds.refreshToken) throw makeError('linkedin', secrets, { errorClass: 'auth', message: 'LinkedIn account has no refresh token: reconnect it' });
  if (!clientId || !clientSecret)
    throw makeError('linkedin', secrets, { errorClass: 'permanent', message: 'LinkedIn client id and secret are not configured' });
  const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: creds.refreshToken, client_id: clientId, client_secret: clientSecret });
  const call: HttpCall = {
    method: 'POST',
    url: `${ctx.oauthUrl}/accessToken`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
    signal,
    what: 'refresh token',
    secrets,
  };
  const res = await send(ctx.http, call);
  if (res.status !== 200) throw tokenError(ctx, res, call);
  const json = asRecord(parseJson(res.body));
  const accessToken = str(json.access_token);
  if (!accessToken)
    throw makeError('linkedin', secrets, { errorClass: 'transient', status: res.status, message: 'LinkedIn refresh: answer without an access token' });
  const expiresIn = typeof json.expires_in === 'number' ? json.expires_in : undefined;
  return {
    ...creds,
    accessToken,
    refreshToken: str(json.refresh_token) ?? creds.refreshToken,
    expiresAt: expiresIn === undefined ? undefined : new Date(ctx.now().getTime() + expiresIn * 1000),
  };
}

/** Token endpoint: a refused refresh token (400 invalid_request/invalid_grant) needs a reconnect; 401 is our client config. */
function tokenError(ctx: Ctx, res: HttpResponse, call: HttpCall) {
  const err = linkedInError(ctx, res, call);
  if (res.status !== 400 && res.status !== 401) return err;
  return makeError('linkedin', call.secrets, {
    errorClass: res.status === 400 ? 'auth' : 'permanent',
    status: res.status,
    message: err.message,
    networkCode: err.networkCode,
    networkMessage: err.networkMessage,
    requestId: err.requestId,
  });
}

function classify(status: number): ErrorClass {
  if (status === 401 || status === 403) return 'auth';
  if (status === 429) return 'rate_limited';
  if (status === 408 || status >= 500) return 'transient';
  return 'permanent';
}

/**
 * Maps `{status, serviceErrorCode, code, message, errorDetails?}` (and OAuth `{error, error_description}`).
 * 403 (ACCESS_DENIED: the token lacks the scope or the member lost the organization role) is `auth`: a reconnect fixes it.
 */
function linkedInError(ctx: Ctx, res: HttpResponse, call: HttpCall) {
  const json = asRecord(parseJson(res.body));
  const inputError = asRecord(Array.isArray(asRecord(json.errorDetails).inputErrors) ? (asRecord(json.errorDetails).inputErrors as unknown[])[0] : undefined);
  const networkMessage = str(json.message) ?? str(json.error_description);
  const duplicate = /duplicate/i.test(networkMessage ?? '') || str(inputError.code) === 'DUPLICATE_POST';
  const networkCode = duplicate
    ? 'DUPLICATE_POST'
    : (str(json.code) ?? str(inputError.code) ?? (json.serviceErrorCode !== undefined ? String(json.serviceErrorCode) : str(json.error)));
  const errorClass = classify(res.status);
  return makeError('linkedin', call.secrets, {
    errorClass,
    status: res.status,
    message: `LinkedIn ${call.what} failed: HTTP ${res.status}${networkMessage ? ` (${networkMessage})` : ''}`,
    networkCode,
    networkMessage,
    requestId: header(res, 'x-li-uuid'),
    retryAt: errorClass === 'rate_limited' ? resetAt(res, ctx.now()) : undefined,
  });
}

/**
 * LinkedIn sends no reset header: its quotas are daily and reset at midnight UTC (rate-limits docs).
 * A Retry-After, should one appear, wins.
 */
function resetAt(res: HttpResponse, now: Date): Date {
  const after = Number(header(res, 'retry-after'));
  if (Number.isFinite(after) && after > 0) return new Date(now.getTime() + after * 1000);
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1));
}

/**
 * The first comment: POST /rest/socialActions/{post urn}/comments as the post's author (a member, or an
 * organization with w_organization_social). The comment's URN comes in x-restli-id (or the body's $URN).
 */
async function commentOn(ctx: Ctx, req: CommentRequest, creds: Credentials): Promise<PublishedPart> {
  const call: HttpCall = {
    method: 'POST',
    url: `${ctx.base}/rest/socialActions/${encodeURIComponent(req.post.externalId)}/comments`,
    headers: headers(ctx, creds),
    body: JSON.stringify({ actor: creds.accountId, object: req.post.externalId, message: { text: req.text } }),
    signal: req.signal,
    creates: true,
    what: 'create comment',
    secrets: secretsOf(creds),
  };
  const res = await callLinkedIn(ctx, call);
  const body = asRecord(parseJson(res.body));
  const urn = header(res, 'x-restli-id') ?? str(body.$URN) ?? str(body.id);
  if (!urn)
    throw makeError('linkedin', call.secrets, { errorClass: 'unknown_outcome', status: res.status, message: 'LinkedIn create comment: answer without its id' });
  return { position: 1, externalId: urn, url: `${linkedInPostUrl(req.post.externalId)}?commentUrn=${encodeURIComponent(urn)}` };
}
