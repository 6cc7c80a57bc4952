import { Readable } from 'node:stream';
import { DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { Db } from './database.ts';
import {
  chargeQuotaAlone,
  MEDIA_CHUNK_BYTES,
  type MediaBytes,
  type NewMedia,
  POSTGRES_BYTES,
  type StoreLimits,
  type Written,
  writeTally,
} from './media-store.ts';

/**
 * The S3-compatible media store (MEDIA_STORE=s3, issue 14): each `media` row's bytes are one object,
 * `media/<id>` (the id is a UUID, so a read needs nothing but the row it already has). The row keeps
 * the metadata and the quota is counted from `media.bytes` under the same lock as with PostgreSQL.
 *
 * It lives in src/db (the db floor) because it is the other half of the media store: the quota it
 * charges and the rows it sweeps against are queries, which belong here, and the workflow and HTTP
 * floors above reach it only through the MediaBytes interface in deps.
 */
export interface S3MediaSettings {
  bucket: string;
  region: string;
  /** For a store that is not AWS (MinIO, Ceph, R2, …); unset means AWS's own endpoint for the region. */
  endpoint?: string | undefined;
  /** `https://host/bucket/key` rather than `https://bucket.host/key` (most self-hosted stores want it). */
  forcePathStyle: boolean;
  /** Unset: the SDK's default chain (environment, shared files, instance or container role). */
  credentials?: { accessKeyId: string; secretAccessKey: string } | undefined;
}

/**
 * What one multipart part holds while it is sent: S3's smallest part (5 MiB), and one part at a time
 * per upload (`queueSize: 1`). A file is never whole in memory unless it is smaller than one part;
 * ten uploads at once hold at most about 50 MB. A file up to one part goes as a single PutObject.
 */
export const S3_PART_BYTES = 5 * 1024 * 1024;
const KEY_PREFIX = 'media/';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const s3KeyOf = (id: string): string => `${KEY_PREFIX}${id}`;

export function s3Client(settings: S3MediaSettings): S3Client {
  const config: S3ClientConfig = {
    region: settings.region,
    forcePathStyle: settings.forcePathStyle,
    // Checksums only where S3 requires them: S3-compatible stores (and older MinIO, Ceph) refuse the
    // streamed CRC trailers the SDK would otherwise add to every upload.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
  if (settings.endpoint) config.endpoint = settings.endpoint;
  if (settings.credentials) config.credentials = settings.credentials;
  return new S3Client(config);
}

export function s3MediaBytes(settings: S3MediaSettings, client: S3Client = s3Client(settings)): MediaBytes {
  const bucket = settings.bucket;
  return {
    kind: 's3',
    write: (db, id, input, source, limits) => writeObject(client, bucket, db, id, input, source, limits),
    read: (_db, media, range) => readObject(client, bucket, media, range),
    remove: (ids) => removeObjects(client, bucket, ids),
    sweep: (db) => sweepObjects(client, bucket, db),
  };
}

/**
 * Streams `source` into the object of `id` through a multipart upload (lib-storage's Upload, which
 * aborts the multipart upload when the body fails, so no parts stay behind). The bytes are counted
 * against the quota every MEDIA_CHUNK_BYTES before they go on to the upload: a workspace over its
 * quota stops the copy as soon as with PostgreSQL.
 */
async function writeObject(
  client: S3Client,
  bucket: string,
  db: Db,
  id: string,
  input: Pick<NewMedia, 'workspaceId' | 'filename'>,
  source: AsyncIterable<Uint8Array>,
  limits: StoreLimits,
): Promise<Written> {
  const tally = writeTally(input, limits);
  let uncharged = 0;
  let written: Written | undefined;
  // The reason the body stopped (quota, size, a source that failed): said rather than the upload's own error.
  let refusal: unknown;
  async function* counted(): AsyncGenerator<Buffer> {
    try {
      for await (const piece of source) {
        const bytes = tally.add(piece);
        if (bytes.length === 0) continue;
        uncharged += bytes.length;
        if (uncharged >= MEDIA_CHUNK_BYTES) {
          await chargeQuotaAlone(db, id, input, uncharged, limits.quotaBytes);
          uncharged = 0;
        }
        yield bytes;
      }
      // In the body, not after the upload: an empty file fails the body, so no empty object is kept.
      written = tally.finish();
      if (uncharged > 0) await chargeQuotaAlone(db, id, input, uncharged, limits.quotaBytes);
    } catch (error) {
      refusal = error;
      throw error;
    }
  }
  const upload = new Upload({
    client,
    params: { Bucket: bucket, Key: s3KeyOf(id), Body: Readable.from(counted(), { objectMode: false, highWaterMark: MEDIA_CHUNK_BYTES }) },
    partSize: S3_PART_BYTES,
    queueSize: 1,
    leavePartsOnError: false,
  });
  const abort = () => void upload.abort().catch(() => undefined);
  limits.signal?.addEventListener('abort', abort, { once: true });
  try {
    await upload.done();
  } catch (error) {
    throw refusal ?? error;
  } finally {
    limits.signal?.removeEventListener('abort', abort);
  }
  if (!written) throw new Error(`media ${id}: the upload ended before its body did`);
  return written;
}

/** The object, or the inclusive range `start..end` of it, streamed as it arrives (one ranged GetObject). */
async function* readObject(
  client: S3Client,
  bucket: string,
  media: { id: string; bytes: number },
  range?: { start: number; end: number },
): AsyncGenerator<Buffer> {
  const start = range?.start ?? 0;
  const end = range?.end ?? media.bytes - 1;
  if (media.bytes === 0 || start > end) return;
  if (start < 0 || end >= media.bytes) throw new RangeError(`range ${start}-${end} is outside media ${media.id} (${media.bytes} bytes)`);
  const answer = await client.send(new GetObjectCommand({ Bucket: bucket, Key: s3KeyOf(media.id), Range: `bytes=${start}-${end}` }));
  const body = answer.Body as Readable | undefined;
  if (!body) throw new Error(`media ${media.id} has no object in the store`);
  // A store may answer more than the range asked (s3rver sends the whole object for bytes=0-0; RFC 9110
  // lets a server ignore Range): the bytes before `start` are skipped and the read stops at `end`.
  const served = /^bytes (\d+)-/.exec(answer.ContentRange ?? '');
  let skip = start - (served ? Number(served[1]) : 0);
  if (skip < 0) throw new Error(`media ${media.id}: the store answered a range that starts after ${start} (${answer.ContentRange})`);
  let left = end - start + 1;
  try {
    for await (const chunk of body) {
      let piece = chunk as Buffer;
      if (skip > 0) {
        const skipped = Math.min(skip, piece.length);
        skip -= skipped;
        piece = piece.subarray(skipped);
      }
      if (piece.length === 0) continue;
      if (piece.length > left) piece = piece.subarray(0, left);
      left -= piece.length;
      yield piece;
      if (left === 0) break;
    }
  } finally {
    // A reader that stops early (a client hung up, or the range is done) frees the connection.
    body.destroy();
  }
  if (left !== 0) throw new Error(`media ${media.id} is missing ${left} bytes in the store`);
}

async function removeObjects(client: S3Client, bucket: string, ids: readonly string[]): Promise<void> {
  // DeleteObjects takes up to 1000 keys; a key that is not there is no error.
  for (let i = 0; i < ids.length; i += 1000) {
    const keys = ids.slice(i, i + 1000).map((id) => ({ Key: s3KeyOf(id) }));
    const answer = await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }));
    const failed = answer.Errors?.[0];
    if (failed) throw new Error(`the media store could not delete ${failed.Key}: ${failed.Code ?? ''} ${failed.Message ?? ''}`.trim());
  }
}

/**
 * Deletes every `media/<uuid>` object whose row is gone, one listing page (1000 keys) at a time. A row
 * is always written before its object, so an object without a row is never one being stored.
 */
async function sweepObjects(client: S3Client, bucket: string, db: Db): Promise<number> {
  let swept = 0;
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: KEY_PREFIX, ...(token ? { ContinuationToken: token } : {}) }));
    const ids = (page.Contents ?? []).map((o) => (o.Key ?? '').slice(KEY_PREFIX.length)).filter((id) => UUID.test(id));
    const kept = new Set(ids.length > 0 ? (await db.selectFrom('media').select('id').where('id', 'in', ids).execute()).map((r) => r.id) : []);
    const orphans = ids.filter((id) => !kept.has(id));
    await removeObjects(client, bucket, orphans);
    swept += orphans.length;
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return swept;
}

/** The store MEDIA_STORE names, made once at startup and passed in deps. */
export function mediaBytesFor(store: { kind: 'postgres' } | ({ kind: 's3' } & S3MediaSettings)): MediaBytes {
  return store.kind === 's3' ? s3MediaBytes(store) : POSTGRES_BYTES;
}
