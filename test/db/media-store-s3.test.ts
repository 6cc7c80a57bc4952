import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signMediaUrl } from '../../src/crypto/media-url.ts';
import { s3Client, s3KeyOf, s3MediaBytes, S3_PART_BYTES } from '../../src/db/media-bytes-s3.ts';
import {
  deleteMedia,
  findMedia,
  type MediaBytes,
  MediaStoreError,
  PROBE_HEAD_BYTES,
  pruneMedia,
  readMedia,
  storeMedia,
  workspaceMediaBytes,
} from '../../src/db/media-store.ts';
import { findOrCreateWorkspace } from '../../src/db/workspaces.ts';
import { mediaMount } from '../../src/http/media-route.ts';
import { listen } from '../../src/http/server.ts';
import { createLogger } from '../../src/log.ts';
import { probeImage } from '../../src/media/image-probe.ts';
import type { MediaItem } from '../../src/networks/adapter.ts';
import { createMastodonAdapter } from '../../src/networks/mastodon.ts';
import { startMastodonEmulator } from '../../emulators/mastodon.ts';
import { createTestDatabase, insertBarePost, type TestDatabase } from '../helpers/db.ts';
import { inPieces, pngOf } from '../helpers/images.ts';
import { publishRequest } from '../helpers/network-harness.ts';

/**
 * MEDIA_STORE=s3 against s3rver (a fake S3 server for Node, from npm, a devDependency): it speaks the
 * S3 REST API the SDK uses (PutObject, multipart uploads and their abort, ranged GetObject,
 * ListObjectsV2, DeleteObjects) and keeps objects in a temporary directory, so the test needs no
 * service of its own and no network beyond 127.0.0.1.
 */
const BUCKET = 'greenlight-media';
const SECRET = 's'.repeat(40);
const GB = 1024 ** 3;
let testDb: TestDatabase;
let s3rver: S3rver;
let directory: string;
let client: S3Client;
let bytes: MediaBytes;
let at: { db: TestDatabase['db']; mediaBytes: MediaBytes };
let proxy: Server;
/** AbortMultipartUpload requests the store was sent, by upload id. */
const aborted: string[] = [];

/**
 * The SDK talks to s3rver through this pass-through, which adds the one call s3rver 3.7 lacks:
 * AbortMultipartUpload (DELETE ?uploadId=…, answered 405 by s3rver) removes the upload's parts from
 * s3rver's directory as S3 would, and is recorded, so a test sees both that Greenlight aborted and
 * that nothing stayed.
 */
function forward(port: number, req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://proxy');
  const uploadId = url.searchParams.get('uploadId');
  if (req.method === 'DELETE' && uploadId && /^[0-9a-f]{32}$/.test(uploadId)) {
    aborted.push(uploadId);
    void rm(join(directory, BUCKET, '._S3rver_uploads', uploadId), { recursive: true, force: true }).then(() => {
      res.writeHead(204);
      res.end();
    });
    return;
  }
  const upstream = request({ host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  upstream.on('error', () => res.destroy());
  req.pipe(upstream);
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  directory = await mkdtemp(join(tmpdir(), 'greenlight-s3rver-'));
  s3rver = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory });
  const { port } = (await s3rver.run()) as { port: number };
  proxy = createServer((req, res) => forward(port, req, res));
  const settings = {
    bucket: BUCKET,
    region: 'us-east-1',
    endpoint: `http://127.0.0.1:${await listen(proxy, 0, '127.0.0.1')}`,
    forcePathStyle: true,
    // s3rver's fixed test keys (its documentation); no real account is involved.
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  };
  client = s3Client(settings);
  await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
  bytes = s3MediaBytes(settings, client);
  at = { db: testDb.db, mediaBytes: bytes };
}, 60_000);
afterAll(async () => {
  client?.destroy();
  if (proxy) await new Promise((resolve) => proxy.close(resolve));
  await s3rver?.close();
  if (directory) await rm(directory, { recursive: true, force: true });
  await testDb?.drop();
});

async function workspace() {
  return findOrCreateWorkspace(testDb.db, 'slack', `T${Math.random().toString(36).slice(2)}`);
}

async function collect(source: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of source) parts.push(part);
  return Buffer.concat(parts);
}

async function objectExists(id: string): Promise<boolean> {
  return client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: s3KeyOf(id) })).then(
    () => true,
    () => false,
  );
}

async function keys(): Promise<string[]> {
  const page = await client.send(new ListObjectsV2Command({ Bucket: BUCKET }));
  return (page.Contents ?? []).map((o) => o.Key!);
}

/** Every file s3rver holds on disk, multipart parts included (an aborted upload must leave none). */
async function filesOnDisk(): Promise<string[]> {
  const entries = await readdir(directory, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/** Pseudo-random bytes (incompressible, no two parts alike). */
function noiseOf(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let block = createHash('sha256').update(String(seed)).digest();
  for (let i = 0; i < length; i += block.length) {
    block.copy(out, i);
    block = createHash('sha256').update(block).digest();
  }
  return out;
}

describe('the S3 media store (s3rver)', () => {
  it('stores a file as one object, keeps the row and the quota in PostgreSQL, and reads it whole and by ranges', async () => {
    const ws = await workspace();
    const png = await pngOf(700, 500, 3);
    const media = await storeMedia(at, { workspaceId: ws.id, filename: 'team-photo.png' }, inPieces(png), { quotaBytes: GB }, (head, n, read) =>
      probeImage('team-photo.png', head, n, read),
    );
    expect(media).toMatchObject({ state: 'ready', content_type: 'image/png', width: 700, height: 500, bytes: png.length });
    expect(media.sha256).toBe(createHash('sha256').update(png).digest('hex'));
    expect(await objectExists(media.id)).toBe(true);
    expect(await testDb.db.selectFrom('media_chunks').select('seq').where('media_id', '=', media.id).execute()).toEqual([]);
    expect(await workspaceMediaBytes(testDb.db, ws.id)).toBe(png.length);
    expect((await collect(readMedia(at, media))).equals(png)).toBe(true);
    for (const [start, end] of [
      [0, 0],
      [17, 4000],
      [png.length - 3, png.length - 1],
    ] as const) {
      expect((await collect(readMedia(at, media, { start, end }))).equals(png.subarray(start, end + 1)), `${start}-${end}`).toBe(true);
    }
    await expect(collect(readMedia(at, media, { start: 0, end: png.length }))).rejects.toThrow(RangeError);
  });

  it('uploads a file larger than one part as a multipart upload and reads a range across parts', async () => {
    const ws = await workspace();
    const big = noiseOf(2 * S3_PART_BYTES + 12_345, 7);
    const media = await storeMedia(at, { workspaceId: ws.id, filename: 'clip.bin' }, inPieces(big), { quotaBytes: GB });
    expect(Number(media.bytes)).toBe(big.length);
    const start = S3_PART_BYTES - 100;
    const end = S3_PART_BYTES + 100;
    expect((await collect(readMedia(at, media, { start, end }))).equals(big.subarray(start, end + 1))).toBe(true);
    expect((await collect(readMedia(at, media))).equals(big)).toBe(true);
  });

  it('serves a stored file through the signed /media route, whole and as a 206 range', async () => {
    const ws = await workspace();
    const post = await insertBarePost(testDb.db, ws.id, 'scheduled', new Date(Date.now() + 3600_000));
    const png = await pngOf(300, 200, 5);
    const media = await storeMedia(at, { workspaceId: ws.id, filename: 'a.png', postId: post.id }, inPieces(png), { quotaBytes: GB }, (head, n, read) =>
      probeImage('a.png', head, n, read),
    );
    const now = new Date();
    const server: Server = createServer(
      mediaMount({ db: testDb.db, mediaBytes: bytes, secret: SECRET, now: () => now, log: createLogger({ level: 'silent' }) }).listener,
    );
    const base = `http://127.0.0.1:${await listen(server, 0, '127.0.0.1')}`;
    try {
      const url = signMediaUrl(base, media.id, SECRET, now);
      const whole = await get(url);
      expect(whole.status).toBe(200);
      expect(whole.headers['content-length']).toBe(String(png.length));
      expect(whole.body.equals(png)).toBe(true);
      const part = await get(url, { range: 'bytes=100-1099' });
      expect(part.status).toBe(206);
      expect(part.headers['content-range']).toBe(`bytes 100-1099/${png.length}`);
      expect(part.body.equals(png.subarray(100, 1100))).toBe(true);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('publishes a stored image to Mastodon (its emulator) streamed from the object store, with its alt text', async () => {
    const emu = await startMastodonEmulator();
    try {
      const ws = await workspace();
      const png = await pngOf(400, 300, 9);
      const media = await storeMedia(
        at,
        { workspaceId: ws.id, filename: 'launch.png', alt: 'A green dot' },
        inPieces(png),
        { quotaBytes: GB },
        (head, n, read) => probeImage('launch.png', head, n, read),
      );
      const item: MediaItem = {
        url: '',
        alt: 'A green dot',
        stored: {
          id: media.id,
          filename: media.filename,
          contentType: media.content_type,
          bytes: Number(media.bytes),
          width: media.width,
          height: media.height,
          animated: media.animated,
          read: (range) => readMedia(at, { id: media.id, bytes: Number(media.bytes) }, range),
        },
      };
      const account = emu.createAccount('greenlight');
      const adapter = createMastodonAdapter({ timeoutMs: 5000, mediaPollMs: 1 });
      await adapter.publish(publishRequest(['With a picture'], { media: [item] }).req, {
        accessToken: account.accessToken,
        accountId: account.accountId,
        instanceUrl: emu.url,
      });
      expect(emu.media).toHaveLength(1);
      expect(emu.media[0]).toMatchObject({ description: 'A green dot', contentType: 'image/png', sha256: media.sha256 });
      expect(emu.posts[0]!.mediaIds).toEqual([emu.media[0]!.id]);
    } finally {
      await emu.stop();
    }
  });

  it('refuses a file over the quota as it is copied, aborts its multipart upload and leaves nothing behind', async () => {
    const ws = await workspace();
    const before = await filesOnDisk();
    const abortedBefore = aborted.length;
    const big = noiseOf(3 * S3_PART_BYTES, 11);
    const error = await storeMedia(at, { workspaceId: ws.id, filename: 'huge.mov' }, inPieces(big), { quotaBytes: 2 * S3_PART_BYTES }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MediaStoreError);
    expect((error as MediaStoreError).code).toBe('quota');
    expect((error as Error).message).toContain('huge.mov does not fit');
    expect(await testDb.db.selectFrom('media').select('id').where('workspace_id', '=', ws.id).execute()).toEqual([]);
    expect(await workspaceMediaBytes(testDb.db, ws.id)).toBe(0);
    // No object and no uploaded part: the multipart upload was aborted.
    expect(aborted).toHaveLength(abortedBefore + 1);
    expect(await filesOnDisk()).toEqual(before);
  });

  it('counts a file as the PostgreSQL store does: the probe head across uneven pieces, the file limit, an empty file', async () => {
    const ws = await workspace();
    const before = await filesOnDisk();
    const data = noiseOf(PROBE_HEAD_BYTES + 300_000, 17);
    // A few bytes, pieces smaller and larger than the head's first size, then one that crosses the head's end.
    async function* uneven(): AsyncGenerator<Buffer> {
      let from = 0;
      for (const size of [3, 5000, 20_000, 70_000, PROBE_HEAD_BYTES]) {
        yield data.subarray(from, from + size);
        from += size;
      }
      yield data.subarray(from);
    }
    let head: Buffer | undefined;
    const media = await storeMedia(at, { workspaceId: ws.id, filename: 'uneven.bin' }, uneven(), { quotaBytes: GB }, async (h) => {
      head = Buffer.from(h);
      return { contentType: 'application/octet-stream', width: null, height: null, animated: false };
    });
    expect(head?.equals(data.subarray(0, PROBE_HEAD_BYTES))).toBe(true);
    expect(media.sha256).toBe(createHash('sha256').update(data).digest('hex'));
    expect((await collect(readMedia(at, media))).equals(data)).toBe(true);
    await deleteMedia(at, media.id);

    const tooLarge = storeMedia(at, { workspaceId: ws.id, filename: 'big.bin' }, inPieces(data), { quotaBytes: GB, maxFileBytes: 1_000_000 });
    await expect(tooLarge).rejects.toMatchObject({ code: 'too_large', message: 'big.bin is larger than 1 MB, the most Greenlight takes for one file.' });
    const empty = storeMedia(at, { workspaceId: ws.id, filename: 'empty.bin' }, inPieces(Buffer.alloc(0)), { quotaBytes: GB });
    await expect(empty).rejects.toMatchObject({ code: 'empty', message: 'empty.bin is empty.' });
    expect(await testDb.db.selectFrom('media').select('id').where('workspace_id', '=', ws.id).execute()).toEqual([]);
    expect(await filesOnDisk()).toEqual(before);
  });

  it('a source that fails mid-copy leaves no row, no object and no parts', async () => {
    const ws = await workspace();
    const before = await filesOnDisk();
    const part = noiseOf(S3_PART_BYTES + 1000, 13);
    async function* cut(): AsyncGenerator<Buffer> {
      yield* inPieces(part);
      throw new Error('the download was cut off');
    }
    await expect(storeMedia(at, { workspaceId: ws.id, filename: 'cut.png' }, cut(), { quotaBytes: GB })).rejects.toThrow('the download was cut off');
    expect(await testDb.db.selectFrom('media').select('id').where('workspace_id', '=', ws.id).execute()).toEqual([]);
    expect(await filesOnDisk()).toEqual(before);
  });

  it('deleteMedia removes the object; prune removes rows with their objects and sweeps objects whose rows went another way', async () => {
    const ws = await workspace();
    const store = (name: string, postId: string | null) =>
      storeMedia(at, { workspaceId: ws.id, filename: name, postId }, inPieces(Buffer.alloc(1000, 4)), { quotaBytes: GB });
    const deleted = await store('deleted.png', null);
    expect(await deleteMedia(at, deleted.id)).toBe(true);
    expect(await objectExists(deleted.id)).toBe(false);

    const published = await insertBarePost(testDb.db, ws.id, 'published');
    const scheduled = await insertBarePost(testDb.db, ws.id, 'scheduled', new Date(Date.now() + 3600_000));
    await testDb.db
      .updateTable('posts')
      .set({ updated_at: new Date(Date.now() - 31 * 86_400_000) })
      .where('id', '=', published.id)
      .execute();
    const old = await store('old.png', published.id);
    const kept = await store('kept.png', scheduled.id);
    // A row removed by a query that knows nothing of objects (a post's files replaced in an edit).
    const replaced = await store('replaced.png', scheduled.id);
    await testDb.db.deleteFrom('media').where('id', '=', replaced.id).execute();
    expect(await objectExists(replaced.id)).toBe(true);

    const pruned = (await pruneMedia(at, { now: new Date(), retentionDays: 30 })).filter((p) => p.workspace_id === ws.id);
    expect(pruned.map((p) => p.filename)).toEqual(['old.png']);
    expect(await findMedia(testDb.db, old.id)).toBeUndefined();
    expect(await objectExists(old.id)).toBe(false);
    expect(await objectExists(replaced.id)).toBe(false);
    expect(await objectExists(kept.id)).toBe(true);
    expect((await keys()).filter((k) => [old.id, replaced.id, deleted.id].some((id) => k.endsWith(id)))).toEqual([]);
  });
});

function get(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (p: Buffer) => parts.push(p));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(parts) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
