import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FacebookEmulator, startFacebookEmulator } from '../../emulators/facebook.ts';
import { type InstagramEmulator, startInstagramEmulator } from '../../emulators/instagram.ts';
import { type LinkedInEmulator, startLinkedInEmulator } from '../../emulators/linkedin.ts';
import { startThreadsEmulator, type ThreadsEmulator } from '../../emulators/threads.ts';
import type { Network } from '../../src/domain/networks.ts';
import { createBlueskyAdapter } from '../../src/networks/bluesky.ts';
import { createFacebookAdapter } from '../../src/networks/facebook.ts';
import { createInstagramAdapter } from '../../src/networks/instagram.ts';
import { createLinkedInAdapter } from '../../src/networks/linkedin.ts';
import { createThreadsAdapter } from '../../src/networks/threads.ts';
import { posterOf, storeFile } from '../../src/workflow/media-intake.ts';
import { deliveriesOf, waitForDelivery, waitForPost } from '../helpers/engine.ts';
import { startStack, type Stack } from '../helpers/greenlight.ts';
import { inPieces } from '../helpers/images.ts';
import { startPds, type TestAccount, type TestPds } from '../helpers/pds.ts';
import { connectEveryNetwork, MEDIA_LIMITS, scheduleStoredPost, sha } from '../helpers/stored-media.ts';
import { makeVideo } from '../helpers/videos.ts';

/**
 * Issue 15 end to end: a video in Greenlight's media store is published once to every network: X
 * (chunked upload streamed from PostgreSQL), Mastodon (streamed multipart, 202 and polls), Bluesky (a
 * blob on the real PDS), LinkedIn (Videos API parts with ETags), Instagram (a Reel that pulls the
 * service's own signed /media link, the poster frame as its cover), Threads (a VIDEO container) and
 * Facebook (a Page video pulled from the link).
 */

let stack: Stack;
let ig: InstagramEmulator;
let threads: ThreadsEmulator;
let fb: FacebookEmulator;
let li: LinkedInEmulator;
let pds: TestPds;
let brand: TestAccount;
let accounts: Partial<Record<Network, string>>;

beforeAll(async () => {
  [ig, threads, fb, li, pds] = await Promise.all([
    startInstagramEmulator(),
    startThreadsEmulator(),
    startFacebookEmulator(),
    startLinkedInEmulator(),
    startPds(),
  ]);
  brand = await pds.createAccount('brand');
  const wait = { firstMs: 20, maxMs: 100, budgetMs: 10_000 };
  stack = await startStack({
    adapters: {
      instagram: createInstagramAdapter({ baseUrl: ig.url, timeoutMs: 5_000, pollMs: 10, videoWait: wait }),
      threads: createThreadsAdapter({ baseUrl: threads.url, timeoutMs: 5_000, pollMs: 10, videoWait: wait }),
      facebook: createFacebookAdapter({ baseUrl: fb.url, timeoutMs: 5_000, videoWait: wait }),
      linkedin: createLinkedInAdapter({ baseUrl: li.url, timeoutMs: 5_000, videoWait: wait }),
      bluesky: createBlueskyAdapter({ timeoutMs: 10_000 }),
    },
  });
  stack.mastodon.videoProcessingPolls = 1;
  ig.videoProcessingPolls = 2;
  li.video.script.partBytes = 32 * 1024;
  accounts = await connectEveryNetwork(stack, { ig, threads, fb, li, pds, brand });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  await Promise.all([ig?.stop(), threads?.stop(), fb?.stop(), li?.stop(), pds?.stop()]);
});

describe('a stored video reaches every network once', () => {
  it('X, Mastodon, Bluesky (real PDS), LinkedIn, an Instagram Reel with its poster as cover, Threads and Facebook', async () => {
    const db = stack.app.db;
    const clip = await makeVideo({ width: 360, height: 640, seconds: 4 });
    const stored = await storeFile(
      { db, media: MEDIA_LIMITS },
      { workspaceId: stack.workspaceId, filename: 'launch.mp4', alt: 'Our launch in four seconds' },
      inPieces(clip),
    );
    if (!stored.ok) throw new Error(stored.message);
    const networks: Network[] = ['x', 'mastodon', 'bluesky', 'linkedin', 'instagram', 'threads', 'facebook'];
    const text = 'Launch day, in motion.';
    const post = await scheduleStoredPost(stack, { text, accountIds: networks.map((n) => accounts[n]!), mediaIds: [stored.media.id] });
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

    // Bluesky, the real PDS: the record embeds the video blob with its alt text and aspect ratio.
    const [, , did, collection, rkey] = external('bluesky').split('/');
    const record = await pds.xrpc('GET', 'com.atproto.repo.getRecord', { params: { repo: did!, collection: collection!, rkey: rkey! } });
    expect((record.json.value as { embed: unknown }).embed).toMatchObject({
      $type: 'app.bsky.embed.video',
      alt: 'Our launch in four seconds',
      aspectRatio: { width: 360, height: 640 },
      video: { mimeType: 'video/mp4', size: clip.length },
    });

    // LinkedIn: every part PUT once, finalized with the ETags, the post names the video.
    expect(li.video.videos.map((v) => [v.status, v.sha256])).toEqual([['AVAILABLE', sha(clip)]]);
    expect(li.video.videos[0]!.parts.every((p) => p.puts === 1)).toBe(true);
    expect(li.posts.map((p) => p.imageUrns)).toEqual([[li.video.videos[0]!.urn]]);

    // Threads and Facebook pulled the signed link: one VIDEO post, one Page video.
    expect(threads.containers.filter((c) => c.mediaType === 'VIDEO').map((c) => c.video?.sha256)).toEqual([sha(clip)]);
    expect(threads.posts.filter((p) => p.mediaType === 'VIDEO')).toHaveLength(1);
    expect(fb.videos.map((v) => [v.status, v.received.sha256, v.description])).toEqual([['ready', sha(clip), text]]);

    // The uploads that needed one kept their checkpoint with their delivery (Bluesky needs none).
    const checkpoints = await db.selectFrom('delivery_uploads').select(['delivery_id', 'state']).execute();
    expect(checkpoints.map((c) => deliveries.find((d) => d.id === c.delivery_id)?.network).toSorted()).toEqual(
      networks.filter((n) => n !== 'bluesky').toSorted(),
    );
  }, 120_000);

  it('an X upload cut short mid-video resumes on the next attempt with the same media id, from the stored checkpoint', async () => {
    const db = stack.app.db;
    // A small clip is one 4 MiB segment: the upload is cut at its APPEND, after INITIALIZE made the media id.
    const clip = await makeVideo({ width: 320, height: 240, seconds: 2 });
    const stored = await storeFile({ db, media: MEDIA_LIMITS }, { workspaceId: stack.workspaceId, filename: 'retry.mp4' }, inPieces(clip));
    if (!stored.ok) throw new Error(stored.message);
    const text = 'Second try, same upload.';
    const before = stack.x.video.uploads.size;
    // The APPEND answers 5xx three times in a row: the attempt ends transient after INITIALIZE.
    stack.x.failNext({ kind: '5xx', match: 'POST /2/media/upload/', after: 1, times: 3 });
    const post = await scheduleStoredPost(stack, { text, accountIds: [accounts.x!], mediaIds: [stored.media.id] });
    const done = await waitForDelivery(stack, post.id, 'x', 'published', 60_000);
    expect(done.attempts).toBeGreaterThan(1);
    // One INITIALIZE for both attempts (the media id came back from delivery_uploads), every segment stored once, one post.
    expect(stack.x.video.uploads.size).toBe(before + 1);
    const upload = [...stack.x.video.uploads.values()].at(-1)!;
    expect([...upload.appends.values()].every((n) => n === 1)).toBe(true);
    expect(stack.x.posts.filter((p) => p.text === text).map((p) => p.mediaIds)).toEqual([[upload.id]]);
  }, 90_000);
});
