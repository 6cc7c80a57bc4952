import { createServer, request, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signMediaUrl } from '../../src/crypto/media-url.ts';
import { storeMedia, type MediaRow } from '../../src/db/media-store.ts';
import { findOrCreateWorkspace } from '../../src/db/workspaces.ts';
import type { PostState } from '../../src/domain/post-state.ts';
import { listen } from '../../src/http/server.ts';
import { mediaMount, parseRange } from '../../src/http/media-route.ts';
import { createLogger } from '../../src/log.ts';
import { probeImage } from '../../src/media/image-probe.ts';
import { createTestDatabase, insertBarePost, type TestDatabase } from '../helpers/db.ts';
import { inPieces, pngOf } from '../helpers/images.ts';

const SECRET = 's'.repeat(40);
let testDb: TestDatabase;
let server: Server;
let base: string;
let clock = new Date('2026-12-06T08:00:00Z');
let png: Buffer;

beforeAll(async () => {
  testDb = await createTestDatabase();
  png = await pngOf(700, 500, 3);
  server = createServer(mediaMount({ db: testDb.db, secret: SECRET, now: () => clock, log: createLogger({ level: 'silent' }) }).listener);
  const port = await listen(server, 0, '127.0.0.1');
  base = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await testDb.drop();
});

async function mediaOf(state: PostState | null): Promise<MediaRow> {
  const ws = await findOrCreateWorkspace(testDb.db, 'slack', `T${Math.random().toString(36).slice(2)}`);
  const post = state ? await insertBarePost(testDb.db, ws.id, state) : undefined;
  return storeMedia(
    testDb.db,
    { workspaceId: ws.id, filename: 'team-photo.png', postId: post?.id ?? null },
    inPieces(png),
    { quotaBytes: 1e9 },
    (head, bytes, read) => probeImage('team-photo.png', head, bytes, read),
  );
}

/** A raw request (fetch would add and drop headers of its own). */
function get(
  url: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (p: Buffer) => parts.push(p));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(parts) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const signed = (id: string, ttl = 3600) => signMediaUrl(base, id, SECRET, clock, ttl);

describe('GET /media/<id> with a signed URL', () => {
  it('streams the whole file with its type, length and ETag', async () => {
    const media = await mediaOf('scheduled');
    const res = await get(signed(media.id));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.headers['content-length']).toBe(String(png.length));
    expect(res.headers['accept-ranges']).toBe('bytes');
    expect(res.headers.etag).toBe(`"${media.sha256}"`);
    expect(res.body.equals(png)).toBe(true);
  });

  it('answers HEAD with the headers and no body', async () => {
    const media = await mediaOf('approved');
    const res = await get(signed(media.id), {}, 'HEAD');
    expect(res.status).toBe(200);
    expect(res.headers['content-length']).toBe(String(png.length));
    expect(res.body.length).toBe(0);
  });

  it('serves byte ranges as 206 with Content-Range, across chunk boundaries', async () => {
    const media = await mediaOf('publishing');
    const url = signed(media.id);
    const cases: [string, number, number][] = [
      ['bytes=0-99', 0, 99],
      ['bytes=262140-262150', 262140, 262150],
      ['bytes=300000-', 300000, png.length - 1],
      ['bytes=-500', png.length - 500, png.length - 1],
      [`bytes=10-${png.length + 99}`, 10, png.length - 1],
    ];
    for (const [range, start, end] of cases) {
      const res = await get(url, { range });
      expect(res.status, range).toBe(206);
      expect(res.headers['content-range']).toBe(`bytes ${start}-${end}/${png.length}`);
      expect(res.headers['content-length']).toBe(String(end - start + 1));
      expect(res.body.equals(png.subarray(start, end + 1)), range).toBe(true);
    }
    const past = await get(url, { range: `bytes=${png.length}-` });
    expect(past.status).toBe(416);
    expect(past.headers['content-range']).toBe(`bytes */${png.length}`);
    // Several ranges: the whole file, as RFC 9110 allows.
    const multi = await get(url, { range: 'bytes=0-1,5-6' });
    expect(multi.status).toBe(200);
    expect(multi.body.length).toBe(png.length);
  });

  it('refuses a missing, tampered or expired signature with 403', async () => {
    const media = await mediaOf('scheduled');
    const url = new URL(signed(media.id, 60));
    expect((await get(`${base}/media/${media.id}`)).status).toBe(403);
    const tampered = new URL(url);
    tampered.searchParams.set('exp', String(Number(url.searchParams.get('exp')) + 3600));
    const res = await get(tampered.toString());
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body.toString())).toEqual({ error: 'media_bad_signature', message: 'this media link is not signed by Greenlight' });
    const other = await mediaOf('scheduled');
    expect((await get(url.toString().replace(media.id, other.id))).status, 'a signature for another file').toBe(403);
    const saved = clock;
    clock = new Date(clock.getTime() + 61_000);
    try {
      const expired = await get(url.toString());
      expect(expired.status).toBe(403);
      expect(JSON.parse(expired.body.toString()).error).toBe('media_expired');
    } finally {
      clock = saved;
    }
  });

  it('serves nothing for a post that is not approved, scheduled or publishing, nor for a file without a post', async () => {
    for (const state of ['draft', 'in_review', 'published', 'canceled', 'rejected'] as const) {
      const media = await mediaOf(state);
      expect((await get(signed(media.id))).status, state).toBe(404);
    }
    expect((await get(signed((await mediaOf(null)).id))).status).toBe(404);
    expect((await get(signed('00000000-0000-4000-8000-000000000000'))).status).toBe(404);
  });

  it('cuts the response off when a store read fails mid-file, so the client never takes a short file for a whole one', async () => {
    const media = await mediaOf('scheduled');
    // The third chunk goes missing after the headers promised the whole length.
    await testDb.db.deleteFrom('media_chunks').where('media_id', '=', media.id).where('seq', '=', 2).execute();
    await expect(get(signed(media.id))).rejects.toThrow(/aborted|socket hang up|ECONNRESET/);
  });

  it('answers other methods with 405', async () => {
    const media = await mediaOf('scheduled');
    expect((await get(signed(media.id), {}, 'POST')).status).toBe(405);
  });
});

describe('parseRange', () => {
  it('reads one bytes= range and ignores what it may ignore', () => {
    expect(parseRange(undefined, 100)).toBeUndefined();
    expect(parseRange('bytes=0-0', 100)).toEqual({ start: 0, end: 0 });
    expect(parseRange('bytes=-0', 100)).toBe('unsatisfiable');
    expect(parseRange('bytes=-200', 100)).toEqual({ start: 0, end: 99 });
    expect(parseRange('bytes=5-3', 100)).toBeUndefined();
    expect(parseRange('items=0-5', 100)).toBeUndefined();
    expect(parseRange('bytes=100-', 100)).toBe('unsatisfiable');
  });
});
