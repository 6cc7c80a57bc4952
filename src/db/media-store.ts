import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { MEDIA_DONE_POST_STATES, MEDIA_SERVED_POST_STATES, megabytes } from '../domain/media-rules.ts';
import type { PostState } from '../domain/post-state.ts';
import type { VideoFacts } from '../domain/video-facts.ts';
import type { Db, Executor } from './database.ts';
import type { MediaState } from './schema.ts';

/**
 * Greenlight's media store in PostgreSQL (issue 14): files are copied in chunk by chunk from a stream
 * and read back the same way, so no file is ever whole in memory (one chunk, plus the first
 * PROBE_HEAD_BYTES kept for probing). Nothing half-stored stays behind: a file is `preparing` until
 * its last chunk is written and it is probed, a failed copy deletes it, and a copy cut short by a
 * crash is removed by pruneMedia once it is older than an hour.
 */
export const MEDIA_CHUNK_BYTES = 256 * 1024;
/** What the image probe sees: enough for the headers of JPEG (EXIF included), PNG, WebP and a GIF's first frames. */
export const PROBE_HEAD_BYTES = 1024 * 1024;
/** What one row of a read carries (see readMedia). */
const READ_SLICE_BYTES = 32 * 1024;

export interface MediaRow {
  id: string;
  workspace_id: string;
  post_id: string | null;
  variant_of: string | null;
  position: number | null;
  filename: string;
  content_type: string;
  bytes: number;
  sha256: string | null;
  width: number | null;
  height: number | null;
  animated: boolean;
  alt: string | null;
  state: MediaState;
  created_at: Date;
  ready_at: Date | null;
  /** A video's facts (issue 15); null for images. */
  video: VideoFacts | null;
}

export interface NewMedia {
  workspaceId: string;
  /** The file's name as the author gave it (said back in messages: "team-photo.png is 3.4 MB"). */
  filename: string;
  alt?: string | null;
  postId?: string | null;
  position?: number | null;
  /** The file this one is a converted copy of. */
  variantOf?: string | null;
}

export interface StoreLimits {
  /** All of a workspace's files together (MEDIA_QUOTA_MB). */
  quotaBytes: number;
  /** One file; the copy stops as soon as it is passed. */
  maxFileBytes?: number;
  signal?: AbortSignal;
}

/** What probing found; `contentType` from the bytes, never from the name or the sender's word. */
export interface MediaFacts {
  contentType: string;
  width: number | null;
  height: number | null;
  animated: boolean;
  /** Set for a video (src/media/video-probe.ts). */
  video?: VideoFacts | null;
}

/**
 * Looks at a stored file: `head` is its first PROBE_HEAD_BYTES (or all of it), `read` streams it
 * whole from the store when the head is not enough (a GIF whose first frame is larger).
 */
export type Inspect = (head: Buffer, bytes: number, read: () => AsyncIterable<Buffer>) => Promise<MediaFacts>;

export type MediaStoreErrorCode = 'quota' | 'too_large' | 'empty';

/** A copy refused for a reason the author can act on; `message` is said to them as it is. */
export class MediaStoreError extends Error {
  readonly code: MediaStoreErrorCode;
  constructor(code: MediaStoreErrorCode, message: string) {
    super(message);
    this.name = 'MediaStoreError';
    this.code = code;
  }
}

/**
 * Copies `source` into the store and probes it: the whole life of one file from the chat to `ready`.
 * On any failure (quota, size, a source that errors, a probe that refuses the bytes) the file is
 * deleted before the error is thrown.
 */
export async function storeMedia(db: Db, input: NewMedia, source: AsyncIterable<Uint8Array>, limits: StoreLimits, inspect?: Inspect): Promise<MediaRow> {
  const id = await beginMedia(db, input);
  try {
    return await fillMedia(db, id, input, source, limits, inspect);
  } catch (error) {
    // If even this fails (the database is gone), the `preparing` row is pruned later.
    await deleteMedia(db, id).catch(() => undefined);
    throw error;
  }
}

/**
 * Copies `source` into an existing `preparing` row that has no chunks yet and probes it (a file
 * attached in a chat, whose row was written with its post). Throws on any failure; the caller
 * decides whether the row goes (a refusal) or is copied again (a retry).
 */
export async function fillMedia(
  db: Db,
  id: string,
  input: Pick<NewMedia, 'workspaceId' | 'filename'>,
  source: AsyncIterable<Uint8Array>,
  limits: StoreLimits,
  inspect?: Inspect,
): Promise<MediaRow> {
  const written = await writeChunks(db, id, input, source, limits);
  const facts = inspect
    ? await inspect(written.head, written.bytes, () => readMedia(db, { id, bytes: written.bytes }))
    : { contentType: 'application/octet-stream', width: null, height: null, animated: false };
  return markMediaReady(db, id, { ...facts, sha256: written.sha256, bytes: written.bytes });
}

/** A `preparing` row: the card can say "preparing media" from this moment. */
export async function beginMedia(db: Executor, input: NewMedia): Promise<string> {
  const row = await db
    .insertInto('media')
    .values({
      workspace_id: input.workspaceId,
      filename: input.filename,
      alt: input.alt ?? null,
      post_id: input.postId ?? null,
      position: input.position ?? null,
      variant_of: input.variantOf ?? null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

interface Written {
  bytes: number;
  sha256: string;
  head: Buffer;
}

async function writeChunks(
  db: Db,
  id: string,
  input: Pick<NewMedia, 'workspaceId' | 'filename'>,
  source: AsyncIterable<Uint8Array>,
  limits: StoreLimits,
): Promise<Written> {
  const hash = createHash('sha256');
  // One buffer for the chunk being filled and one for the head, reused: copying a stream through
  // makes no garbage per piece (V8 frees Buffers lazily, so garbage would show as resident memory).
  const chunk = Buffer.allocUnsafe(MEDIA_CHUNK_BYTES);
  const head = Buffer.allocUnsafe(PROBE_HEAD_BYTES);
  let filled = 0;
  let headLength = 0;
  let total = 0;
  let seq = 0;
  for await (const piece of source) {
    limits.signal?.throwIfAborted();
    const bytes = Buffer.isBuffer(piece) ? piece : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    if (bytes.length === 0) continue;
    total += bytes.length;
    if (limits.maxFileBytes !== undefined && total > limits.maxFileBytes) {
      throw new MediaStoreError('too_large', `${input.filename} is larger than ${megabytes(limits.maxFileBytes)}, the most Greenlight takes for one file.`);
    }
    hash.update(bytes);
    if (headLength < PROBE_HEAD_BYTES) headLength += bytes.copy(head, headLength, 0, PROBE_HEAD_BYTES - headLength);
    let offset = 0;
    while (offset < bytes.length) {
      const copied = bytes.copy(chunk, filled, offset);
      filled += copied;
      offset += copied;
      if (filled === MEDIA_CHUNK_BYTES) {
        // node-postgres serializes the parameter before the query's promise settles, so the buffer is free again after it.
        await writeChunk(db, id, input, seq++, chunk, limits.quotaBytes);
        filled = 0;
      }
    }
  }
  if (filled > 0) await writeChunk(db, id, input, seq++, chunk.subarray(0, filled), limits.quotaBytes);
  if (total === 0) throw new MediaStoreError('empty', `${input.filename} is empty.`);
  return { bytes: total, sha256: hash.digest('hex'), head: head.subarray(0, headLength) };
}

/**
 * One chunk and the file's running size, in one transaction that holds the workspace's quota lock:
 * two files copied at once cannot both squeeze under the quota.
 */
async function writeChunk(db: Db, id: string, input: Pick<NewMedia, 'workspaceId' | 'filename'>, seq: number, data: Buffer, quotaBytes: number): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`greenlight.media-quota.${input.workspaceId}`}, 0))`.execute(tx);
    const used = await workspaceMediaBytes(tx, input.workspaceId);
    if (used + data.length > quotaBytes) {
      throw new MediaStoreError(
        'quota',
        `${input.filename} does not fit: this workspace's media storage (${megabytes(quotaBytes)}) is full. Media of published posts are removed after the retention period; an admin can prune them sooner (npx greenlight media prune) or raise MEDIA_QUOTA_MB.`,
      );
    }
    await tx.insertInto('media_chunks').values({ media_id: id, seq, data }).execute();
    const updated = await tx
      .updateTable('media')
      .set({ bytes: sql`bytes + ${data.length}` })
      .where('id', '=', id)
      .where('state', '=', 'preparing')
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) throw new Error(`media ${id} was removed while it was being stored`);
  });
}

export async function markMediaReady(db: Executor, id: string, facts: MediaFacts & { sha256: string; bytes: number }): Promise<MediaRow> {
  const row = await db
    .updateTable('media')
    .set({
      state: 'ready',
      ready_at: sql`now()`,
      sha256: facts.sha256,
      content_type: facts.contentType,
      width: facts.width,
      height: facts.height,
      animated: facts.animated,
      video: facts.video ? JSON.stringify(facts.video) : null,
    })
    .where('id', '=', id)
    .where('state', '=', 'preparing')
    .where('bytes', '=', facts.bytes)
    .returningAll()
    .executeTakeFirst();
  if (!row) throw new Error(`media ${id} changed or was removed while it was being stored`);
  return row;
}

export async function deleteMedia(db: Executor, id: string): Promise<boolean> {
  const result = await db.deleteFrom('media').where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export async function findMedia(db: Executor, id: string): Promise<MediaRow | undefined> {
  return db.selectFrom('media').selectAll().where('id', '=', id).executeTakeFirst();
}

/** A ready file whose post is approved, scheduled or being published: the only ones the signed URL serves. */
export async function findServableMedia(db: Executor, id: string): Promise<MediaRow | undefined> {
  return db
    .selectFrom('media')
    .innerJoin('posts', 'posts.id', 'media.post_id')
    .selectAll('media')
    .where('media.id', '=', id)
    .where('media.state', '=', 'ready')
    .where('posts.state', 'in', [...MEDIA_SERVED_POST_STATES])
    .executeTakeFirst();
}

/** A post's own files in order (what the card shows), without converted copies or its link card's image. */
export async function listPostMedia(db: Executor, postId: string): Promise<MediaRow[]> {
  return db
    .selectFrom('media')
    .selectAll()
    .where('post_id', '=', postId)
    .where('variant_of', 'is', null)
    .where((eb) => eb.not(eb.exists(eb.selectFrom('post_link_previews as l').select('l.post_id').whereRef('l.image_media_id', '=', 'media.id'))))
    .orderBy('position')
    .orderBy('created_at')
    .execute();
}

/** A ready converted copy of `mediaId` of the given type, if one was made before. */
export async function findVariant(db: Executor, mediaId: string, contentType: string): Promise<MediaRow | undefined> {
  return db
    .selectFrom('media')
    .selectAll()
    .where('variant_of', '=', mediaId)
    .where('content_type', '=', contentType)
    .where('state', '=', 'ready')
    .executeTakeFirst();
}

/** Each video's poster frame (its JPEG copy, issue 15), by video id: one statement for a card's files. */
export async function postersOf(db: Executor, videoIds: readonly string[]): Promise<Map<string, string>> {
  if (videoIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('media')
    .select(['id', 'variant_of'])
    .where('variant_of', 'in', [...videoIds])
    .where('content_type', '=', 'image/jpeg')
    .where('state', '=', 'ready')
    .execute();
  return new Map(rows.map((r) => [r.variant_of!, r.id]));
}

/** Ties files copied before the post existed to it, in the order given. */
export async function attachMedia(db: Executor, postId: string, mediaIds: readonly string[]): Promise<void> {
  for (const [position, id] of mediaIds.entries()) {
    await db.updateTable('media').set({ post_id: postId, position }).where('id', '=', id).execute();
    await db.updateTable('media').set({ post_id: postId }).where('variant_of', '=', id).execute();
  }
}

/**
 * Streams a stored file, or the inclusive byte range `start..end` of it, one chunk per query.
 * Every chunk but the last is MEDIA_CHUNK_BYTES long, so the chunks a range needs are known without
 * reading the others, and only the needed part of each leaves the database.
 */
export async function* readMedia(db: Executor, media: { id: string; bytes: number }, range?: { start: number; end: number }): AsyncGenerator<Buffer> {
  const start = range?.start ?? 0;
  const end = range?.end ?? media.bytes - 1;
  if (media.bytes === 0 || start > end) return;
  if (start < 0 || end >= media.bytes) throw new RangeError(`range ${start}-${end} is outside media ${media.id} (${media.bytes} bytes)`);
  const first = Math.floor(start / MEDIA_CHUNK_BYTES);
  const last = Math.floor(end / MEDIA_CHUNK_BYTES);
  for (let seq = first; seq <= last; seq++) {
    const from = seq === first ? start - seq * MEDIA_CHUNK_BYTES : 0;
    const to = seq === last ? end - seq * MEDIA_CHUNK_BYTES + 1 : MEDIA_CHUNK_BYTES;
    // node-postgres reads bytea as hex text: one 256 KiB value would be a 512 KiB string, which V8
    // keeps in its large-object space until a full collection. Slices of 32 KiB stay small garbage
    // that the young generation sweeps at once; one query still brings the whole chunk's slices.
    const { rows } = await sql<{ data: Buffer }>`
      SELECT substring(c.data FROM s FOR least(${READ_SLICE_BYTES}::int, ${to + 1}::int - s)) AS data
      FROM media_chunks c, generate_series(${from + 1}::int, ${to}::int, ${READ_SLICE_BYTES}::int) AS s
      WHERE c.media_id = ${media.id} AND c.seq = ${seq}
      ORDER BY s`.execute(db);
    const length = rows.reduce((sum, row) => sum + row.data.length, 0);
    if (length !== to - from) throw new Error(`media ${media.id} is missing bytes in chunk ${seq}`);
    for (const row of rows) yield row.data;
  }
}

export interface MediaListing extends MediaRow {
  post_state: PostState | null;
}

/** Newest first, with each file's post state (the CLI's `media list`). */
export async function listMedia(db: Executor, options: { workspaceId?: string; limit?: number } = {}): Promise<MediaListing[]> {
  let query = db
    .selectFrom('media')
    .leftJoin('posts', 'posts.id', 'media.post_id')
    .selectAll('media')
    .select('posts.state as post_state')
    .orderBy('media.created_at', 'desc')
    .limit(options.limit ?? 100);
  if (options.workspaceId) query = query.where('media.workspace_id', '=', options.workspaceId);
  return query.execute();
}

/** Bytes a workspace holds, `preparing` copies included (they count against the quota as they grow). */
export async function workspaceMediaBytes(db: Executor, workspaceId: string): Promise<number> {
  const row = await db
    .selectFrom('media')
    .select(sql<number>`coalesce(sum(bytes), 0)::bigint`.as('used'))
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirstOrThrow();
  return Number(row.used);
}

export type PruneReason = 'post_finished' | 'stale_copy' | 'unattached';

export interface PruneOptions {
  now: Date;
  /** Files of published, canceled or rejected posts go this long after the post last changed (MEDIA_RETENTION_DAYS). */
  retentionDays: number;
  /** A copy still `preparing` after this long lost its process. */
  staleCopyMinutes?: number;
  /** A file never tied to a post (a form abandoned after its files were copied) goes after this long. */
  unattachedHours?: number;
  /** Count what would go, delete nothing. */
  dryRun?: boolean;
}

export interface PrunedMedia {
  id: string;
  workspace_id: string;
  filename: string;
  bytes: number;
  reason: PruneReason;
}

/** The retention rules in one place: the job and `greenlight media prune` both call this. */
export async function pruneMedia(db: Db, options: PruneOptions): Promise<PrunedMedia[]> {
  const { now } = options;
  const finishedBefore = new Date(now.getTime() - options.retentionDays * 86_400_000);
  const staleBefore = new Date(now.getTime() - (options.staleCopyMinutes ?? 60) * 60_000);
  const unattachedBefore = new Date(now.getTime() - (options.unattachedHours ?? 24) * 3_600_000);
  const candidates = await db
    .selectFrom('media')
    .leftJoin('posts', 'posts.id', 'media.post_id')
    .select([
      'media.id',
      'media.workspace_id',
      'media.filename',
      'media.bytes',
      'media.state',
      'media.post_id',
      'media.created_at',
      'posts.state as post_state',
      'posts.updated_at as post_updated_at',
    ])
    .where((eb) =>
      eb.or([
        eb.and([eb('posts.state', 'in', [...MEDIA_DONE_POST_STATES]), eb('posts.updated_at', '<', finishedBefore)]),
        eb.and([eb('media.state', '=', 'preparing'), eb('media.created_at', '<', staleBefore)]),
        eb.and([eb('media.post_id', 'is', null), eb('media.state', '=', 'ready'), eb('media.created_at', '<', unattachedBefore)]),
      ]),
    )
    .execute();
  const pruned: PrunedMedia[] = candidates.map((c) => ({
    id: c.id,
    workspace_id: c.workspace_id,
    filename: c.filename,
    bytes: Number(c.bytes),
    reason: c.state === 'preparing' ? 'stale_copy' : c.post_id === null ? 'unattached' : 'post_finished',
  }));
  if (options.dryRun || pruned.length === 0) return pruned;
  // In batches: one statement per 100 files keeps each transaction (and its locks) short.
  for (let i = 0; i < pruned.length; i += 100) {
    await db
      .deleteFrom('media')
      .where(
        'id',
        'in',
        pruned.slice(i, i + 100).map((p) => p.id),
      )
      .execute();
  }
  return pruned;
}
