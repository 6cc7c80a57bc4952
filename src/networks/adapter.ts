import type { Credentials } from '../domain/credentials.ts';
import type { Network } from '../domain/networks.ts';
import type { PostMetrics } from '../domain/post-metrics.ts';
import type { Pace } from '../media/bulk-pace.ts';

export type { Credentials } from '../domain/credentials.ts';
export type { PostMetrics } from '../domain/post-metrics.ts';

/**
 * One interface for every social network. Adapters are thin: they speak the network's wire protocol
 * with undici and translate every failure into a NetworkError with one of the classes below.
 */
export type ErrorClass =
  | 'transient' //       5xx, connection reset, timeout before the request was sent: safe to retry
  | 'rate_limited' //    429 or the network's own limit code: retry after `retryAt`
  | 'auth' //            token expired or revoked: the account needs a reconnect
  | 'permanent' //       content rejected, duplicate, bad request: retrying cannot help
  | 'unknown_outcome'; // the request may have reached the network (timeout after sending): reconcile first

export class NetworkError extends Error {
  readonly network: Network;
  readonly errorClass: ErrorClass;
  readonly status: number | undefined;
  /** The network's own error code and words, kept for the user ("X said: ..."). Never contains tokens. */
  readonly networkCode: string | undefined;
  readonly networkMessage: string | undefined;
  readonly requestId: string | undefined;
  /** For rate_limited: when the network says the limit resets. */
  readonly retryAt: Date | undefined;

  constructor(init: {
    network: Network;
    errorClass: ErrorClass;
    message: string;
    status?: number;
    networkCode?: string;
    networkMessage?: string;
    requestId?: string;
    retryAt?: Date;
    cause?: unknown;
  }) {
    super(init.message, { cause: init.cause });
    this.name = 'NetworkError';
    this.network = init.network;
    this.errorClass = init.errorClass;
    this.status = init.status;
    this.networkCode = init.networkCode;
    this.networkMessage = init.networkMessage;
    this.requestId = init.requestId;
    this.retryAt = init.retryAt;
  }
}

/**
 * One image of a post. `url` is where a network that pulls media fetches it: the link an author typed,
 * or for a file in Greenlight's media store a signed, expiring `$PUBLIC_URL/media/<id>?exp&sig`
 * (src/crypto/media-url.ts; empty when the server has no STATE_SECRET). Networks that take uploads read
 * a stored file's bytes from `stored.read()` instead, chunk by chunk.
 */
export interface MediaItem {
  url: string;
  alt?: string;
  /** Set for a file in Greenlight's media store (issue 14); absent for a typed link. */
  stored?: StoredFile;
}

/** A file in Greenlight's media store, as the adapters need it: its facts, and its bytes as a stream. */
export interface StoredFile {
  id: string;
  /** The author's file name, said back in messages ("team-photo.png"). */
  filename: string;
  /** From the bytes (probed at intake), never from the name. */
  contentType: string;
  bytes: number;
  width: number | null;
  height: number | null;
  animated: boolean;
  /**
   * Streams the file from the store, one chunk at a time (src/db/media-store.ts readMedia); each call
   * starts again, from the first byte or from `range.start` to `range.end` inclusive (a part of a
   * chunked upload). A read that fails mid-stream throws from the iterator.
   */
  read(range?: { start: number; end: number }): AsyncIterable<Uint8Array>;
}

/**
 * A video from Greenlight's media store (issue 15). Upload networks stream it in their segment size with
 * `read`; pull networks (Instagram, Threads, Facebook) are given the signed `url`. Never whole in memory.
 */
export interface VideoSource {
  mediaId: string;
  filename: string;
  /** video/mp4, video/quicktime, video/webm: from the probe. */
  contentType: string;
  bytes: number;
  width: number;
  height: number;
  durationMs: number;
  alt?: string;
  /** Streams the inclusive byte range `start..end` (the whole file without one) from the store. */
  read(range?: { start: number; end: number }): AsyncIterable<Buffer>;
  /**
   * The process's turns for video bytes (VIDEO_SEND_MB_PER_S, src/media/bulk-pace.ts): readSegment takes
   * them for each segment before its request. A file streamed as one request body (Bluesky, Mastodon) is
   * not paced: a slowed body would run into the call's timeout.
   */
  pace?: Pace | undefined;
  /** A signed, expiring URL the network pulls the file from (src/crypto/media-url.ts). */
  url?: string;
  /** The poster frame's signed URL: the cover where a network takes one (Instagram cover_url). */
  posterUrl?: string;
}

/**
 * Where an adapter keeps how far a video upload got (the network's upload or container id, the next
 * segment), so an attempt after a crash resumes or looks up instead of uploading twice. Stored per
 * delivery; `save(undefined)` clears it.
 */
export interface UploadCheckpoint {
  load(): Promise<Record<string, unknown> | undefined>;
  save(state: Record<string, unknown> | undefined): Promise<void>;
}

export interface VideoUpload {
  file: VideoSource;
  checkpoint: UploadCheckpoint;
  /** Instagram: a Reel (default) or a Story, chosen per post in the form. */
  instagram?: 'reels' | 'stories';
}

/** What to publish for one delivery: the text split into thread parts (one part for a plain post). */
export interface PublishRequest {
  deliveryId: string;
  parts: string[];
  media: MediaItem[];
  /** A video instead of `media` (issue 15): one per post on every network. */
  video?: VideoUpload;
  /** Parts already published by an earlier attempt (a resumed thread continues after the last one). */
  publishedParts: PublishedPart[];
  /** Called after each part is published, so the caller can store it before the next part starts. */
  onPartPublished: (part: PublishedPart) => Promise<void>;
  /** Aborts every network call when the job expires or the worker stops. */
  signal: AbortSignal;
  /**
   * The card of the post's first link as the approver saw it (issue 16), for networks that take the card
   * from the caller (Bluesky, LinkedIn); `null` when the author chose no link preview (no card at all);
   * undefined when there is no card (the adapter's bare-link behaviour).
   */
  linkCard?: LinkCard | null | undefined;
}

export interface LinkCard {
  url: string;
  title: string;
  description: string;
  /** The stored thumbnail (a JPEG at most 1200 px a side), read only by adapters that upload it. */
  image?: { contentType: string; bytes: number; read: () => Promise<Buffer> } | undefined;
}

/** A first comment on a published post (issue 16): LinkedIn, Facebook and Instagram comments. */
export interface CommentRequest {
  deliveryId: string;
  /** The published post: its id at the network and its link. */
  post: { externalId: string; url: string };
  text: string;
  signal: AbortSignal;
}

export interface PublishedPart {
  position: number;
  externalId: string;
  url: string;
}

export interface PublishResult {
  /** The first part's id and link: what the receipt links to. */
  externalId: string;
  url: string;
  parts: PublishedPart[];
}

/** A post found on the account, for reconciling an attempt whose outcome is unknown. */
export interface RecentPost {
  externalId: string;
  url: string;
  text: string;
  createdAt: Date;
}

/** Whom a token belongs to, from the network's cheapest authenticated read. */
export interface AccountIdentity {
  accountId: string;
  /** @handle (or name) as the network shows it. */
  name: string;
}

export interface NetworkAdapter {
  readonly network: Network;
  /**
   * True when the network itself refuses a second post for a retried request (Mastodon's
   * Idempotency-Key, Bluesky record keys): a retry after an unknown outcome is then safe without a lookup.
   */
  readonly idempotent?: boolean;
  publish(request: PublishRequest, credentials: Credentials): Promise<PublishResult>;
  /**
   * Recent posts of the account, newest first, so an attempt with an unknown outcome can be matched by text.
   * Returns undefined when the network offers no way to look (then the delivery becomes `unconfirmed`).
   */
  recentPosts(credentials: Credentials, since: Date, signal: AbortSignal): Promise<RecentPost[] | undefined>;
  /**
   * The first comment under a published post, as the account (a Page, an organization). Networks with
   * threads have none: their first comment is a reply, published as one more part of the thread.
   */
  comment?(request: CommentRequest, credentials: Credentials): Promise<PublishedPart>;
  /** A fresh access token where the network has refresh tokens; undefined where it has none. */
  refresh?(credentials: Credentials, signal: AbortSignal): Promise<Credentials>;
  /**
   * Proves the token works with the network's cheapest authenticated read, changing nothing (operators'
   * `greenlight accounts check` and `doctor`). A refused token throws a NetworkError of class `auth`.
   */
  verify?(credentials: Credentials, signal: AbortSignal): Promise<AccountIdentity>;
  /**
   * Counts for posts of this account, in as few calls as the network allows (X: 100 ids a call). The map
   * holds the posts the network answered for; a post it no longer knows (deleted) is missing from it.
   */
  metrics?(credentials: Credentials, externalIds: string[], signal: AbortSignal): Promise<Map<string, PostMetrics>>;
}
