import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FacebookEmulator, startFacebookEmulator } from '../../emulators/facebook.ts';
import type { Credentials, VideoSource } from '../../src/networks/adapter.ts';
import { createFacebookAdapter } from '../../src/networks/facebook.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { failure, publishRequest } from '../helpers/network-harness.ts';
import { memoryCheckpoint, serveVideo, storedVideo } from '../helpers/video-source.ts';

let testDb: TestDatabase;
let emu: FacebookEmulator;
let video: { source: VideoSource; sha256: string; stop: () => Promise<void> };
beforeAll(async () => {
  testDb = await createTestDatabase();
  const stored = await storedVideo(testDb, { seconds: 2 });
  const served = await serveVideo(stored.source);
  video = { source: { ...stored.source, url: served.url }, sha256: createHash('sha256').update(stored.bytes).digest('hex'), stop: served.stop };
});
afterAll(async () => {
  await video?.stop();
  await testDb.drop();
});
beforeEach(async () => {
  emu = await startFacebookEmulator();
});
afterEach(async () => {
  await emu.stop();
});

function setup() {
  const t = emu.issueToken();
  const creds: Credentials = { accessToken: t.accessToken, accountId: t.pageId };
  return { adapter: createFacebookAdapter({ baseUrl: emu.url, timeoutMs: 5000, videoWait: { firstMs: 5, maxMs: 20, budgetMs: 300 } }), creds };
}

describe('Facebook Page video pulled from the signed link', () => {
  it('creates the video with the text, calls it published only once processed, and waits for the same video after a crash', async () => {
    const { adapter, creds } = setup();
    emu.videoProcessingPolls = Number.POSITIVE_INFINITY;
    const checkpoint = memoryCheckpoint();
    expect(await failure(adapter.publish(publishRequest(['Our launch'], { video: { file: video.source, checkpoint } }).req, creds))).toMatchObject({
      errorClass: 'transient',
      networkCode: 'video_processing_timeout',
    });
    expect(emu.posts).toHaveLength(0);
    emu.videos[0]!.pollsLeft = 1;
    const result = await adapter.publish(publishRequest(['Our launch'], { video: { file: video.source, checkpoint } }).req, creds);
    expect(emu.videos).toEqual([
      expect.objectContaining({ description: 'Our launch', status: 'ready', received: expect.objectContaining({ sha256: video.sha256 }) }),
    ]);
    expect(emu.posts.map((p) => p.id)).toEqual([result.externalId]);
  });

  it("says Facebook's processing error as permanent", async () => {
    const { adapter, creds } = setup();
    emu.videoErrors.push('Your video could not be processed.');
    const error = await failure(adapter.publish(publishRequest(['Broken'], { video: { file: video.source, checkpoint: memoryCheckpoint() } }).req, creds));
    expect(error).toMatchObject({ errorClass: 'permanent', message: 'Facebook could not process the video: Your video could not be processed.' });
  });
});
