import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type MastodonEmulator, startMastodonEmulator } from '../../emulators/mastodon.ts';
import type { Credentials } from '../../src/networks/adapter.ts';
import { createMastodonAdapter } from '../../src/networks/mastodon.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { failure, publishRequest } from '../helpers/network-harness.ts';
import { memoryCheckpoint, storedVideo } from '../helpers/video-source.ts';

let testDb: TestDatabase;
let emu: MastodonEmulator;
beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(async () => {
  await testDb.drop();
});
beforeEach(async () => {
  emu = await startMastodonEmulator();
});
afterEach(async () => {
  await emu.stop();
});

const wait = { firstMs: 5, maxMs: 20, budgetMs: 300 };
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function setup() {
  const account = emu.createAccount('greenlight');
  const creds: Credentials = { accessToken: account.accessToken, accountId: account.accountId, instanceUrl: emu.url };
  const adapter = createMastodonAdapter({ timeoutMs: 5000, mediaPollMs: 1, videoWait: wait });
  return { adapter, creds };
}
const uploads = () => emu.requests.filter((r) => r.method === 'POST' && r.path === '/api/v2/media');

describe('Mastodon video: /api/v2/media 202, then polls until processed', () => {
  it('streams the video from the store with its alt text, waits through 206, then posts it', async () => {
    const { adapter, creds } = setup();
    const { source, bytes } = await storedVideo(testDb, { alt: 'A test pattern with a tone' });
    const checkpoint = memoryCheckpoint();
    const { req } = publishRequest(['Watch this'], { video: { file: source, checkpoint } });
    const result = await adapter.publish(req, creds);
    expect(emu.media).toEqual([expect.objectContaining({ kind: 'video', sha256: sha(bytes), size: bytes.length, description: 'A test pattern with a tone' })]);
    expect(emu.posts).toEqual([expect.objectContaining({ text: 'Watch this', mediaIds: [emu.media[0]!.id] })]);
    expect(result.externalId).toBe(emu.posts[0]!.id);
    expect(checkpoint.state).toEqual({ mediaId: emu.media[0]!.id });
  });

  it('polls the same attachment after a crash instead of uploading again', async () => {
    const { adapter, creds } = setup();
    const { source } = await storedVideo(testDb);
    emu.videoProcessingPolls = 1_000;
    const checkpoint = memoryCheckpoint();
    const first = publishRequest(['Again'], { video: { file: source, checkpoint } });
    expect(await failure(adapter.publish(first.req, creds))).toMatchObject({ errorClass: 'transient', networkCode: 'video_processing_timeout' });
    emu.media[0]!.pollsLeft = 1;
    const second = publishRequest(['Again'], { video: { file: source, checkpoint } });
    await adapter.publish(second.req, creds);
    expect(uploads()).toHaveLength(1);
    expect(emu.posts).toHaveLength(1);
  });

  it("says the instance's processing failure as permanent and posts nothing", async () => {
    const { adapter, creds } = setup();
    const { source } = await storedVideo(testDb);
    emu.failProcessing = 1;
    const { req } = publishRequest(['Broken'], { video: { file: source, checkpoint: memoryCheckpoint() } });
    const error = await failure(adapter.publish(req, creds));
    expect(error).toMatchObject({ errorClass: 'permanent', networkCode: 'video_processing_failed' });
    expect(error.message).toContain('Mastodon could not process the video');
    expect(emu.posts).toHaveLength(0);
  });

  it('uploads again when the instance no longer knows the attachment', async () => {
    const { adapter, creds } = setup();
    const { source } = await storedVideo(testDb);
    const checkpoint = memoryCheckpoint({ mediaId: '999' });
    const first = publishRequest(['Lost'], { video: { file: source, checkpoint } });
    expect((await failure(adapter.publish(first.req, creds))).errorClass).toBe('transient');
    expect(checkpoint.state).toBeUndefined();
    const second = publishRequest(['Lost'], { video: { file: source, checkpoint } });
    await adapter.publish(second.req, creds);
    expect(uploads()).toHaveLength(1);
    expect(emu.posts).toHaveLength(1);
  });
});
