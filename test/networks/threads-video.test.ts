import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startThreadsEmulator, type ThreadsEmulator } from '../../emulators/threads.ts';
import type { Credentials, VideoSource } from '../../src/networks/adapter.ts';
import { createThreadsAdapter } from '../../src/networks/threads.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { failure, publishRequest } from '../helpers/network-harness.ts';
import { memoryCheckpoint, serveVideo, storedVideo } from '../helpers/video-source.ts';

let testDb: TestDatabase;
let emu: ThreadsEmulator;
let video: { source: VideoSource; sha256: string; stop: () => Promise<void> };
beforeAll(async () => {
  testDb = await createTestDatabase();
  const stored = await storedVideo(testDb, { width: 320, height: 240, seconds: 2 });
  const served = await serveVideo(stored.source);
  video = { source: { ...stored.source, url: served.url }, sha256: createHash('sha256').update(stored.bytes).digest('hex'), stop: served.stop };
});
afterAll(async () => {
  await video?.stop();
  await testDb.drop();
});
beforeEach(async () => {
  emu = await startThreadsEmulator();
});
afterEach(async () => {
  await emu.stop();
});

function setup() {
  const t = emu.issueToken(undefined, 'greenlight');
  const creds: Credentials = { accessToken: t.accessToken, accountId: t.userId };
  return { adapter: createThreadsAdapter({ baseUrl: emu.url, timeoutMs: 5000, pollMs: 1, videoWait: { firstMs: 5, maxMs: 20, budgetMs: 300 } }), creds };
}

describe('Threads video: a VIDEO container pulled from the signed link', () => {
  it('creates the container with the text, waits until FINISHED, publishes once; a crash in the wait reuses the container', async () => {
    const { adapter, creds } = setup();
    emu.videoProcessingPolls = Number.POSITIVE_INFINITY;
    const checkpoint = memoryCheckpoint();
    const first = publishRequest(['Watch our launch'], { video: { file: video.source, checkpoint } });
    expect(await failure(adapter.publish(first.req, creds))).toMatchObject({ errorClass: 'transient', networkCode: 'video_processing_timeout' });
    emu.containers[0]!.pollsLeft = 0;
    await adapter.publish(publishRequest(['Watch our launch'], { video: { file: video.source, checkpoint } }).req, creds);
    expect(emu.containers).toEqual([
      expect.objectContaining({ mediaType: 'VIDEO', text: 'Watch our launch', status: 'PUBLISHED', video: expect.objectContaining({ sha256: video.sha256 }) }),
    ]);
    expect(emu.posts.map((p) => p.mediaType)).toEqual(['VIDEO']);
  });

  it("says Threads' error_message when processing fails, as permanent", async () => {
    const { adapter, creds } = setup();
    emu.videoErrors.push('Video format is not supported');
    const error = await failure(adapter.publish(publishRequest(['Broken'], { video: { file: video.source, checkpoint: memoryCheckpoint() } }).req, creds));
    expect(error).toMatchObject({ errorClass: 'permanent', message: 'Threads could not process the video: Video format is not supported' });
    expect(emu.posts).toHaveLength(0);
  });

  it('a container already published is an unknown outcome, not a second post; a checkpoint older than 23 hours makes a new container', async () => {
    const { adapter, creds } = setup();
    const checkpoint = memoryCheckpoint();
    await adapter.publish(publishRequest(['Once only'], { video: { file: video.source, checkpoint } }).req, creds);
    expect(emu.posts).toHaveLength(1);
    // The checkpoint still names the container, which Threads has published.
    const again = await failure(adapter.publish(publishRequest(['Once only'], { video: { file: video.source, checkpoint } }).req, creds));
    expect(again).toMatchObject({ errorClass: 'unknown_outcome', networkCode: 'PUBLISHED', message: 'Threads already published this video container' });
    expect(emu.posts).toHaveLength(1);

    checkpoint.state = { ...checkpoint.state, createdAt: Date.now() - 24 * 3_600_000 };
    await adapter.publish(publishRequest(['A day later'], { video: { file: video.source, checkpoint } }).req, creds);
    expect(emu.containers.map((c) => c.text)).toEqual(['Once only', 'A day later']);
    expect(checkpoint.state).toMatchObject({ containerId: emu.containers[1]!.id });
  });

  it('refuses a delivery without a signed link before it makes a container', async () => {
    const { adapter, creds } = setup();
    const { req } = publishRequest(['No link'], { video: { file: { ...video.source, url: undefined }, checkpoint: memoryCheckpoint() } });
    expect(await failure(adapter.publish(req, creds))).toMatchObject({
      errorClass: 'permanent',
      message: 'Threads fetches a video from a signed link, and this delivery has none',
    });
    expect(emu.containers).toHaveLength(0);
  });
});
