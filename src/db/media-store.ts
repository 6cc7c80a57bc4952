import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { MEDIA_DONE_POST_STATES, MEDIA_SERVED_POST_STATES, megabytes } from '../domain/media-rules.ts';
import type { PostState } from '../domain/post-state.ts';
import type { VideoFacts } from '../domain/video-facts.ts';
import { type Db, type Executor, poolOf } from './database.ts';
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
/**
 * What one query of a read brings by default (see readMedia): a quarter chunk keeps 100 image uploads
 * at once within a few MB. A video's reads take whole chunks (`sliceBytes`): a post has one video, and
 * a quarter of the queries per byte leaves more of the machine to the deliveries around it.
 */
export const READ_SLICE_BYTES = 64 * 1024;

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

/** What writing a file's bytes found: its size, hash and first PROBE_HEAD_BYTES for the probe. */
export interface Written {
  bytes: number;
  sha256: string;
  head: Buffer;
}

/**
 * Where the bytes of the `media` rows live (MEDIA_STORE): PostgreSQL's `media_chunks` (the default) or
 * one object per file in an S3-compatible store (src/db/media-bytes-s3.ts). The `media` row and the
 * quota are the same for both; only the bytes move. Chosen once at startup and passed in deps.
 */
export interface MediaBytes {
  readonly kind: 'postgres' | 's3';
  /** Streams `source` into the file `id`, counting its bytes against the quota as they pass (chargeQuota). */
  write(db: Db, id: string, input: Pick<NewMedia, 'workspaceId' | 'filename'>, source: AsyncIterable<Uint8Array>, limits: StoreLimits): Promise<Written>;
  /** Streams the file or the inclusive range `start..end` of it. */
  read(db: Db, media: { id: string; bytes: number }, range?: { start: number; end: number }, sliceBytes?: number): AsyncGenerator<Buffer>;
  /** Removes the bytes of files whose rows are gone (PostgreSQL: the rows' chunks went with them). */
  remove(ids: readonly string[]): Promise<void>;
  /** Removes bytes left without a row (a row deleted elsewhere, an upload that ended after its row went); returns how many. */
  sweep(db: Db): Promise<number>;
}

/** A database and the store of its media bytes; a plain Db means the PostgreSQL store. */
export type MediaAt = Db | { db: Db; mediaBytes?: MediaBytes | undefined };

function placeOf(at: MediaAt): { db: Db; bytes: MediaBytes } {
  if ('selectFrom' in at) return { db: at, bytes: POSTGRES_BYTES };
  return { db: at.db, bytes: at.mediaBytes ?? POSTGRES_BYTES };
}

/**
 * Copies `source` into the store and probes it: the whole life of one file from the chat to `ready`.
 * On any failure (quota, size, a source that errors, a probe that refuses the bytes) the file is
 * deleted before the error is thrown.
 */
export async function storeMedia(at: MediaAt, input: NewMedia, source: AsyncIterable<Uint8Array>, limits: StoreLimits, inspect?: Inspect): Promise<MediaRow> {
  const id = await beginMedia(placeOf(at).db, input);
  try {
    return await fillMedia(at, id, input, source, limits, inspect);
  } catch (error) {
    // If even this fails (the database is gone), the `preparing` row is pruned later.
    await deleteMedia(at, id).catch(() => undefined);
    throw error;
  }
}

/**
 * Copies `source` into an existing `preparing` row that has no chunks yet and probes it (a file
 * attached in a chat, whose row was written with its post). Throws on any failure; the caller
 * decides whether the row goes (a refusal) or is copied again (a retry).
 */
export async function fillMedia(
  at: MediaAt,
  id: string,
  input: Pick<NewMedia, 'workspaceId' | 'filename'>,
  source: AsyncIterable<Uint8Array>,
  limits: StoreLimits,
  inspect?: Inspect,
): Promise<MediaRow> {
  const { db, bytes: store } = placeOf(at);
  const written = await store.write(db, id, input, source, limits);
  const facts = inspect
    ? await inspect(written.head, written.bytes, () => store.read(db, { id, bytes: written.bytes }))
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

/** One file's bytes counted on their way into a store (writeTally). */
export interface WriteTally {
  /**
   * Counts one piece of the source and returns it as a Buffer (empty: nothing to pass on). Throws when
   * the copy was stopped (the signal) or the file has grown past the most one file may be.
   */
  add(piece: Uint8Array): Buffer;
  /** What was written, once the source has ended; an empty file is refused. Call it once (it ends the hash). */
  finish(): Written;
}

/**
 * The count both stores keep of a file as its bytes pass (chunks here, one object in S3): its size
 * against the file limit, its hash, and its first PROBE_HEAD_BYTES for the probe. The head starts
 * small and grows only for a file that needs it (withRoom).
 */
export function writeTally(input: Pick<NewMedia, 'filename'>, limits: StoreLimits): WriteTally {
  const hash = createHash('sha256');
  let head: Buffer = Buffer.allocUnsafe(FIRST_BUFFER_BYTES);
  let headLength = 0;
  let total = 0;
  return {
    add(piece) {
      limits.signal?.throwIfAborted();
      const bytes = Buffer.isBuffer(piece) ? piece : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
      if (bytes.length === 0) return bytes;
      total += bytes.length;
      if (limits.maxFileBytes !== undefined && total > limits.maxFileBytes) {
        throw new MediaStoreError('too_large', `${input.filename} is larger than ${megabytes(limits.maxFileBytes)}, the most Greenlight takes for one file.`);
      }
      hash.update(bytes);
      if (headLength < PROBE_HEAD_BYTES) {
        const wanted = Math.min(bytes.length, PROBE_HEAD_BYTES - headLength);
        head = withRoom(head, headLength, wanted, PROBE_HEAD_BYTES);
        headLength += bytes.copy(head, headLength, 0, wanted);
      }
      return bytes;
    },
    finish() {
      if (total === 0) throw new MediaStoreError('empty', `${input.filename} is empty.`);
      return { bytes: total, sha256: hash.digest('hex'), head: head.subarray(0, headLength) };
    },
  };
}

async function writeChunks(
  db: Db,
  id: string,
  input: Pick<NewMedia, 'workspaceId' | 'filename'>,
  source: AsyncIterable<Uint8Array>,
  limits: StoreLimits,
): Promise<Written> {
  const tally = writeTally(input, limits);
  // One buffer for the chunk being filled (and one for the head, in the tally), reused: copying a stream
  // through makes no garbage per piece (V8 frees Buffers lazily, so garbage would show as resident memory).
  // Both start small and grow to their full size only for a file that needs it: a 200 KB image
  // allocated 1.25 MB before, and ten of them per post kept the garbage collector busy beside the acks.
  let chunk: Buffer = Buffer.allocUnsafe(FIRST_BUFFER_BYTES);
  let filled = 0;
  let seq = 0;
  for await (const piece of source) {
    const bytes = tally.add(piece);
    let offset = 0;
    while (offset < bytes.length) {
      chunk = withRoom(chunk, filled, bytes.length - offset, MEDIA_CHUNK_BYTES);
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
  return tally.finish();
}

/** What the write buffers (writeChunks' chunk, writeTally's head) start at (and a file smaller than this never grows them). */
const FIRST_BUFFER_BYTES = 16 * 1024;

/**
 * `buffer`, or a larger copy of its first `used` bytes, with room for `wanted` more bytes or up to
 * `max` in all; it at least doubles, so a large file grows it a few times, not once per piece.
 */
function withRoom(buffer: Buffer, used: number, wanted: number, max: number): Buffer {
  const needed = Math.min(max, used + wanted);
  if (needed <= buffer.length) return buffer;
  const larger = Buffer.allocUnsafe(Math.min(max, Math.max(needed, buffer.length * 2)));
  buffer.copy(larger, 0, 0, used);
  return larger;
}

/**
 * One chunk and the file's running size, in one transaction that holds the workspace's quota lock:
 * two files copied at once cannot both squeeze under the quota. Five round trips a chunk (BEGIN, lock,
 * quota and size, chunk, COMMIT; six before): the intake shares the process and the pool with the
 * chat's acks (docs/benchmarks.md).
 */
async function writeChunk(db: Db, id: string, input: Pick<NewMedia, 'workspaceId' | 'filename'>, seq: number, data: Buffer, quotaBytes: number): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await chargeQuota(tx, id, input, data.length, quotaBytes);
    await tx.insertInto('media_chunks').values({ media_id: id, seq, data }).execute();
  });
}

/**
 * Adds `length` bytes to the file's running size under the workspace's quota lock (taken here, held
 * until `tx` ends), or refuses them when the workspace's files would pass `quotaBytes`. Both stores
 * count the quota this way, from `media.bytes`.
 */
export async function chargeQuota(
  tx: Executor,
  id: string,
  input: Pick<NewMedia, 'workspaceId' | 'filename'>,
  length: number,
  quotaBytes: number,
): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`greenlight.media-quota.${input.workspaceId}`}, 0))`.execute(tx);
  // The check and the size in one statement: its snapshot is taken once the lock is held, so it sees
  // every size committed under the lock before it.
  const { rows } = await sql<{ fits: boolean; grown: boolean }>`
    WITH fits AS (
      SELECT 1 FROM media WHERE workspace_id = ${input.workspaceId}::uuid
      HAVING coalesce(sum(bytes), 0) + ${length}::bigint <= ${quotaBytes}::bigint
    ), grown AS (
      UPDATE media SET bytes = bytes + ${length}::bigint WHERE id = ${id}::uuid AND state = 'preparing' AND EXISTS (SELECT 1 FROM fits) RETURNING 1
    )
    SELECT EXISTS (SELECT 1 FROM fits) AS fits, EXISTS (SELECT 1 FROM grown) AS grown`.execute(tx);
  if (!rows[0]?.fits) {
    throw new MediaStoreError(
      'quota',
      `${input.filename} does not fit: this workspace's media storage (${megabytes(quotaBytes)}) is full. Media of published posts are removed after the retention period; an admin can prune them sooner (npx greenlight media prune) or raise MEDIA_QUOTA_MB.`,
    );
  }
  if (!rows[0].grown) throw new Error(`media ${id} was removed while it was being stored`);
}

/** Charges `length` bytes in a transaction of its own (the S3 store, whose bytes are not in the database). */
export async function chargeQuotaAlone(
  db: Db,
  id: string,
  input: Pick<NewMedia, 'workspaceId' | 'filename'>,
  length: number,
  quotaBytes: number,
): Promise<void> {
  await db.transaction().execute((tx) => chargeQuota(tx, id, input, length, quotaBytes));
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

/** Deletes the row (its chunks and converted copies go with it) and then its stored object, if any. */
export async function deleteMedia(at: MediaAt, id: string): Promise<boolean> {
  const { db, bytes } = placeOf(at);
  const gone = await db
    .deleteFrom('media')
    .where((eb) => eb.or([eb('id', '=', id), eb('variant_of', '=', id)]))
    .returning('id')
    .execute();
  await bytes.remove(gone.map((g) => g.id));
  return gone.some((g) => g.id === id);
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
 * Streams a stored file, or the inclusive byte range `start..end` of it, one slice of at most
 * `sliceBytes` per query. Every chunk but the last is MEDIA_CHUNK_BYTES long, so the chunks a
 * range needs are known without reading the others, and only the needed part of each leaves the
 * database. A slice is read whole and its connection returned before it is yielded: a slow
 * consumer (a network upload) never holds one of the pool's connections.
 */
export function readMedia(
  at: MediaAt,
  media: { id: string; bytes: number },
  range?: { start: number; end: number },
  sliceBytes = READ_SLICE_BYTES,
): AsyncGenerator<Buffer> {
  const { db, bytes } = placeOf(at);
  return bytes.read(db, media, range, sliceBytes);
}

/** The PostgreSQL store (MEDIA_STORE=postgres, the default): bytes in `media_chunks`, 256 KiB a row. */
export const POSTGRES_BYTES: MediaBytes = {
  kind: 'postgres',
  write: writeChunks,
  read: readChunks,
  remove: async () => undefined,
  sweep: async () => 0,
};

async function* readChunks(
  db: Db,
  media: { id: string; bytes: number },
  range?: { start: number; end: number },
  sliceBytes = READ_SLICE_BYTES,
): AsyncGenerator<Buffer> {
  const start = range?.start ?? 0;
  const end = range?.end ?? media.bytes - 1;
  if (media.bytes === 0 || start > end) return;
  if (start < 0 || end >= media.bytes) throw new RangeError(`range ${start}-${end} is outside media ${media.id} (${media.bytes} bytes)`);
  if (!UUID.test(media.id)) throw new RangeError(`${media.id} is not a media id`);
  const pool = poolOf(db);
  const slices = slicesOf(start, end, Math.min(Math.max(1, sliceBytes), MEDIA_CHUNK_BYTES));
  // The next slice is read while this one is being consumed: a stream (a network's pull of a video)
  // is not held up by one query's round trip per slice. Memory: two slices per reader.
  // A reader that stops early (a client hung up) leaves the read ahead to finish and return its connection.
  let next: Promise<Buffer[] | undefined> | undefined;
  for (const [i, slice] of slices.entries()) {
    const pieces = await (next ?? readSlice(pool, media.id, slice));
    const following = slices[i + 1];
    next = following ? readSlice(pool, media.id, following) : undefined;
    // Handled here, awaited (and thrown) at the next turn: a failure meanwhile is no unhandled rejection.
    next?.catch(() => undefined);
    if (pieces === undefined || sizeOf(pieces) !== slice.length) throw new Error(`media ${media.id} is missing bytes in chunk ${slice.seq}`);
    yield* pieces;
  }
}

interface Slice {
  seq: number;
  /** Offset in the chunk. */
  offset: number;
  length: number;
}

/** The slices of at most `size` bytes, within chunks, that cover `start..end` inclusive. */
function slicesOf(start: number, end: number, size: number): Slice[] {
  const slices: Slice[] = [];
  const first = Math.floor(start / MEDIA_CHUNK_BYTES);
  const last = Math.floor(end / MEDIA_CHUNK_BYTES);
  for (let seq = first; seq <= last; seq++) {
    const from = seq === first ? start - seq * MEDIA_CHUNK_BYTES : 0;
    const to = seq === last ? end - seq * MEDIA_CHUNK_BYTES + 1 : MEDIA_CHUNK_BYTES;
    for (let offset = from; offset < to; offset += size) slices.push({ seq, offset, length: Math.min(size, to - offset) });
  }
  return slices;
}

const sizeOf = (pieces: readonly Buffer[]) => pieces.reduce((sum, piece) => sum + piece.length, 0);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * `length` bytes of chunk `seq` from `offset`, in PostgreSQL's binary COPY format. A plain query
 * would bring bytea as hex text through node-postgres (whose binary result mode decodes values as
 * UTF-8 text, which breaks bytes): twice the size as a string, then decoded into a third copy; with
 * 100 uploads at once that garbage, not the bytes, was most of the resident memory (docs/benchmarks.md).
 * COPY's data messages arrive as Buffers. COPY takes no parameters: the id is checked to be a UUID
 * and the numbers are ours.
 */
async function readSlice(pool: pg.Pool, id: string, { seq, offset, length }: Slice): Promise<Buffer[] | undefined> {
  const release = await readTurn(pool);
  let client: pg.PoolClient | undefined;
  let broken: Error | undefined;
  try {
    client = await pool.connect();
    const pieces: Buffer[] = [];
    const copy = client.query(
      copyTo(
        `COPY (SELECT substring(data FROM ${offset + 1} FOR ${length}) FROM media_chunks WHERE media_id = '${id}' AND seq = ${seq}) TO STDOUT (FORMAT binary)`,
      ),
    );
    for await (const piece of copy) pieces.push(piece as Buffer);
    return onlyField(pieces);
  } catch (error) {
    // A connection that failed mid-COPY is not handed out again.
    broken = error instanceof Error ? error : new Error(String(error));
    throw error;
  } finally {
    client?.release(broken);
    release();
  }
}

/**
 * Media reads take at most half of a pool's connections at once, so ten videos streaming (each
 * reading ahead) leave the rest to the deliveries around them; a read waits its turn in order.
 */
interface ReadTurns {
  running: number;
  waiting: (() => void)[];
}
const readTurns = new WeakMap<pg.Pool, ReadTurns>();

async function readTurn(pool: pg.Pool): Promise<() => void> {
  let turns = readTurns.get(pool);
  if (!turns) {
    turns = { running: 0, waiting: [] };
    readTurns.set(pool, turns);
  }
  const limit = Math.max(1, Math.floor((pool.options.max ?? 10) / 2));
  const current = turns;
  if (current.running >= limit) await new Promise<void>((resolve) => current.waiting.push(resolve));
  else current.running += 1;
  // A finished read hands its turn straight to the next waiting one (running stays the same).
  return () => {
    const next = current.waiting.shift();
    if (next) next();
    else current.running -= 1;
  };
}

/** PostgreSQL's binary COPY signature (https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.4). */
const COPY_SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');

/**
 * The one field of the one row of a binary COPY, as views into the pieces it came in (no copy of the
 * bytes); undefined when there is no row or the field is null.
 */
function onlyField(pieces: readonly Buffer[]): Buffer[] | undefined {
  // The header, the tuple's field count and length are in the first bytes (a PostgreSQL header extension, unused today, is skipped).
  const head = Buffer.concat(pieces, Math.min(sizeOf(pieces), 64));
  if (head.length < 21 || !head.subarray(0, 11).equals(COPY_SIGNATURE)) throw new Error('the media store read an answer that is not binary COPY');
  const tupleAt = 19 + head.readUInt32BE(15);
  if (head.length < tupleAt + 2) throw new Error('the media store read a binary COPY header extension it cannot skip');
  if (head.readInt16BE(tupleAt) === -1) return undefined;
  const length = head.readInt32BE(tupleAt + 2);
  return length < 0 ? undefined : viewOf(pieces, tupleAt + 6, length);
}

/** `length` bytes from `offset` across `pieces`, as subarrays. */
function viewOf(pieces: readonly Buffer[], offset: number, length: number): Buffer[] {
  const views: Buffer[] = [];
  let skip = offset;
  let left = length;
  for (const piece of pieces) {
    if (left === 0) break;
    if (skip >= piece.length) {
      skip -= piece.length;
      continue;
    }
    const view = piece.subarray(skip, skip + left);
    skip = 0;
    left -= view.length;
    views.push(view);
  }
  return views;
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
export async function pruneMedia(at: MediaAt, options: PruneOptions): Promise<PrunedMedia[]> {
  const { db, bytes: store } = placeOf(at);
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
  if (options.dryRun) return pruned;
  // In batches: one statement per 100 files keeps each transaction (and its locks) short. The rows go
  // first, then their objects (S3): an object whose row is gone is swept, a row whose object is gone is not.
  for (let i = 0; i < pruned.length; i += 100) {
    const gone = await db
      .deleteFrom('media')
      .where(
        'id',
        'in',
        pruned.slice(i, i + 100).map((p) => p.id),
      )
      .returning('id')
      .execute();
    await store.remove(gone.map((g) => g.id));
  }
  // Objects whose rows went another way (a post's files replaced, a converted copy cascading).
  await store.sweep(db);
  return pruned;
}
