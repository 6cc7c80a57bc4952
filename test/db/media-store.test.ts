import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MEDIA_CHUNK_BYTES,
  MediaStoreError,
  PROBE_HEAD_BYTES,
  beginMedia,
  deleteMedia,
  fillMedia,
  findMedia,
  listMedia,
  pruneMedia,
  readMedia,
  storeMedia,
  workspaceMediaBytes,
} from '../../src/db/media-store.ts';
import { findOrCreateWorkspace } from '../../src/db/workspaces.ts';
import type { PostState } from '../../src/domain/post-state.ts';
import { ImageProbeError, probeImage } from '../../src/media/image-probe.ts';
import { createTestDatabase, insertBarePost, type TestDatabase } from '../helpers/db.ts';
import { animatedGif, inPieces, pngOf } from '../helpers/images.ts';

let testDb: TestDatabase;
beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(async () => {
  await testDb.drop();
});

const GB = 1024 ** 3;

async function workspace() {
  return findOrCreateWorkspace(testDb.db, 'slack', `T${Math.random().toString(36).slice(2)}`);
}

async function post(workspaceId: string, state: PostState) {
  return insertBarePost(testDb.db, workspaceId, state, new Date(Date.now() + 3600_000));
}

async function collect(source: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of source) parts.push(part);
  return Buffer.concat(parts);
}

const inspect = (filename: string) => (head: Buffer, bytes: number, read: () => AsyncIterable<Buffer>) => probeImage(filename, head, bytes, read);

async function chunkCount(mediaId: string): Promise<number> {
  const row = await testDb.db
    .selectFrom('media_chunks')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('media_id', '=', mediaId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

describe('the media store', () => {
  it('stores a file in 256 KiB chunks, probes it, and reads it back byte for byte', async () => {
    const ws = await workspace();
    const png = await pngOf(900, 700);
    expect(png.length).toBeGreaterThan(3 * MEDIA_CHUNK_BYTES);
    const media = await storeMedia(
      testDb.db,
      { workspaceId: ws.id, filename: 'team-photo.png', alt: 'The team' },
      inPieces(png, 10_000),
      { quotaBytes: GB },
      inspect('team-photo.png'),
    );
    expect(media).toMatchObject({ state: 'ready', content_type: 'image/png', width: 900, height: 700, animated: false, bytes: png.length, alt: 'The team' });
    expect(media.sha256).toBe(createHash('sha256').update(png).digest('hex'));
    expect(await chunkCount(media.id)).toBe(Math.ceil(png.length / MEDIA_CHUNK_BYTES));
    expect((await collect(readMedia(testDb.db, media))).equals(png)).toBe(true);
  });

  it('stores the same bytes and hands the probe the same head whatever the sizes of the pieces', async () => {
    const ws = await workspace();
    const data = Buffer.from(Array.from({ length: 3 * MEDIA_CHUNK_BYTES + 12_345 }, (_, i) => (i * 31 + (i >> 8)) & 0xff));
    // A few bytes, pieces smaller and larger than the buffers' first size, then a piece larger than a chunk.
    async function* uneven(): AsyncGenerator<Buffer> {
      const sizes = [3, 5000, 20_000, 70_000, 2 * MEDIA_CHUNK_BYTES];
      let at = 0;
      for (const size of sizes) {
        yield data.subarray(at, at + size);
        at += size;
      }
      yield data.subarray(at);
    }
    let head: Buffer | undefined;
    const media = await storeMedia(testDb.db, { workspaceId: ws.id, filename: 'uneven.bin' }, uneven(), { quotaBytes: GB }, async (h) => {
      head = Buffer.from(h);
      return { contentType: 'application/octet-stream', width: null, height: null, animated: false };
    });
    expect(head?.equals(data.subarray(0, PROBE_HEAD_BYTES))).toBe(true);
    expect(await chunkCount(media.id)).toBe(4);
    expect((await collect(readMedia(testDb.db, media))).equals(data)).toBe(true);
    const tiny = await storeMedia(testDb.db, { workspaceId: ws.id, filename: 'tiny.bin' }, inPieces(data.subarray(0, 700), 100), { quotaBytes: GB });
    expect((await collect(readMedia(testDb.db, tiny))).equals(data.subarray(0, 700))).toBe(true);
  });

  it('reads any byte range, across chunk boundaries, exactly', async () => {
    const ws = await workspace();
    const png = await pngOf(600, 600, 7);
    const media = await storeMedia(testDb.db, { workspaceId: ws.id, filename: 'a.png' }, inPieces(png), { quotaBytes: GB });
    const C = MEDIA_CHUNK_BYTES;
    for (const [start, end] of [
      [0, 0],
      [C - 1, C],
      [C - 10, 2 * C + 10],
      [5, png.length - 1],
      [png.length - 1, png.length - 1],
      [C, 2 * C - 1],
    ] as const) {
      const got = await collect(readMedia(testDb.db, media, { start, end }));
      expect(got.equals(png.subarray(start, end + 1)), `${start}-${end}`).toBe(true);
    }
    await expect(collect(readMedia(testDb.db, media, { start: 0, end: png.length }))).rejects.toThrow(RangeError);
  });

  it('reads the same bytes whatever the slice per query, and says which chunk is missing', async () => {
    const ws = await workspace();
    const png = await pngOf(600, 600, 11);
    const media = await storeMedia(testDb.db, { workspaceId: ws.id, filename: 'b.png' }, inPieces(png), { quotaBytes: GB });
    for (const slice of [1000, 64 * 1024, MEDIA_CHUNK_BYTES]) {
      const range = { start: 17, end: png.length - 3 };
      expect((await collect(readMedia(testDb.db, media, range, slice))).equals(png.subarray(17, png.length - 2)), `${slice}`).toBe(true);
    }
    await sql`DELETE FROM media_chunks WHERE media_id = ${media.id} AND seq = 1`.execute(testDb.db);
    await expect(collect(readMedia(testDb.db, media))).rejects.toThrow(`media ${media.id} is missing bytes in chunk 1`);
  });

  it('gives every connection back when a reader stops early, with its next slice already being read', async () => {
    const ws = await workspace();
    const png = await pngOf(600, 600, 13);
    const media = await storeMedia(testDb.db, { workspaceId: ws.id, filename: 'c.png' }, inPieces(png), { quotaBytes: GB });
    // Far more early stops than the pool has connections: a connection kept by any of them would stall the reads.
    for (let i = 0; i < 30; i++) {
      for await (const piece of readMedia(testDb.db, media)) {
        expect(piece.length).toBeGreaterThan(0);
        break;
      }
    }
    expect((await collect(readMedia(testDb.db, media))).equals(png)).toBe(true);
  });

  it('tells an animated GIF from a still one, also when its first frame is larger than the probe head', async () => {
    const ws = await workspace();
    const small = await animatedGif(200, 150, 3);
    const a = await storeMedia(testDb.db, { workspaceId: ws.id, filename: 'party.gif' }, inPieces(small), { quotaBytes: GB }, inspect('party.gif'));
    expect(a).toMatchObject({ content_type: 'image/gif', animated: true, width: 200, height: 150 });
    // Noise frames of 1300 x 1000 make the first frame alone larger than the 1 MiB head.
    const big = await animatedGif(1300, 1000, 2);
    expect(big.length / 2).toBeGreaterThan(1024 * 1024);
    const b = await storeMedia(testDb.db, { workspaceId: ws.id, filename: 'big.gif' }, inPieces(big), { quotaBytes: GB }, inspect('big.gif'));
    expect(b).toMatchObject({ animated: true, width: 1300, height: 1000 });
  });

  it('refuses a file that is not an image and leaves nothing behind', async () => {
    const ws = await workspace();
    const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(600_000, 0x41)]);
    const error = await storeMedia(
      testDb.db,
      { workspaceId: ws.id, filename: 'brochure.pdf' },
      inPieces(pdf),
      { quotaBytes: GB },
      inspect('brochure.pdf'),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImageProbeError);
    expect((error as Error).message).toBe('brochure.pdf is not an image Greenlight can read (JPEG, PNG, GIF or WebP).');
    expect(await listMedia(testDb.db, { workspaceId: ws.id })).toEqual([]);
    expect(await workspaceMediaBytes(testDb.db, ws.id)).toBe(0);
  });

  it('deletes a half-copied file when its source fails mid-stream', async () => {
    const ws = await workspace();
    async function* broken() {
      yield Buffer.alloc(MEDIA_CHUNK_BYTES * 2 + 5, 1);
      throw new Error('the download was cut off');
    }
    await expect(storeMedia(testDb.db, { workspaceId: ws.id, filename: 'cut.png' }, broken(), { quotaBytes: GB })).rejects.toThrow('the download was cut off');
    expect(await listMedia(testDb.db, { workspaceId: ws.id })).toEqual([]);
    const orphans = await testDb.db
      .selectFrom('media_chunks')
      .leftJoin('media', 'media.id', 'media_chunks.media_id')
      .select('media_chunks.media_id')
      .where('media.id', 'is', null)
      .execute();
    expect(orphans).toEqual([]);
  });

  it('stops a file over the per-file limit as soon as it passes it', async () => {
    const ws = await workspace();
    let pulled = 0;
    async function* endless() {
      for (;;) {
        pulled += 100_000;
        yield Buffer.alloc(100_000, 2);
      }
    }
    const error = await storeMedia(testDb.db, { workspaceId: ws.id, filename: 'huge.png' }, endless(), { quotaBytes: GB, maxFileBytes: 1_000_000 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MediaStoreError);
    expect(error).toMatchObject({ code: 'too_large', message: 'huge.png is larger than 1 MB, the most Greenlight takes for one file.' });
    expect(pulled).toBe(1_100_000);
    expect(await workspaceMediaBytes(testDb.db, ws.id)).toBe(0);
  });

  it('enforces the workspace quota, also for two files copied at once, and keeps other workspaces apart', async () => {
    const ws = await workspace();
    const other = await workspace();
    const quota = 3 * MEDIA_CHUNK_BYTES;
    const file = Buffer.alloc(2 * MEDIA_CHUNK_BYTES, 3);
    const results = await Promise.allSettled([
      storeMedia(testDb.db, { workspaceId: ws.id, filename: 'one.png' }, inPieces(file), { quotaBytes: quota }),
      storeMedia(testDb.db, { workspaceId: ws.id, filename: 'two.png' }, inPieces(file), { quotaBytes: quota }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const refused = results.find((r) => r.status === 'rejected')!;
    expect(refused.reason).toBeInstanceOf(MediaStoreError);
    expect((refused.reason as MediaStoreError).code).toBe('quota');
    expect((refused.reason as Error).message).toMatch(/^(one|two)\.png does not fit: this workspace's media storage \(0\.8 MB\) is full\./);
    expect(await workspaceMediaBytes(testDb.db, ws.id)).toBe(file.length);
    // The other workspace has its own quota.
    await storeMedia(testDb.db, { workspaceId: other.id, filename: 'three.png' }, inPieces(file), { quotaBytes: quota });
  });

  it('fills the quota exactly and no further when many one-chunk files are copied at once', async () => {
    const ws = await workspace();
    const file = Buffer.alloc(1000, 5);
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) =>
        storeMedia(testDb.db, { workspaceId: ws.id, filename: `f${i}.png` }, inPieces(file), { quotaBytes: 3 * file.length }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    expect(results.filter((r) => r.status === 'rejected').every((r) => (r.reason as MediaStoreError).code === 'quota')).toBe(true);
    expect(await workspaceMediaBytes(testDb.db, ws.id)).toBe(3 * file.length);
  });

  it('keeps no chunk of a copy whose file stopped being prepared meanwhile', async () => {
    const ws = await workspace();
    const id = await beginMedia(testDb.db, { workspaceId: ws.id, filename: 'moved.png' });
    async function* changedHalfway(): AsyncGenerator<Buffer> {
      yield Buffer.alloc(MEDIA_CHUNK_BYTES, 1);
      // Another copy of the same file finished first (a retry after a job expired).
      await sql`UPDATE media SET state = 'ready', sha256 = 'other', ready_at = now() WHERE id = ${id}`.execute(testDb.db);
      yield Buffer.alloc(10, 2);
    }
    await expect(fillMedia(testDb.db, id, { workspaceId: ws.id, filename: 'moved.png' }, changedHalfway(), { quotaBytes: GB })).rejects.toThrow(
      /was removed while it was being stored/,
    );
    // The first chunk stays with its row; the second went back with its transaction.
    expect(await chunkCount(id)).toBe(1);
    expect(Number((await findMedia(testDb.db, id))!.bytes)).toBe(MEDIA_CHUNK_BYTES);
  });

  it('prunes files of finished posts after the retention period, stale copies and abandoned files, and keeps the rest', async () => {
    const ws = await workspace();
    const now = new Date();
    const day = 86_400_000;
    const store = async (name: string, postId: string | null) =>
      storeMedia(testDb.db, { workspaceId: ws.id, filename: name, postId }, inPieces(Buffer.alloc(1000, 4)), { quotaBytes: GB });
    const published = await post(ws.id, 'published');
    const canceled = await post(ws.id, 'canceled');
    const recent = await post(ws.id, 'published');
    const scheduled = await post(ws.id, 'scheduled');
    const old = new Date(now.getTime() - 31 * day);
    await testDb.db.updateTable('posts').set({ updated_at: old }).where('id', 'in', [published.id, canceled.id, scheduled.id]).execute();
    const a = await store('published.png', published.id);
    const b = await store('canceled.png', canceled.id);
    const keepRecent = await store('recent.png', recent.id);
    const keepScheduled = await store('scheduled.png', scheduled.id);
    const abandoned = await store('abandoned.png', null);
    const fresh = await store('fresh.png', null);
    await sql`UPDATE media SET created_at = ${new Date(now.getTime() - 2 * day)} WHERE id = ${abandoned.id}`.execute(testDb.db);
    const stale = await testDb.db
      .insertInto('media')
      .values({ workspace_id: ws.id, filename: 'crashed.png', created_at: new Date(now.getTime() - 2 * 3600_000) })
      .returning('id')
      .executeTakeFirstOrThrow();
    await testDb.db
      .insertInto('media_chunks')
      .values({ media_id: stale.id, seq: 0, data: Buffer.alloc(10) })
      .execute();

    const dry = await pruneMedia(testDb.db, { now, retentionDays: 30, dryRun: true });
    const mine = <T extends { workspace_id: string }>(list: T[]): T[] => list.filter((p) => p.workspace_id === ws.id);
    expect(mine(dry)).toHaveLength(4);
    expect(await findMedia(testDb.db, a.id)).toBeDefined();

    const pruned = mine(await pruneMedia(testDb.db, { now, retentionDays: 30 }));
    expect(Object.fromEntries(pruned.map((p) => [p.filename, p.reason]))).toEqual({
      'published.png': 'post_finished',
      'canceled.png': 'post_finished',
      'abandoned.png': 'unattached',
      'crashed.png': 'stale_copy',
    });
    for (const gone of [a, b, abandoned, stale]) expect(await findMedia(testDb.db, gone.id)).toBeUndefined();
    for (const kept of [keepRecent, keepScheduled, fresh]) expect(await findMedia(testDb.db, kept.id)).toBeDefined();
    expect(await testDb.db.selectFrom('media_chunks').select('media_id').where('media_id', '=', stale.id).execute()).toEqual([]);
    expect(await deleteMedia(testDb.db, a.id)).toBe(false);
  });
});
