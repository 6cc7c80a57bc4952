import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Credentials } from '../../src/networks/adapter.ts';
import { createBlueskyAdapter } from '../../src/networks/bluesky.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { publishRequest } from '../helpers/network-harness.ts';
import { startPds, type TestAccount, type TestPds } from '../helpers/pds.ts';
import { memoryCheckpoint, storedVideo } from '../helpers/video-source.ts';

/** A video on Bluesky against the real PDS (@atproto/pds from npm): the blob and app.bsky.embed.video. */

let pds: TestPds;
let brand: TestAccount;
let testDb: TestDatabase;
beforeAll(async () => {
  [pds, testDb] = await Promise.all([startPds(), createTestDatabase()]);
  brand = await pds.createAccount('brand');
}, 120_000);
afterAll(async () => {
  await pds?.stop();
  await testDb?.drop();
});

const creds = (): Credentials => ({ accessToken: brand.accessJwt, refreshToken: brand.refreshJwt, accountId: brand.did, instanceUrl: pds.url });

describe('Bluesky video on the real PDS', () => {
  it('uploads the video as a video/mp4 blob and embeds it with its alt text and aspect ratio; a retry makes no second post', async () => {
    const { source, bytes } = await storedVideo(testDb, { width: 360, height: 640, alt: 'A vertical test pattern' });
    const adapter = createBlueskyAdapter({ timeoutMs: 10_000 });
    const checkpoint = memoryCheckpoint();
    const first = publishRequest(['Now in motion'], { deliveryId: `video-${Date.now()}`, video: { file: source, checkpoint } });
    const result = await adapter.publish(first.req, creds());
    const [, , did, collection, rkey] = result.externalId.split('/');
    const record = await pds.xrpc('GET', 'com.atproto.repo.getRecord', { params: { repo: did!, collection: collection!, rkey: rkey! } });
    const embed = (record.json.value as { embed: Record<string, any> }).embed;
    expect(embed).toMatchObject({
      $type: 'app.bsky.embed.video',
      alt: 'A vertical test pattern',
      aspectRatio: { width: 360, height: 640 },
      video: { $type: 'blob', mimeType: 'video/mp4', size: bytes.length },
    });
    // The PDS kept the bytes: the blob reads back whole.
    const blob = await fetch(`${pds.url}/xrpc/com.atproto.sync.getBlob?did=${did}&cid=${embed.video.ref.$link}`);
    expect(Buffer.from(await blob.arrayBuffer()).equals(bytes)).toBe(true);

    // The same delivery again (a worker killed after the post): the same record, not a second post.
    const again = await adapter.publish(
      publishRequest(['Now in motion'], { deliveryId: first.req.deliveryId, video: { file: source, checkpoint } }).req,
      creds(),
    );
    expect(again.externalId).toBe(result.externalId);
  });
});
