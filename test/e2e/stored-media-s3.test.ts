import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInstagramEmulator, type InstagramEmulator } from '../../emulators/instagram.ts';
import { loadConfig } from '../../src/config/load.ts';
import { mediaBytesFor, s3Client, s3KeyOf } from '../../src/db/media-bytes-s3.ts';
import type { MediaBytes } from '../../src/db/media-store.ts';
import type { Network } from '../../src/domain/networks.ts';
import { createInstagramAdapter } from '../../src/networks/instagram.ts';
import { storeImage } from '../../src/workflow/media-intake.ts';
import { deliveriesOf, waitForPost } from '../helpers/engine.ts';
import { startStack, type Stack } from '../helpers/greenlight.ts';
import { inPieces, pngOf } from '../helpers/images.ts';
import { connectBrand, MEDIA_LIMITS, scheduleStoredPost, sha } from '../helpers/stored-media.ts';

/**
 * The running service with MEDIA_STORE=s3 (s3rver on 127.0.0.1, see test/db/media-store-s3.test.ts):
 * a stored image is published by the service's own workers to X and Mastodon (uploads streamed from
 * the object store) and to Instagram, which pulls the signed /media link of the JPEG copy that the
 * publish made through the same store. The bytes are only in the bucket: media_chunks stays empty.
 */
const BUCKET = 'greenlight-e2e';
let s3rver: S3rver;
let directory: string;
let stack: Stack;
let ig: InstagramEmulator;
let mediaBytes: MediaBytes;
let s3Env: Record<string, string>;
const accounts: Partial<Record<Network, string>> = {};

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'greenlight-s3rver-'));
  s3rver = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: BUCKET, configs: [] }] });
  const { port } = (await s3rver.run()) as { port: number };
  // s3rver's fixed test keys (its documentation); no real account is involved.
  s3Env = { MEDIA_STORE: 's3', S3_BUCKET: BUCKET, S3_ENDPOINT: `http://127.0.0.1:${port}`, S3_ACCESS_KEY_ID: 'S3RVER', S3_SECRET_ACCESS_KEY: 'S3RVER' };
  ig = await startInstagramEmulator();
  stack = await startStack({
    adapters: { instagram: createInstagramAdapter({ baseUrl: ig.url, timeoutMs: 5_000, pollMs: 10 }) },
    env: () => s3Env,
  });
  // The test's own handle on the same bucket, as the intake would have (the service made its own at start).
  mediaBytes = mediaBytesFor(loadConfig(s3Env).media.store);
  accounts.x = stack.accounts.x;
  accounts.mastodon = stack.accounts.mastodon;
  const igToken = ig.issueToken();
  accounts.instagram = await connectBrand(stack, 'instagram', igToken.userId, { accessToken: igToken.accessToken });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  await ig?.stop();
  await s3rver?.close();
  if (directory) await rm(directory, { recursive: true, force: true });
});

describe('MEDIA_STORE=s3 in the running service', () => {
  it('publishes a stored image to X, Mastodon and Instagram (the JPEG copy, pulled from the signed link), every byte from the bucket', async () => {
    const png = await pngOf(600, 400, 21);
    const alt = 'A green dot on a white wall';
    const db = stack.app.db;
    const stored = await storeImage({ db, mediaBytes, media: MEDIA_LIMITS }, { workspaceId: stack.workspaceId, filename: 'dot.png', alt }, inPieces(png));
    if (!stored.ok) throw new Error(stored.message);
    const networks: Network[] = ['x', 'mastodon', 'instagram'];
    const post = await scheduleStoredPost(stack, {
      text: 'A dot, from the object store.',
      accountIds: networks.map((n) => accounts[n]!),
      mediaIds: [stored.media.id],
    });
    await waitForPost(stack, post.id, 'published', 60_000);
    expect((await deliveriesOf(stack, post.id)).map((d) => [d.network, d.state, d.attempts])).toEqual(networks.toSorted().map((n) => [n, 'published', 1]));

    const xMedia = stack.x.media.filter((m) => m.authorId === stack.tokens.x.userId);
    expect(xMedia.map((m) => [m.sha256, m.altText])).toEqual([[sha(png), alt]]);
    const mastodonMedia = stack.mastodon.media.filter((m) => m.accountId === stack.tokens.mastodon.accountId);
    expect(mastodonMedia.map((m) => [m.sha256, m.description])).toEqual([[sha(png), alt]]);
    const copy = await db.selectFrom('media').select(['id', 'sha256', 'content_type']).where('variant_of', '=', stored.media.id).executeTakeFirstOrThrow();
    expect(copy.content_type).toBe('image/jpeg');
    expect(ig.containers.map((c) => [c.received?.contentType, c.received?.sha256, c.altText])).toEqual([['image/jpeg', copy.sha256, alt]]);

    // Both files are objects in the bucket, and nothing of them is in PostgreSQL's chunks.
    const client = s3Client({
      bucket: BUCKET,
      region: 'us-east-1',
      endpoint: s3Env.S3_ENDPOINT,
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    try {
      for (const [id, hash] of [
        [stored.media.id, sha(png)],
        [copy.id, copy.sha256],
      ] as const) {
        const object = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: s3KeyOf(id) }));
        expect(sha(Buffer.from(await object.Body!.transformToByteArray()))).toBe(hash);
      }
    } finally {
      client.destroy();
    }
    expect(await db.selectFrom('media_chunks').select('media_id').where('media_id', 'in', [stored.media.id, copy.id]).execute()).toEqual([]);
  }, 120_000);
});
