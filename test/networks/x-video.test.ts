import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startXEmulator, type XEmulator } from '../../emulators/x.ts';
import type { Credentials } from '../../src/networks/adapter.ts';
import { createXAdapter } from '../../src/networks/x.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { failure, publishRequest } from '../helpers/network-harness.ts';
import { memoryCheckpoint, storedVideo } from '../helpers/video-source.ts';

let testDb: TestDatabase;
let emu: XEmulator;
beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(async () => {
  await testDb.drop();
});
beforeEach(async () => {
  emu = await startXEmulator();
});
afterEach(async () => {
  await emu.stop();
});

const SEGMENT = 16 * 1024;
const wait = { firstMs: 5, maxMs: 20, budgetMs: 300 };

function setup() {
  const t = emu.issueToken();
  const creds: Credentials = { accessToken: t.accessToken, refreshToken: t.refreshToken, accountId: t.userId };
  const adapter = createXAdapter({ baseUrl: emu.url, timeoutMs: 5000, videoWait: wait, videoSegmentBytes: SEGMENT });
  return { adapter, creds };
}

const appendsOf = (emu: XEmulator) => emu.requests.filter((r) => /\/append$/.test(r.path)).length;

describe('X video: chunked upload from the store', () => {
  it('initializes, appends every segment in order, finalizes, polls STATUS until succeeded, then posts tweet_video with alt text', async () => {
    const { adapter, creds } = setup();
    const { source, bytes } = await storedVideo(testDb, { alt: 'Launch clip' });
    const checkpoint = memoryCheckpoint();
    const { req } = publishRequest(['Our launch'], { video: { file: source, checkpoint } });
    const result = await adapter.publish(req, creds);

    const [upload] = [...emu.video.uploads.values()];
    expect(upload).toMatchObject({ mediaType: 'video/mp4', category: 'tweet_video', totalBytes: bytes.length, state: 'succeeded' });
    expect(Buffer.concat([...upload!.segments.entries()].sort(([a], [b]) => a - b).map(([, b]) => b))).toEqual(bytes);
    expect(upload!.segments.size).toBe(Math.ceil(bytes.length / SEGMENT));
    expect(emu.posts).toEqual([expect.objectContaining({ text: 'Our launch', mediaIds: [upload!.id] })]);
    expect(result.externalId).toBe(emu.posts[0]!.id);
    expect(emu.media.find((m) => m.id === upload!.id)?.altText).toBe('Launch clip');
    expect(checkpoint.state).toMatchObject({ mediaId: upload!.id, finalized: true, next: upload!.segments.size });
  });

  it('sends a segment answered 5xx again in place and goes on', async () => {
    const { adapter, creds } = setup();
    const { source, bytes } = await storedVideo(testDb);
    emu.failNext({ kind: '5xx', match: 'POST /2/media/upload/', after: 2 });
    const { req } = publishRequest(['retry a segment'], { video: { file: source, checkpoint: memoryCheckpoint() } });
    await adapter.publish(req, creds);
    const [upload] = [...emu.video.uploads.values()];
    expect([...upload!.appends.values()].filter((n) => n === 1).length).toBe(upload!.segments.size);
    expect(appendsOf(emu)).toBe(Math.ceil(bytes.length / SEGMENT) + 1);
    expect(emu.posts).toHaveLength(1);
  });

  it('takes a turn of the process video pace for every byte of every segment, before its APPEND', async () => {
    const { adapter, creds } = setup();
    const { source, bytes } = await storedVideo(testDb);
    const taken: number[] = [];
    let appendsAtTurns: number[] = [];
    const pace = {
      take: async (n: number) => {
        taken.push(n);
        appendsAtTurns.push(appendsOf(emu));
      },
    };
    const { req } = publishRequest(['Paced'], { video: { file: { ...source, pace }, checkpoint: memoryCheckpoint() } });
    await adapter.publish(req, creds);
    expect(taken.reduce((a, b) => a + b, 0)).toBe(bytes.length);
    // The first segment's turns all come before any APPEND is sent.
    const firstSegmentTurns = Math.min(taken.length, Math.ceil(SEGMENT / Math.max(...taken)));
    appendsAtTurns = appendsAtTurns.slice(0, firstSegmentTurns);
    expect(appendsAtTurns.every((n) => n === 0)).toBe(true);
    const [upload] = [...emu.video.uploads.values()];
    expect(Buffer.concat([...upload!.segments.entries()].sort(([a], [b]) => a - b).map(([, b]) => b))).toEqual(bytes);
  });

  it('resumes after a crash mid-upload with the same media id, sending only the missing segments', async () => {
    const { adapter, creds } = setup();
    const { source, bytes } = await storedVideo(testDb);
    const total = Math.ceil(bytes.length / SEGMENT);
    expect(total).toBeGreaterThan(3);
    const checkpoint = memoryCheckpoint();
    // After initialize and two segments, the third APPEND fails three times in a row: the attempt gives up.
    emu.failNext({ kind: '5xx', match: 'POST /2/media/upload/', after: 3, times: 3 });
    const first = publishRequest(['resumed'], { video: { file: source, checkpoint } });
    expect((await failure(adapter.publish(first.req, creds))).errorClass).toBe('transient');
    expect(checkpoint.state).toMatchObject({ next: 2, finalized: false });

    const second = publishRequest(['resumed'], { video: { file: source, checkpoint } });
    await adapter.publish(second.req, creds);
    expect(emu.video.uploads.size).toBe(1);
    const [upload] = [...emu.video.uploads.values()];
    expect(upload!.appends.get(0)).toBe(1);
    expect(upload!.appends.get(1)).toBe(1);
    expect(upload!.segments.size).toBe(total);
    expect(emu.posts).toHaveLength(1);
  });

  it('says X’s reason when processing fails, as a permanent failure, and posts nothing', async () => {
    const { adapter, creds } = setup();
    const { source } = await storedVideo(testDb);
    emu.video.script.processingPolls = 2;
    emu.video.script.outcome = 'failed';
    const { req } = publishRequest(['never'], { video: { file: source, checkpoint: memoryCheckpoint() } });
    const error = await failure(adapter.publish(req, creds));
    expect(error).toMatchObject({ errorClass: 'permanent', networkCode: 'InvalidMedia' });
    expect(error.message).toBe('X could not process the video: Invalid or Unsupported media, Reason: UnsupportedMedia.');
    expect(emu.posts).toHaveLength(0);
  });

  it('ends a wait that runs out as transient, and the next attempt only polls again', async () => {
    const { adapter, creds } = setup();
    const { source } = await storedVideo(testDb);
    emu.video.script.outcome = 'never';
    const checkpoint = memoryCheckpoint();
    const first = publishRequest(['slow'], { video: { file: source, checkpoint } });
    const error = await failure(adapter.publish(first.req, creds));
    expect(error).toMatchObject({ errorClass: 'transient', networkCode: 'video_processing_timeout' });
    expect(emu.posts).toHaveLength(0);
    const appends = appendsOf(emu);

    emu.video.script.outcome = 'succeeded';
    const second = publishRequest(['slow'], { video: { file: source, checkpoint } });
    await adapter.publish(second.req, creds);
    expect(appendsOf(emu)).toBe(appends);
    expect(emu.requests.filter((r) => r.path.endsWith('/initialize'))).toHaveLength(1);
    expect(emu.posts).toHaveLength(1);
  });

  it('starts over once when X has expired the upload session', async () => {
    const { adapter, creds } = setup();
    const { source } = await storedVideo(testDb);
    const checkpoint = memoryCheckpoint();
    emu.failNext({ kind: '5xx', match: 'POST /2/media/upload/', after: 1, times: 3 });
    const first = publishRequest(['expired'], { video: { file: source, checkpoint } });
    await failure(adapter.publish(first.req, creds));
    const oldId = String(checkpoint.state?.mediaId);
    emu.video.expire(oldId);

    const second = publishRequest(['expired'], { video: { file: source, checkpoint } });
    await adapter.publish(second.req, creds);
    expect(emu.video.uploads.size).toBe(2);
    expect(emu.posts[0]!.mediaIds).not.toContain(oldId);
    expect(checkpoint.state?.mediaId).not.toBe(oldId);
  });
});
