import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type InstagramEmulator, startInstagramEmulator } from '../../emulators/instagram.ts';
import type { Credentials, VideoSource } from '../../src/networks/adapter.ts';
import { createInstagramAdapter } from '../../src/networks/instagram.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { failure, publishRequest } from '../helpers/network-harness.ts';
import { memoryCheckpoint, serveVideo, storedVideo } from '../helpers/video-source.ts';

let testDb: TestDatabase;
let emu: InstagramEmulator;
let video: { source: VideoSource; sha256: string; stop: () => Promise<void>; fetches: () => number };
beforeAll(async () => {
  testDb = await createTestDatabase();
  const stored = await storedVideo(testDb, { width: 180, height: 320, seconds: 3 });
  const served = await serveVideo(stored.source);
  video = {
    source: { ...stored.source, url: served.url },
    sha256: createHash('sha256').update(stored.bytes).digest('hex'),
    stop: served.stop,
    fetches: served.fetches,
  };
});
afterAll(async () => {
  await video?.stop();
  await testDb.drop();
});
beforeEach(async () => {
  emu = await startInstagramEmulator();
});
afterEach(async () => {
  await emu.stop();
});

const wait = { firstMs: 5, maxMs: 20, budgetMs: 300 };
function setup() {
  const t = emu.issueToken();
  const creds: Credentials = { accessToken: t.accessToken, accountId: t.userId };
  return { adapter: createInstagramAdapter({ baseUrl: emu.url, timeoutMs: 5000, pollMs: 1, videoWait: wait }), creds };
}
const containerCreates = () => emu.requests.filter((r) => r.method === 'POST' && /\/media$/.test(r.path)).length;

describe('Instagram video: a REELS container pulled from the signed link', () => {
  it('creates a Reel with caption, polls status_code until FINISHED, publishes it once', async () => {
    const { adapter, creds } = setup();
    const checkpoint = memoryCheckpoint();
    const { req } = publishRequest(['Behind the scenes'], { video: { file: video.source, checkpoint } });
    const result = await adapter.publish(req, creds);
    expect(emu.containers).toEqual([
      expect.objectContaining({
        mediaType: 'REELS',
        caption: 'Behind the scenes',
        statusCode: 'PUBLISHED',
        video: expect.objectContaining({ sha256: video.sha256, shareToFeed: true }),
      }),
    ]);
    expect(emu.media).toEqual([expect.objectContaining({ mediaType: 'VIDEO', caption: 'Behind the scenes' })]);
    expect(result.externalId).toBe(emu.media[0]!.id);
    expect(checkpoint.state).toMatchObject({ containerId: emu.containers[0]!.id });
  });

  it('publishes a Story when the post asks for one', async () => {
    const { adapter, creds } = setup();
    const { req } = publishRequest(['Story time'], { video: { file: video.source, checkpoint: memoryCheckpoint(), instagram: 'stories' } });
    await adapter.publish(req, creds);
    expect(emu.containers[0]).toMatchObject({ mediaType: 'STORIES' });
    expect(emu.media).toHaveLength(1);
  });

  it('reuses the container after a crash: a wait that ran out is transient, the next attempt publishes the same container', async () => {
    const { adapter, creds } = setup();
    emu.videoProcessingPolls = Number.POSITIVE_INFINITY;
    const checkpoint = memoryCheckpoint();
    const first = publishRequest(['Slow reel'], { video: { file: video.source, checkpoint } });
    expect(await failure(adapter.publish(first.req, creds))).toMatchObject({ errorClass: 'transient', networkCode: 'video_processing_timeout' });
    expect(emu.media).toHaveLength(0);
    emu.containers[0]!.pollsLeft = 0;
    const second = publishRequest(['Slow reel'], { video: { file: video.source, checkpoint } });
    await adapter.publish(second.req, creds);
    expect(containerCreates()).toBe(1);
    expect(emu.media).toHaveLength(1);
  });

  it("says Instagram's processing error as permanent; an expired container is replaced", async () => {
    const { adapter, creds } = setup();
    emu.containerErrors.push('Error: 2207026 The video format is not supported. Please check spec for supported formats.');
    const { req } = publishRequest(['Broken reel'], { video: { file: video.source, checkpoint: memoryCheckpoint() } });
    const error = await failure(adapter.publish(req, creds));
    expect(error).toMatchObject({ errorClass: 'permanent' });
    expect(error.message).toBe(
      'Instagram could not process the video: Error: 2207026 The video format is not supported. Please check spec for supported formats.',
    );

    const checkpoint = memoryCheckpoint();
    emu.videoProcessingPolls = Number.POSITIVE_INFINITY;
    const first = publishRequest(['Expiring reel'], { video: { file: video.source, checkpoint } });
    await failure(adapter.publish(first.req, creds));
    emu.expireContainer(String(checkpoint.state?.containerId));
    expect((await failure(adapter.publish(publishRequest(['Expiring reel'], { video: { file: video.source, checkpoint } }).req, creds))).networkCode).toBe(
      'EXPIRED',
    );
    emu.videoProcessingPolls = 1;
    await adapter.publish(publishRequest(['Expiring reel'], { video: { file: video.source, checkpoint } }).req, creds);
    expect(emu.media.map((m) => m.caption)).toEqual(['Expiring reel']);
  });

  it('refuses a link Instagram cannot fetch, naming the failure', async () => {
    const { adapter, creds } = setup();
    const { req } = publishRequest(['Gone'], { video: { file: { ...video.source, url: `${emu.url}/nothing-here.mp4` }, checkpoint: memoryCheckpoint() } });
    const error = await failure(adapter.publish(req, creds));
    expect(error.errorClass).toBe('permanent');
    expect(emu.media).toHaveLength(0);
  });
});
