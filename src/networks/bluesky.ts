import { createHash } from 'node:crypto';
import type { Dispatcher } from 'undici';
import type { Facet } from '@atproto/api';
import {
  NetworkError,
  type AccountIdentity,
  type Credentials,
  type ErrorClass,
  type LinkCard,
  type MediaItem,
  type NetworkAdapter,
  type PublishRequest,
  type PublishedPart,
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
  publishThread,
  send,
  str,
  type HttpCall,
  type HttpOptions,
  type HttpResponse,
  type PartToPost,
} from './http.ts';

export { imageSize } from './http.ts';
import { blueskyMetrics } from './bluesky-metrics.ts';

/**
 * Bluesky (AT Protocol XRPC) against the account's PDS: posts are `app.bsky.feed.post` records made
 * with com.atproto.repo.createRecord under a record key derived from the delivery (so a retried part
 * cannot become a second post), threads by reply refs {root, parent}, images by uploadBlob +
 * app.bsky.embed.images, rich text facets (links, tags, mentions) from @atproto/api's RichText.
 * Sessions are the PDS's own JWTs (an app password connects the account); refreshSession renews them.
 */

export interface BlueskyAdapterOptions {
  /** The PDS (or entryway) when the credentials carry no instanceUrl. */
  serviceUrl?: string;
  dispatcher?: Dispatcher;
  timeoutMs?: number;
  /** Clock for the records' createdAt. */
  now?: () => Date;
}

const COLLECTION = 'app.bsky.feed.post';
const DEFAULT_SERVICE = 'https://bsky.social';
/** app.bsky.embed.images: at most 4 images of at most 2,000,000 bytes each. */
const IMAGE_MAX_BYTES = 2_000_000;
const MAX_IMAGES = 4;
/** app.bsky.embed.external: the thumbnail blob's maxSize. */
const THUMB_MAX_BYTES = 1_000_000;
const LIST_PAGE = 100;
/** Pages of Greenlight's own key range read by recentPosts (see below). */
const MAX_KEYED_PAGES = 5;

interface Ctx {
  http: HttpOptions;
  options: BlueskyAdapterOptions;
}

interface StrongRef {
  uri: string;
  cid: string;
}

interface UploadedImage {
  ref: Record<string, unknown>;
  alt: string;
  aspectRatio: { width: number; height: number } | undefined;
  /** A video blob (issue 15): embedded as app.bsky.embed.video. */
  video?: boolean;
}

/** What one publish call knows: the records it made or looked up (uri → cid) and its blobs. */
interface PublishState {
  refs: Map<string, StrongRef>;
  rootUri: string | undefined;
  blobs: Map<string, UploadedImage>;
}

export function createBlueskyAdapter(options: BlueskyAdapterOptions = {}): NetworkAdapter {
  // The server is one a user typed, or the PDS their DID document names: every call goes through the outbound guard.
  const ctx: Ctx = { http: { network: 'bluesky', dispatcher: options.dispatcher, timeoutMs: options.timeoutMs ?? 30_000, guard: true }, options };
  return {
    network: 'bluesky',
    // Every part is created under a record key derived from <delivery, position>; the PDS refuses a
    // second record under the same key, and we then return the record that is already there.
    idempotent: true,
    publish: (req, creds) => {
      const state: PublishState = { refs: new Map(), rootUri: req.publishedParts.find((p) => p.position === 0)?.externalId, blobs: new Map() };
      return publishThread(
        'bluesky',
        req,
        () => (req.video ? uploadVideo(ctx, state, req.video, creds, req.signal).then((id) => [id]) : uploadAll(ctx, state, req.media, creds, req.signal)),
        (part) => postPart(ctx, state, req, part, creds),
      );
    },
    recentPosts: (creds, since, signal) => recentPosts(ctx, creds, since, signal),
    refresh: (creds, signal) => refresh(ctx, creds, signal),
    verify: (creds, signal) => verify(ctx, creds, signal),
    metrics: (creds, uris, signal) => blueskyMetrics({ service: (c) => serviceOf(ctx, c), http: ctx.http, error: blueskyError }, creds, uris, signal),
  };
}

/** The public link of a post: https://bsky.app/profile/<did>/post/<rkey>. */
export function blueskyPostUrl(uri: string): string {
  const { did, rkey } = parseAtUri(uri);
  return `https://bsky.app/profile/${did}/post/${rkey}`;
}

const TID_ALPHABET = '234567abcdefghijklmnopqrstuvwxyz';

/**
 * The record key of part `position` of a delivery. app.bsky.feed.post records are keyed by `tid`
 * (lexicon `"key": "tid"`): 13 base32-sortable characters encoding a 64-bit integer whose top bit is 0,
 * then 53 bits of microseconds since 1970, then a 10-bit clock id. A TID is normally read from the
 * clock, which a retry cannot repeat; here the integer is the first 60 bits of
 * SHA-256("greenlight:bluesky:<delivery>:<position>") instead. Keeping it under 2^60 puts the
 * "timestamp" before September 2005, a range no clock-driven client produces, so these keys can never
 * collide with the keys of posts made in the Bluesky app, and any two of ours collide with odds of
 * about n²/2^61. Every such key starts with "2"; TIDs from a clock after 2005 start with "3" or later.
 */
export function deliveryRecordKey(deliveryId: string, position: number): string {
  const digest = createHash('sha256').update(`greenlight:bluesky:${deliveryId}:${position}`).digest();
  let value = digest.readBigUInt64BE(0) >> 4n;
  let key = '';
  for (let i = 0; i < 13; i++) {
    key = TID_ALPHABET[Number(value & 31n)]! + key;
    value >>= 5n;
  }
  return key;
}

/** Every key deliveryRecordKey makes sorts below this one (the first TID of the "3" range). */
const KEYED_RANGE_END = '3222222222222';

/**
 * Connects an account with its handle (or email, or DID) and an app password: com.atproto.server.createSession.
 * The PDS the account lives on is taken from the DID document when the server returns it.
 */
export async function createBlueskySession(input: {
  identifier: string;
  password: string;
  serviceUrl?: string;
  dispatcher?: Dispatcher;
  timeoutMs?: number;
  signal?: AbortSignal;
}): Promise<Credentials> {
  const http: HttpOptions = { network: 'bluesky', dispatcher: input.dispatcher, timeoutMs: input.timeoutMs ?? 30_000, guard: true };
  const base = trimBase(input.serviceUrl ?? DEFAULT_SERVICE);
  const call: HttpCall = {
    method: 'POST',
    url: `${base}/xrpc/com.atproto.server.createSession`,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ identifier: input.identifier, password: input.password }),
    signal: input.signal ?? new AbortController().signal,
    what: 'create session',
    secrets: [input.password],
  };
  const { json } = await callXrpc({ http, options: {} }, call);
  return sessionCredentials(json, call, pdsFromDidDoc(json.didDoc) ?? base);
}

function trimBase(url: string): string {
  return url.replace(/\/+$/, '');
}

function serviceOf(ctx: Ctx, creds: Credentials): string {
  return trimBase(creds.instanceUrl ?? ctx.options.serviceUrl ?? DEFAULT_SERVICE);
}

function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

function secretsOf(creds: Credentials): string[] {
  return [creds.accessToken, creds.refreshToken ?? ''];
}

async function callXrpc(ctx: Ctx, call: HttpCall): Promise<{ res: HttpResponse; json: Record<string, unknown> }> {
  const res = await send(ctx.http, call);
  if (res.status >= 200 && res.status < 300) return { res, json: asRecord(parseJson(res.body)) };
  throw blueskyError(res, call);
}

async function postPart(ctx: Ctx, state: PublishState, req: PublishRequest, part: PartToPost, creds: Credentials): Promise<PublishedPart> {
  const base = serviceOf(ctx, creds);
  const rkey = deliveryRecordKey(req.deliveryId, part.position);
  const record: Record<string, unknown> = {
    $type: COLLECTION,
    text: part.text,
    createdAt: (ctx.options.now ?? (() => new Date()))().toISOString(),
  };
  const facets = await detectFacets(ctx, base, part.text, req.signal);
  if (facets.length > 0) record.facets = facets;
  if (part.replyTo) {
    const parent = await strongRef(ctx, state, base, part.replyTo, req.signal);
    const root = state.rootUri && state.rootUri !== parent.uri ? await strongRef(ctx, state, base, state.rootUri, req.signal) : parent;
    record.reply = { root, parent };
  }
  const video = part.mediaIds.length === 1 ? state.blobs.get(part.mediaIds[0]!) : undefined;
  if (video?.video) {
    // app.bsky.embed.video: the blob, its alt text and the aspect ratio the app lays the player out by.
    record.embed = {
      $type: 'app.bsky.embed.video',
      video: video.ref,
      ...(video.alt ? { alt: video.alt } : {}),
      ...(video.aspectRatio ? { aspectRatio: video.aspectRatio } : {}),
    };
  } else if (part.mediaIds.length > 0) {
    record.embed = {
      $type: 'app.bsky.embed.images',
      images: part.mediaIds.map((id) => {
        const blob = state.blobs.get(id)!;
        return blob.aspectRatio ? { image: blob.ref, alt: blob.alt, aspectRatio: blob.aspectRatio } : { image: blob.ref, alt: blob.alt };
      }),
    };
  } else if (req.linkCard && part.text.includes(req.linkCard.url)) {
    record.embed = await externalEmbed(ctx, req.linkCard, creds, req.signal);
  }
  const call: HttpCall = {
    method: 'POST',
    url: `${base}/xrpc/com.atproto.repo.createRecord`,
    headers: { ...bearer(creds.accessToken), 'content-type': 'application/json' },
    body: JSON.stringify({ repo: creds.accountId, collection: COLLECTION, rkey, record }),
    signal: req.signal,
    creates: true,
    what: 'create post',
    secrets: secretsOf(creds),
  };
  let ref: StrongRef;
  try {
    const { res, json } = await callXrpc(ctx, call);
    const uri = str(json.uri);
    const cid = str(json.cid);
    if (!uri || !cid) {
      throw makeError('bluesky', call.secrets, {
        errorClass: 'unknown_outcome',
        status: res.status,
        message: 'Bluesky create post: answer without a record uri',
      });
    }
    ref = { uri, cid };
  } catch (err) {
    // A record already under this key is this very part, made by an earlier attempt whose answer was
    // lost. The PDS refuses the second create (the reference PDS answers 500 InternalServerError), so
    // on any refusal that is not about auth or rate, look the key up before believing the error.
    const existing = mayAlreadyExist(err) ? await getRecord(ctx, base, creds.accountId, rkey, req.signal).catch(() => undefined) : undefined;
    if (!existing) throw err;
    ref = existing;
  }
  state.refs.set(ref.uri, ref);
  if (part.position === 0) state.rootUri = ref.uri;
  return { position: part.position, externalId: ref.uri, url: blueskyPostUrl(ref.uri) };
}

/**
 * app.bsky.embed.external: the link card the approver saw (Bluesky draws none by itself: without it the
 * post shows a bare link). The thumbnail is uploaded as a blob; one over the lexicon's 1,000,000 bytes
 * is left out rather than refused by the PDS.
 */
async function externalEmbed(ctx: Ctx, card: LinkCard, creds: Credentials, signal: AbortSignal): Promise<Record<string, unknown>> {
  const external: Record<string, unknown> = { uri: card.url, title: card.title, description: card.description };
  if (card.image && card.image.bytes <= THUMB_MAX_BYTES) {
    const call: HttpCall = {
      method: 'POST',
      url: `${serviceOf(ctx, creds)}/xrpc/com.atproto.repo.uploadBlob`,
      headers: { ...bearer(creds.accessToken), 'content-type': card.image.contentType },
      body: await card.image.read(),
      signal,
      what: 'upload link card image',
      secrets: secretsOf(creds),
    };
    const { json } = await callXrpc(ctx, call);
    if (json.blob) external.thumb = json.blob;
  }
  return { $type: 'app.bsky.embed.external', external };
}

function mayAlreadyExist(err: unknown): boolean {
  return err instanceof NetworkError && err.status !== undefined && (err.errorClass === 'transient' || err.errorClass === 'permanent');
}

/** The {uri, cid} of a post made earlier: from this call's memory, else from the PDS (a resumed thread). */
async function strongRef(ctx: Ctx, state: PublishState, base: string, uri: string, signal: AbortSignal): Promise<StrongRef> {
  const known = state.refs.get(uri);
  if (known) return known;
  const { did, collection, rkey } = parseAtUri(uri);
  const found = await getRecord(ctx, base, did, rkey, signal, collection);
  if (!found) throw makeError('bluesky', [], { errorClass: 'permanent', message: `Bluesky: the earlier thread part ${uri} no longer exists` });
  state.refs.set(found.uri, found);
  return found;
}

/** com.atproto.repo.getRecord; undefined when the PDS says RecordNotFound. Public: no token is sent. */
async function getRecord(ctx: Ctx, base: string, did: string, rkey: string, signal: AbortSignal, collection = COLLECTION): Promise<StrongRef | undefined> {
  const url = new URL(`${base}/xrpc/com.atproto.repo.getRecord`);
  url.searchParams.set('repo', did);
  url.searchParams.set('collection', collection);
  url.searchParams.set('rkey', rkey);
  const call: HttpCall = { method: 'GET', url: url.toString(), signal, what: 'get record' };
  const res = await send(ctx.http, call);
  if (res.status === 400 && str(asRecord(parseJson(res.body)).error) === 'RecordNotFound') return undefined;
  if (res.status !== 200) throw blueskyError(res, call);
  const json = asRecord(parseJson(res.body));
  const uri = str(json.uri);
  const cid = str(json.cid);
  return uri && cid ? { uri, cid } : undefined;
}

let richText: Promise<typeof import('@atproto/api')> | undefined;

/**
 * Links, #tags and @mentions with their UTF-8 byte ranges, by @atproto/api's RichText. It is loaded
 * on first use (it brings every Bluesky lexicon, some 60 MB). Mentions name a handle; the PDS resolves
 * it to a DID. A handle nobody has stays plain text.
 */
async function detectFacets(ctx: Ctx, base: string, text: string, signal: AbortSignal): Promise<Facet[]> {
  richText ??= import('@atproto/api');
  const { RichText } = await richText;
  const rt = new RichText({ text });
  rt.detectFacetsWithoutResolution();
  const facets: Facet[] = [];
  for (const facet of rt.facets ?? []) {
    const features: Facet['features'] = [];
    for (const feature of facet.features) {
      if (feature.$type !== 'app.bsky.richtext.facet#mention') {
        features.push(feature);
        continue;
      }
      // Before resolution a mention feature carries the handle in its `did` field.
      const did = await resolveHandle(ctx, base, String((feature as { did?: unknown }).did), signal);
      if (did) features.push({ $type: 'app.bsky.richtext.facet#mention', did });
    }
    if (features.length > 0) facets.push({ ...facet, features });
  }
  return facets;
}

async function resolveHandle(ctx: Ctx, base: string, handle: string, signal: AbortSignal): Promise<string | undefined> {
  const url = new URL(`${base}/xrpc/com.atproto.identity.resolveHandle`);
  url.searchParams.set('handle', handle);
  const call: HttpCall = { method: 'GET', url: url.toString(), signal, what: 'resolve handle' };
  const res = await send(ctx.http, call);
  if (res.status === 400) return undefined; // HandleNotFound, or "Unable to resolve handle"
  if (res.status !== 200) throw blueskyError(res, call);
  const did = str(asRecord(parseJson(res.body)).did);
  return did?.startsWith('did:') ? did : undefined;
}

async function uploadAll(ctx: Ctx, state: PublishState, media: MediaItem[], creds: Credentials, signal: AbortSignal): Promise<string[]> {
  if (media.length > MAX_IMAGES) {
    throw makeError('bluesky', [], { errorClass: 'permanent', message: `Bluesky allows at most ${MAX_IMAGES} images in a post, got ${media.length}` });
  }
  const ids: string[] = [];
  for (const item of media) ids.push(await uploadImage(ctx, state, item, creds, signal));
  return ids;
}

/**
 * Uploads the image's bytes as a blob to the account's PDS (com.atproto.repo.uploadBlob), streamed from
 * the store with its length; the blob is kept alive by the record that embeds it. The embed's
 * aspectRatio comes from the stored width and height (a typed link: from its header).
 */
async function uploadImage(ctx: Ctx, state: PublishState, item: MediaItem, creds: Credentials, signal: AbortSignal): Promise<string> {
  const file = await openMedia(ctx.http, item, signal, IMAGE_MAX_BYTES);
  const { id, blob } = await uploadBlob(ctx, creds, signal, { ...file, kind: 'image', body: file.open() });
  const aspectRatio = file.width && file.height ? { width: file.width, height: file.height } : undefined;
  state.blobs.set(id, { ref: blob, alt: item.alt ?? '', aspectRatio });
  return id;
}

/** com.atproto.repo.uploadBlob with the bytes streamed and their length given: the blob object a record embeds, and its CID. */
async function uploadBlob(
  ctx: Ctx,
  creds: Credentials,
  signal: AbortSignal,
  file: { filename: string; contentType: string; bytes: number; kind: 'image' | 'video'; body: HttpCall['body'] },
): Promise<{ id: string; blob: Record<string, unknown> }> {
  const secrets = secretsOf(creds);
  const call: HttpCall = {
    method: 'POST',
    url: `${serviceOf(ctx, creds)}/xrpc/com.atproto.repo.uploadBlob`,
    headers: { ...bearer(creds.accessToken), 'content-type': file.contentType, 'content-length': String(file.bytes) },
    body: file.body,
    signal,
    what: `upload ${file.filename}`,
    secrets,
  };
  const { res, json } = await namingFile('bluesky', file.filename, () => callXrpc(ctx, call));
  const blob = asRecord(json.blob);
  const id = str(asRecord(blob.ref).$link);
  if (!id) throw makeError('bluesky', secrets, { errorClass: 'transient', status: res.status, message: `Bluesky upload ${file.kind}: answer without a blob` });
  return { id, blob };
}

/**
 * A video as a blob on the account's PDS (com.atproto.repo.uploadBlob, video/mp4), streamed from the store
 * with its length. Blobs are addressed by their content, so a retried upload of the same file yields the
 * same blob and needs no checkpoint; the post's record key keeps the post itself single. The PDS's own
 * blob limit (PDS_BLOB_UPLOAD_LIMIT) is its answer to say; Bluesky's app view processes the video once the
 * post reaches the firehose.
 */
async function uploadVideo(ctx: Ctx, state: PublishState, upload: VideoUpload, creds: Credentials, signal: AbortSignal): Promise<string> {
  const file = upload.file;
  const { id, blob } = await uploadBlob(ctx, creds, signal, { ...file, kind: 'video', body: file.read() });
  state.blobs.set(id, { ref: blob, alt: file.alt ?? '', aspectRatio: { width: file.width, height: file.height }, video: true });
  return id;
}

/**
 * The account's posts created since `since`, newest first. listRecords orders by record key, newest
 * key first; Greenlight's derived keys all sort below every clock-made key (see deliveryRecordKey), so
 * this reads the newest page of the collection (posts made anywhere) and then Greenlight's own key
 * range (up to MAX_KEYED_PAGES pages), and orders the union by createdAt.
 */
async function recentPosts(ctx: Ctx, creds: Credentials, since: Date, signal: AbortSignal): Promise<RecentPost[]> {
  const base = serviceOf(ctx, creds);
  const seen = new Map<string, RecentPost>();
  const add = (records: Record<string, unknown>[]) => {
    for (const record of records) {
      const uri = str(record.uri);
      const value = asRecord(record.value);
      const createdAt = new Date(str(value.createdAt) ?? Number.NaN);
      if (!uri || Number.isNaN(createdAt.getTime()) || createdAt < since) continue;
      seen.set(uri, { externalId: uri, url: blueskyPostUrl(uri), text: str(value.text) ?? '', createdAt });
    }
  };
  const newest = await listRecords(ctx, base, creds, undefined, signal);
  add(newest.records);
  let cursor: string | undefined = KEYED_RANGE_END;
  for (let page = 0; page < MAX_KEYED_PAGES && cursor; page++) {
    const next = await listRecords(ctx, base, creds, cursor, signal);
    add(next.records);
    cursor = next.records.length === LIST_PAGE ? next.cursor : undefined;
  }
  return [...seen.values()].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
}

async function listRecords(ctx: Ctx, base: string, creds: Credentials, cursor: string | undefined, signal: AbortSignal) {
  const url = new URL(`${base}/xrpc/com.atproto.repo.listRecords`);
  url.searchParams.set('repo', creds.accountId);
  url.searchParams.set('collection', COLLECTION);
  url.searchParams.set('limit', String(LIST_PAGE));
  if (cursor) url.searchParams.set('cursor', cursor);
  const { json } = await callXrpc(ctx, { method: 'GET', url: url.toString(), signal, what: 'list recent posts' });
  return { records: (Array.isArray(json.records) ? json.records : []).map(asRecord), cursor: str(json.cursor) };
}

/**
 * com.atproto.server.getSession with the access JWT: who the session belongs to (did and handle). A read
 * that changes nothing, unlike refreshSession, which would spend the stored refresh JWT.
 */
async function verify(ctx: Ctx, creds: Credentials, signal: AbortSignal): Promise<AccountIdentity> {
  const call: HttpCall = {
    method: 'GET',
    url: `${serviceOf(ctx, creds)}/xrpc/com.atproto.server.getSession`,
    headers: bearer(creds.accessToken),
    signal,
    what: 'verify session',
    secrets: secretsOf(creds),
  };
  const { res, json } = await callXrpc(ctx, call);
  const did = str(json.did);
  if (!did) throw makeError('bluesky', call.secrets, { errorClass: 'transient', status: res.status, message: 'Bluesky verify session: answer without a did' });
  // The PDS still answers getSession for a deactivated account (active: false), but refuses its posts
  // with AccountDeactivated: for an operator the token does not work.
  if (json.active === false) {
    const networkMessage = `the account is ${str(json.status) ?? 'not active'}`;
    throw makeError('bluesky', call.secrets, { errorClass: 'auth', status: res.status, message: `Bluesky verify session: ${networkMessage}`, networkMessage });
  }
  return { accountId: did, name: `@${str(json.handle) ?? did}` };
}

/** com.atproto.server.refreshSession with the refresh JWT: a new access and refresh JWT (the old refresh one is spent). */
async function refresh(ctx: Ctx, creds: Credentials, signal: AbortSignal): Promise<Credentials> {
  const secrets = secretsOf(creds);
  if (!creds.refreshToken) throw makeError('bluesky', secrets, { errorClass: 'auth', message: 'Bluesky account has no refresh token: reconnect it' });
  const call: HttpCall = {
    method: 'POST',
    url: `${serviceOf(ctx, creds)}/xrpc/com.atproto.server.refreshSession`,
    headers: bearer(creds.refreshToken),
    signal,
    what: 'refresh session',
    secrets,
  };
  const { json } = await callXrpc(ctx, call);
  return sessionCredentials(json, call, creds.instanceUrl ?? pdsFromDidDoc(json.didDoc));
}

function sessionCredentials(json: Record<string, unknown>, call: HttpCall, instanceUrl: string | undefined): Credentials {
  const accessToken = str(json.accessJwt);
  const refreshToken = str(json.refreshJwt);
  const did = str(json.did);
  if (!accessToken || !refreshToken || !did) {
    throw makeError('bluesky', call.secrets, { errorClass: 'transient', message: `Bluesky ${call.what}: answer without a session` });
  }
  const expiresAt = jwtExpiry(accessToken);
  return {
    accessToken,
    refreshToken,
    accountId: did,
    ...(expiresAt ? { expiresAt } : {}),
    ...(instanceUrl ? { instanceUrl } : {}),
  };
}

/** The `exp` claim of a JWT (read, not verified: the PDS verifies its own tokens). */
export function jwtExpiry(jwt: string): Date | undefined {
  const payload = asRecord(parseJson(Buffer.from(jwt.split('.')[1] ?? '', 'base64url')));
  return typeof payload.exp === 'number' ? new Date(payload.exp * 1000) : undefined;
}

function pdsFromDidDoc(doc: unknown): string | undefined {
  const services = asRecord(doc).service;
  if (!Array.isArray(services)) return undefined;
  const pds = services.map(asRecord).find((s) => str(s.id)?.endsWith('#atproto_pds') && s.type === 'AtprotoPersonalDataServer');
  const endpoint = pds ? str(pds.serviceEndpoint) : undefined;
  return endpoint ? trimBase(endpoint) : undefined;
}

function parseAtUri(uri: string): { did: string; collection: string; rkey: string } {
  const match = /^at:\/\/([^/]+)\/([^/]+)\/([^/?#]+)$/.exec(uri);
  if (!match) throw makeError('bluesky', [], { errorClass: 'permanent', message: `not an at:// record uri: ${uri}` });
  return { did: match[1]!, collection: match[2]!, rkey: match[3]! };
}

/** Errors whose name says the session itself is bad: the account needs a refresh or a reconnect. */
const AUTH_ERRORS = new Set(['ExpiredToken', 'InvalidToken', 'AuthMissing', 'AuthenticationRequired', 'AccountTakedown', 'AccountDeactivated']);

function classify(status: number, name: string | undefined): ErrorClass {
  if (status === 401 || (name !== undefined && AUTH_ERRORS.has(name))) return 'auth';
  if (status === 429 || name === 'RateLimitExceeded') return 'rate_limited';
  if (status === 408 || status >= 500) return 'transient';
  return 'permanent';
}

/**
 * Maps an XRPC error answer `{error, message}`: 400 ExpiredToken/InvalidToken and 401 are auth (an
 * ExpiredToken is refreshable), 429 RateLimitExceeded carries RateLimit-Reset in epoch seconds,
 * 5xx is transient, anything else (InvalidRequest: too long, bad facet, blob too large...) is permanent.
 */
export function blueskyError(res: HttpResponse, call: HttpCall) {
  const json = asRecord(parseJson(res.body));
  const name = str(json.error);
  const networkMessage = str(json.message) ?? name;
  const errorClass = classify(res.status, name);
  const reset = Number(header(res, 'ratelimit-reset'));
  return makeError('bluesky', call.secrets, {
    errorClass,
    status: res.status,
    message: `Bluesky ${call.what} failed: HTTP ${res.status}${name ? ` ${name}` : ''}${networkMessage && networkMessage !== name ? ` (${networkMessage})` : ''}`,
    networkCode: name,
    networkMessage,
    requestId: header(res, 'x-request-id'),
    retryAt: errorClass === 'rate_limited' && Number.isFinite(reset) && reset > 0 ? new Date(reset * 1000) : undefined,
  });
}
