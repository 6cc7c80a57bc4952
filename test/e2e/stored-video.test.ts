import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InstagramEmulator, startInstagramEmulator } from '../../emulators/instagram.ts';
import { connectAccount } from '../../src/db/accounts.ts';
import { attachMedia } from '../../src/db/media-store.ts';
import { insertPost } from '../../src/db/posts.ts';
import { inTransaction } from '../../src/db/transaction.ts';
import type { Network } from '../../src/domain/networks.ts';
import { createInstagramAdapter } from '../../src/networks/instagram.ts';
import { posterOf, storeFile } from '../../src/workflow/media-intake.ts';
import { scheduleApprovedPost } from '../../src/workflow/schedule-deliveries.ts';
import { deliveriesOf, engineDeps, waitForPost } from '../helpers/engine.ts';
import { ADMIN, AUTHOR, CHANNEL, startStack, type Stack } from '../helpers/greenlight.ts';
import { inPieces } from '../helpers/images.ts';
import { makeVideo } from '../helpers/videos.ts';

/**
 * Issue 15 end to end: a video in Greenlight's media store is published once to X (chunked upload
 * streamed from PostgreSQL), Mastodon (streamed multipart, 202 and polls) and Instagram (a Reel that
 * pulls the service's own signed /media link, with the poster frame as its cover).
 */

let stack: Stack;
let ig: InstagramEmulator;
const accounts: Partial<Record<Network, string>> = {};
const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

beforeAll(async () => {
  ig = await startInstagramEmulator();
  stack = await startStack({
    adapters: {
      instagram: createInstagramAdapter({ baseUrl: ig.url, timeoutMs: 5_000, pollMs: 10, videoWait: { firstMs: 20, maxMs: 100, budgetMs: 10_000 } }),
    },
  });
  stack.mastodon.videoProcessingPolls = 1;
  ig.videoProcessingPolls = 2;
  accounts.x = stack.accounts.x;
  accounts.mastodon = stack.accounts.mastodon;
  const igToken = ig.issueToken();
  accounts.instagram = (
    await connectAccount(stack.app.db, stack.app.cipher, {
      workspaceId: stack.workspaceId,
      network: 'instagram',
      externalAccountId: igToken.userId,
      displayName: 'instagram brand',
      connectedBy: ADMIN,
      credentials: { accessToken: igToken.accessToken },
    })
  ).id;
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  await ig?.stop();
});

describe('a stored video reaches X, Mastodon and Instagram once each', () => {
  it('as a tweet_video, a Mastodon video attachment and an Instagram Reel with its poster as cover', async () => {
    const db = stack.app.db;
    const clip = await makeVideo({ width: 360, height: 640, seconds: 4 });
    const stored = await storeFile(
      { db, media: { quotaBytes: 500_000_000, maxFileBytes: 50_000_000 } },
      { workspaceId: stack.workspaceId, filename: 'launch.mp4', alt: 'Our launch in four seconds' },
      inPieces(clip),
    );
    if (!stored.ok) throw new Error(stored.message);
    const networks: Network[] = ['x', 'mastodon', 'instagram'];
    const text = 'Launch day, in motion.';
    const post = await insertPost(db, {
      workspaceId: stack.workspaceId,
      authorId: AUTHOR,
      state: 'approved',
      text,
      note: null,
      originChannelId: CHANNEL,
      publishAt: new Date(),
      zone: 'UTC',
      contentHash: sha(Buffer.from(text)),
      accountIds: networks.map((n) => accounts[n]!),
      variants: {},
      media: [],
    });
    await attachMedia(db, post.id, [stored.media.id]);
    await inTransaction(db, (tx) => scheduleApprovedPost(tx, engineDeps(stack), post, ADMIN));
    await waitForPost(stack, post.id, 'published', 90_000);
    const deliveries = await deliveriesOf(stack, post.id);
    expect(deliveries.map((d) => [d.network, d.state])).toEqual(networks.toSorted().map((n) => [n, 'published']));
    const external = (n: Network) => deliveries.find((d) => d.network === n)!.external_id!;

    // X: one chunked upload carrying the stored bytes, one post with it.
    const uploads = [...stack.x.video.uploads.values()];
    expect(uploads).toHaveLength(1);
    expect(uploads[0]).toMatchObject({ mediaType: 'video/mp4', category: 'tweet_video', totalBytes: clip.length, state: 'succeeded' });
    const xMedia = stack.x.media.find((m) => m.id === uploads[0]!.id);
    expect(xMedia).toMatchObject({ sha256: sha(clip), altText: 'Our launch in four seconds' });
    expect(stack.x.posts.filter((p) => p.id === external('x')).map((p) => p.mediaIds)).toEqual([[uploads[0]!.id]]);

    // Mastodon: one video attachment with the alt text as description, on one status.
    const video = stack.mastodon.media.filter((m) => m.kind === 'video');
    expect(video.map((m) => [m.sha256, m.description])).toEqual([[sha(clip), 'Our launch in four seconds']]);
    expect(stack.mastodon.posts.filter((p) => p.id === external('mastodon')).map((p) => p.mediaIds)).toEqual([[video[0]!.id]]);

    // Instagram pulled the signed link of the video and of its poster frame (the cover); one Reel.
    const reel = ig.containers.find((c) => c.mediaType === 'REELS');
    expect(reel?.video).toMatchObject({ sha256: sha(clip), contentType: 'video/mp4' });
    expect(reel?.video?.url).toMatch(new RegExp(`^${stack.app.url}/media/${stored.media.id}\\?exp=\\d+&sig=`));
    const poster = await posterOf({ db }, stored.media);
    expect(reel?.video?.coverUrl).toMatch(new RegExp(`^${stack.app.url}/media/${poster!.id}\\?exp=\\d+&sig=`));
    expect(ig.media.map((m) => [m.mediaType, m.caption])).toEqual([['VIDEO', text]]);

    // Each upload's checkpoint stayed with its delivery.
    const checkpoints = await db.selectFrom('delivery_uploads').select(['delivery_id', 'state']).execute();
    expect(checkpoints.map((c) => deliveries.find((d) => d.id === c.delivery_id)?.network).toSorted()).toEqual(networks.toSorted());
  }, 120_000);
});
