import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type LinkedInEmulator, startLinkedInEmulator } from '../../emulators/linkedin.ts';
import type { Credentials } from '../../src/networks/adapter.ts';
import { createLinkedInAdapter } from '../../src/networks/linkedin.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { failure, publishRequest } from '../helpers/network-harness.ts';
import { memoryCheckpoint, storedVideo } from '../helpers/video-source.ts';

let testDb: TestDatabase;
let emu: LinkedInEmulator;
beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(async () => {
  await testDb.drop();
});
beforeEach(async () => {
  emu = await startLinkedInEmulator();
  emu.video.script.partBytes = 16 * 1024;
});
afterEach(async () => {
  await emu.stop();
});

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
function setup() {
  const t = emu.issueToken();
  const creds: Credentials = { accessToken: t.accessToken, refreshToken: t.refreshToken, accountId: t.author };
  return { adapter: createLinkedInAdapter({ baseUrl: emu.url, timeoutMs: 5000, videoWait: { firstMs: 5, maxMs: 20, budgetMs: 300 } }), creds };
}
const puts = () => emu.requests.filter((r) => r.method === 'PUT').length;

describe('LinkedIn video: the Videos API from the store', () => {
  it('initializes, PUTs every part, finalizes with the ETags in order, waits for AVAILABLE, posts content.media', async () => {
    const { adapter, creds } = setup();
    const { source, bytes } = await storedVideo(testDb, { seconds: 3 });
    const { req } = publishRequest(['Our launch, in motion'], { video: { file: source, checkpoint: memoryCheckpoint() } });
    await adapter.publish(req, creds);
    const [video] = emu.video.videos;
    expect(video).toMatchObject({ status: 'AVAILABLE', fileSizeBytes: bytes.length, sha256: sha(bytes) });
    expect(video!.parts.length).toBe(Math.ceil(bytes.length / (16 * 1024)));
    expect(emu.posts).toEqual([expect.objectContaining({ imageUrns: [video!.urn] })]);
  });

  it('resumes after a crash at the next part with the same upload, and sends each part once', async () => {
    const { adapter, creds } = setup();
    const { source, bytes } = await storedVideo(testDb, { seconds: 3 });
    const checkpoint = memoryCheckpoint();
    emu.failNext({ kind: '5xx', match: 'PUT /dms-uploads/videos/', after: 2, times: 3 });
    const first = publishRequest(['Resumed'], { video: { file: source, checkpoint } });
    expect((await failure(adapter.publish(first.req, creds))).errorClass).toBe('transient');
    expect(checkpoint.state?.etags).toHaveLength(2);
    await adapter.publish(publishRequest(['Resumed'], { video: { file: source, checkpoint } }).req, creds);
    expect(emu.video.videos).toHaveLength(1);
    expect(emu.video.videos[0]!.parts.every((p) => p.puts === 1)).toBe(true);
    // Every part once, plus the three answered 5xx.
    expect(puts()).toBe(Math.ceil(bytes.length / (16 * 1024)) + 3);
    expect(emu.posts).toHaveLength(1);
  });

  it("says LinkedIn's processing failure as permanent; an expired upload starts over once", async () => {
    const { adapter, creds } = setup();
    const { source } = await storedVideo(testDb, { seconds: 3 });
    emu.video.script.outcome = 'PROCESSING_FAILED';
    const error = await failure(adapter.publish(publishRequest(['Broken'], { video: { file: source, checkpoint: memoryCheckpoint() } }).req, creds));
    expect(error).toMatchObject({
      errorClass: 'permanent',
      message: 'LinkedIn could not process the video: The video could not be processed: unsupported codec.',
    });
    expect(emu.posts).toHaveLength(0);

    emu.video.script.outcome = 'AVAILABLE';
    const checkpoint = memoryCheckpoint();
    emu.failNext({ kind: '5xx', match: 'PUT /dms-uploads/videos/', after: 1, times: 3 });
    await failure(adapter.publish(publishRequest(['Expired'], { video: { file: source, checkpoint } }).req, creds));
    emu.video.expire(String(checkpoint.state?.video));
    await adapter.publish(publishRequest(['Expired'], { video: { file: source, checkpoint } }).req, creds);
    expect(emu.posts).toHaveLength(1);
    expect(emu.video.videos).toHaveLength(3);
    expect(emu.posts[0]!.imageUrns).toEqual([emu.video.videos[2]!.urn]);
  });
});
