import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFacebookEmulator, type FacebookEmulator } from '../../emulators/facebook.ts';
import { startInstagramEmulator, type InstagramEmulator } from '../../emulators/instagram.ts';
import { startLinkedInEmulator, type LinkedInEmulator } from '../../emulators/linkedin.ts';
import { startThreadsEmulator, type ThreadsEmulator } from '../../emulators/threads.ts';
import type { Network } from '../../src/domain/networks.ts';
import { createBlueskyAdapter } from '../../src/networks/bluesky.ts';
import { createFacebookAdapter } from '../../src/networks/facebook.ts';
import { createInstagramAdapter } from '../../src/networks/instagram.ts';
import { createLinkedInAdapter } from '../../src/networks/linkedin.ts';
import { createThreadsAdapter } from '../../src/networks/threads.ts';
import { storeImage } from '../../src/workflow/media-intake.ts';
import { deliveriesOf, waitForDelivery, waitForPost, waitUntil } from '../helpers/engine.ts';
import { startStack, type Stack } from '../helpers/greenlight.ts';
import { inPieces, pngOf } from '../helpers/images.ts';
import { startPds, type TestAccount, type TestPds } from '../helpers/pds.ts';
import { connectEveryNetwork, MEDIA_LIMITS, scheduleStoredPost, sha } from '../helpers/stored-media.ts';

/**
 * Issue 14, the publishing side: a post's images live in Greenlight's media store, and every network
 * gets them from there, with their alt text. Upload networks (X, Bluesky on a real PDS, Mastodon,
 * LinkedIn) receive the bytes streamed from PostgreSQL; pull networks (Instagram, Threads, Facebook)
 * fetch the signed /media/<id> link from the running service with plain fetch, Instagram the JPEG copy.
 */

let stack: Stack;
let pds: TestPds;
let brand: TestAccount;
let ig: InstagramEmulator;
let threads: ThreadsEmulator;
let fb: FacebookEmulator;
let li: LinkedInEmulator;
let accounts: Partial<Record<Network, string>>;

beforeAll(async () => {
  [pds, ig, threads, fb, li] = await Promise.all([
    startPds(),
    startInstagramEmulator(),
    startThreadsEmulator(),
    startFacebookEmulator(),
    startLinkedInEmulator(),
  ]);
  brand = await pds.createAccount('brand');
  stack = await startStack({
    adapters: {
      bluesky: createBlueskyAdapter({ timeoutMs: 5_000 }),
      instagram: createInstagramAdapter({ baseUrl: ig.url, timeoutMs: 5_000, pollMs: 10 }),
      threads: createThreadsAdapter({ baseUrl: threads.url, timeoutMs: 5_000, pollMs: 10 }),
      facebook: createFacebookAdapter({ baseUrl: fb.url, timeoutMs: 5_000 }),
      linkedin: createLinkedInAdapter({ baseUrl: li.url, timeoutMs: 5_000 }),
    },
  });
  accounts = await connectEveryNetwork(stack, { ig, threads, fb, li, pds, brand });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  await Promise.all([pds?.stop(), ig?.stop(), threads?.stop(), fb?.stop(), li?.stop()]);
});

/** Blobs the PDS holds for the brand account (uploaded ones included, before any record uses them). */
async function pdsBlobCount(): Promise<number> {
  const res = await pds.xrpc('GET', 'com.atproto.sync.listBlobs', { params: { did: brand.did, limit: '1000' } });
  return (res.json.cids as string[]).length;
}

interface Picture {
  filename: string;
  bytes: Buffer;
  alt: string;
  width: number;
  height: number;
}

/**
 * An approved post whose images are stored files (copied in as the intake does, then tied to the post),
 * scheduled for now: the stack's publish workers take it from there.
 */
async function publishPost(text: string, networks: Network[], pictures: Picture[]): Promise<string> {
  const ids: string[] = [];
  for (const p of pictures) {
    const stored = await storeImage(
      { db: stack.app.db, media: MEDIA_LIMITS },
      { workspaceId: stack.workspaceId, filename: p.filename, alt: p.alt },
      inPieces(p.bytes),
    );
    if (!stored.ok) throw new Error(stored.message);
    expect(stored.media).toMatchObject({ content_type: 'image/png', width: p.width, height: p.height });
    ids.push(stored.media.id);
  }
  const post = await scheduleStoredPost(stack, { text, accountIds: networks.map((n) => accounts[n]!), mediaIds: ids });
  return post.id;
}

async function picture(filename: string, width: number, height: number, seed: number, alt: string): Promise<Picture> {
  return { filename, bytes: await pngOf(width, height, seed), alt, width, height };
}

describe('stored images reach every network once, with their alt text', () => {
  it('X, Bluesky (real PDS), Mastodon, LinkedIn, Instagram (the JPEG copy), Threads and Facebook', async () => {
    const team = await picture('team.png', 600, 400, 11, 'Five people laughing around a standing desk');
    const cake = await picture('cake.png', 500, 500, 12, 'A green cake with one candle');
    const everywhere: Network[] = ['x', 'bluesky', 'mastodon', 'linkedin', 'instagram', 'threads', 'facebook'];
    const postId = await publishPost('Our team turns one today!', everywhere, [team, cake]);
    await waitForPost(stack, postId, 'published', 60_000);
    const deliveries = await deliveriesOf(stack, postId);
    expect(deliveries.map((d) => [d.network, d.state, d.attempts])).toEqual(everywhere.toSorted().map((n) => [n, 'published', 1]));
    const external = (n: Network) => deliveries.find((d) => d.network === n)!.external_id!;

    // X: two simple uploads with the stored bytes, alt text through media metadata, one post with both.
    const xMedia = stack.x.media.filter((m) => m.authorId === stack.tokens.x.userId);
    expect(xMedia.map((m) => [m.sha256, m.contentType, m.category, m.altText])).toEqual([
      [sha(team.bytes), 'image/png', 'tweet_image', team.alt],
      [sha(cake.bytes), 'image/png', 'tweet_image', cake.alt],
    ]);
    const xPosts = stack.x.posts.filter((p) => p.id === external('x'));
    expect(xPosts).toHaveLength(1);
    expect(xPosts[0]!.mediaIds).toEqual(xMedia.map((m) => m.id));

    // Bluesky, the real PDS: the record embeds both blobs with alt and the stored aspect ratio.
    const [, , did, collection, rkey] = external('bluesky').split('/');
    const record = await pds.xrpc('GET', 'com.atproto.repo.getRecord', { params: { repo: did!, collection: collection!, rkey: rkey! } });
    const embed = (
      record.json.value as { embed: { $type: string; images: { alt: string; aspectRatio: unknown; image: { size: number; mimeType: string } }[] } }
    ).embed;
    expect(embed.$type).toBe('app.bsky.embed.images');
    expect(embed.images.map((i) => [i.alt, i.aspectRatio, i.image.mimeType, i.image.size])).toEqual([
      [team.alt, { width: 600, height: 400 }, 'image/png', team.bytes.length],
      [cake.alt, { width: 500, height: 500 }, 'image/png', cake.bytes.length],
    ]);

    // Mastodon: /api/v2/media with description = alt, attached to one status.
    const mastodonMedia = stack.mastodon.media.filter((m) => m.accountId === stack.tokens.mastodon.accountId);
    expect(mastodonMedia.map((m) => [m.sha256, m.description])).toEqual([
      [sha(team.bytes), team.alt],
      [sha(cake.bytes), cake.alt],
    ]);
    expect(stack.mastodon.posts.filter((p) => p.id === external('mastodon'))[0]!.mediaIds).toEqual(mastodonMedia.map((m) => m.id));

    // LinkedIn: two Images API uploads, one multiImage post with altText on each image.
    expect(li.images.map((i) => [i.status, i.sha256])).toEqual([
      ['AVAILABLE', sha(team.bytes)],
      ['AVAILABLE', sha(cake.bytes)],
    ]);
    expect(li.posts).toHaveLength(1);
    expect(li.posts[0]).toMatchObject({ imageUrns: li.images.map((i) => i.urn), altTexts: [team.alt, cake.alt] });

    // Instagram pulled the signed links of the JPEG copies (it takes nothing else); one carousel published.
    const publicUrl = stack.app.url;
    const igItems = ig.containers.filter((c) => c.isCarouselItem);
    expect(igItems.map((c) => [c.received?.contentType, c.altText])).toEqual([
      ['image/jpeg', team.alt],
      ['image/jpeg', cake.alt],
    ]);
    for (const item of igItems) expect(item.imageUrl).toMatch(new RegExp(`^${publicUrl}/media/[0-9a-f-]{36}\\?exp=\\d+&sig=`));
    const copies = await stack.app.db.selectFrom('media').select(['id', 'variant_of', 'content_type', 'sha256']).where('variant_of', 'is not', null).execute();
    expect(copies.map((c) => c.content_type)).toEqual(['image/jpeg', 'image/jpeg']);
    expect(igItems.map((c) => c.received?.sha256).toSorted()).toEqual(copies.map((c) => c.sha256).toSorted());
    expect(ig.media).toHaveLength(1);
    expect(ig.containers.find((c) => c.mediaType === 'CAROUSEL')?.children).toEqual(igItems.map((c) => c.id));

    // Threads pulled the PNGs themselves (it takes PNG), alt text on each carousel item.
    const thItems = threads.containers.filter((c) => c.isCarouselItem);
    expect(thItems.map((c) => [c.received?.contentType, c.received?.sha256, c.altText])).toEqual([
      ['image/png', sha(team.bytes), team.alt],
      ['image/png', sha(cake.bytes), cake.alt],
    ]);
    expect(threads.posts.filter((p) => p.text === 'Our team turns one today!')).toHaveLength(1);

    // Facebook: two unpublished photos from the signed links, attached to one feed post.
    expect(fb.photos.map((p) => [p.published, p.received.sha256, p.altText])).toEqual([
      [false, sha(team.bytes), team.alt],
      [false, sha(cake.bytes), cake.alt],
    ]);
    expect(fb.posts).toHaveLength(1);
    expect(fb.posts[0]!.photoIds).toEqual(fb.photos.map((p) => p.id));

    // The post is published: its links serve nothing any more, signed or not.
    const after = await fetch(igItems[0]!.imageUrl!);
    expect(after.status).toBe(404);
  }, 120_000);
});

describe('one stored image', () => {
  it('is a single image post where a network has one: Instagram and Threads IMAGE containers, a Facebook photo post, all with alt text', async () => {
    const shot = await picture('shot.png', 800, 600, 41, 'The new office from the street');
    const [igBefore, thBefore, fbBefore] = [ig.containers.length, threads.containers.length, fb.photos.length];
    const postId = await publishPost('The new office.', ['instagram', 'threads', 'facebook'], [shot]);
    await waitForPost(stack, postId, 'published', 60_000);
    const igNew = ig.containers.slice(igBefore);
    expect(igNew.map((c) => [c.mediaType, c.isCarouselItem, c.received?.contentType, c.altText, c.caption])).toEqual([
      ['IMAGE', false, 'image/jpeg', shot.alt, 'The new office.'],
    ]);
    const thNew = threads.containers.slice(thBefore);
    expect(thNew.map((c) => [c.mediaType, c.received?.sha256, c.altText])).toEqual([['IMAGE', sha(shot.bytes), shot.alt]]);
    const fbNew = fb.photos.slice(fbBefore);
    expect(fbNew.map((p) => [p.published, p.received.sha256, p.altText, p.caption])).toEqual([[true, sha(shot.bytes), shot.alt, 'The new office.']]);
  }, 90_000);
});

describe('failures while publishing stored images', () => {
  it('a store read failing mid-stream is transient: retried, and X gets one post with the whole image', async () => {
    // Three chunks of 256 KiB and more: the read fails after the first chunk went out.
    const big = await picture('launch.png', 520, 520, 21, 'The launch banner');
    expect(big.bytes.length).toBeGreaterThan(600_000);
    const db = stack.app.db;
    const stored = await storeImage({ db, media: MEDIA_LIMITS }, { workspaceId: stack.workspaceId, filename: big.filename, alt: big.alt }, inPieces(big.bytes));
    if (!stored.ok) throw new Error(stored.message);
    // Move the second chunk out of the way: readMedia then fails at that chunk, midway through the upload.
    await sql`UPDATE media_chunks SET seq = seq + 1000 WHERE media_id = ${stored.media.id} AND seq = 1`.execute(db);
    const before = stack.x.media.length;
    const post = await scheduleStoredPost(stack, { text: 'Launch day, with the banner.', accountIds: [accounts.x!], mediaIds: [stored.media.id] });
    const failed = await waitUntil(stack, 'an attempt that failed reading the store', async () => {
      const [d] = await deliveriesOf(stack, post.id);
      return d?.last_error?.networkCode === 'media_store_read' ? d : undefined;
    });
    expect(failed.last_error).toMatchObject({ class: 'transient' });
    expect(failed.last_error?.message).toContain('launch.png');
    await sql`UPDATE media_chunks SET seq = seq - 1000 WHERE media_id = ${stored.media.id} AND seq = 1001`.execute(db);
    const done = await waitForDelivery(stack, post.id, 'x', 'published', 30_000);
    expect(done.attempts).toBeGreaterThan(1);
    expect(stack.x.posts.filter((p) => p.text === 'Launch day, with the banner.')).toHaveLength(1);
    const uploads = stack.x.media.slice(before);
    // A cut-short upload created nothing at X; the one that completed carries the whole file.
    expect(uploads.map((m) => m.sha256)).toEqual([sha(big.bytes)]);
    expect(uploads[0]!.altText).toBe(big.alt);
  }, 60_000);

  it("a network's refusal is permanent and names the network and the file; nothing is posted", async () => {
    stack.mastodon.imageSizeLimit = 1024 * 1024;
    stack.x.failProcessing = 1;
    try {
      // About 2.4 MB: within X's 5 MB, over Bluesky's 2 MB (Greenlight's own check says so before the PDS
      // is asked) and over this Mastodon instance's 1 MB (Mastodon's refusal).
      const poster = await picture('poster.png', 900, 900, 31, 'The spring poster');
      expect(poster.bytes.length).toBeGreaterThan(2_000_000);
      const blobsBefore = await pdsBlobCount();
      const xBefore = stack.x.posts.length;
      const mastodonBefore = stack.mastodon.posts.length;
      const postId = await publishPost('The spring poster is out.', ['mastodon', 'x', 'bluesky'], [poster]);
      const bluesky = await waitForDelivery(stack, postId, 'bluesky', 'failed', 30_000);
      expect(bluesky.attempts).toBe(1);
      expect(bluesky.last_error).toMatchObject({ class: 'permanent', networkCode: 'media_refused' });
      expect(bluesky.last_error?.networkMessage).toMatch(/^Bluesky takes images up to 2 MB; poster\.png is 2\.\d MB\.$/);
      expect(await pdsBlobCount()).toBe(blobsBefore);
      const mastodon = await waitForDelivery(stack, postId, 'mastodon', 'failed', 30_000);
      expect(mastodon.attempts).toBe(1);
      expect(mastodon.last_error).toMatchObject({
        class: 'permanent',
        networkMessage: 'Mastodon did not take poster.png: Validation failed: File file size must be less than 1 MB',
      });
      const x = await waitForDelivery(stack, postId, 'x', 'failed', 30_000);
      expect(x.attempts).toBe(1);
      expect(x.last_error).toMatchObject({ class: 'permanent', networkMessage: 'X did not take poster.png: X could not process the media' });
      expect(stack.x.posts.length).toBe(xBefore);
      expect(stack.mastodon.posts.length).toBe(mastodonBefore);
    } finally {
      stack.mastodon.imageSizeLimit = 16 * 1024 * 1024;
      stack.x.failProcessing = 0;
    }
  }, 60_000);
});
