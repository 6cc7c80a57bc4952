import { randomFillSync, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { sql } from 'kysely';
import { startMastodonEmulator } from '../emulators/mastodon.ts';
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { XTokens } from '../emulators/x.ts';
import { parseKeyring, TokenCipher } from '../src/crypto/token-cipher.ts';
import { connectAccount } from '../src/db/accounts.ts';
import { storeMedia } from '../src/db/media-store.ts';
import type { VideoFacts } from '../src/domain/video-facts.ts';
import { publishQueue } from '../src/queue/queue.ts';
import { benchText, creates, duplicates } from './deliveries.ts';
import { dropDatabase, freshDatabase, percentile, sleep, spawnGreenlight, until } from './harness.ts';
import { noisePng } from './media-memory.ts';
import { seedDeliveries, seedWorkspace, type Seeded } from './seed.ts';

export interface VideoLatenessOptions {
  /** Text deliveries to Mastodon, due evenly over `windowSeconds`; every `imageEvery`th carries a stored image. */
  deliveries: number;
  windowSeconds: number;
  leadSeconds: number;
  imageEvery: number;
  accounts: number;
  latencyMs: number;
  /** Videos due at the window's start, each to its own X account. */
  videos: number;
  videoMegabytes: number;
  env: Record<string, string>;
}

type Round = Awaited<ReturnType<typeof lateness>>;

/**
 * Issue 15: ten videos publishing at once must not make the other deliveries late. The same burst of
 * text and image deliveries to Mastodon (lateness: create received at the emulator − due time, as in
 * the lateness scenario) runs twice in one run, once alone and once with `videos` stored videos due
 * at the window's start, each sent through X's chunked upload by the same Greenlight process.
 */
export async function videoLateness(adminUrl: string, options: VideoLatenessOptions): Promise<{ alone: Round; withVideos: Round }> {
  const alone = await lateness(adminUrl, options, false);
  const withVideos = await lateness(adminUrl, options, true);
  return { alone, withVideos };
}

/**
 * One round. Both rounds store the videos (500 MB written just before the burst leaves PostgreSQL
 * with WAL and dirty pages to write out during it); only with `publishVideos` are they due.
 */
async function lateness(adminUrl: string, options: VideoLatenessOptions, publishVideos: boolean) {
  const name = 'greenlight_bench_video_lateness';
  const url = await freshDatabase(adminUrl, name);
  const mastodon = await startMastodonEmulator({ latencyMs: options.latencyMs });
  const x = await startXProcess(options.latencyMs);
  const seeded = await seedWorkspace(url, mastodon, options.accounts);
  try {
    const app = await spawnGreenlight({
      DATABASE_URL: url,
      ENCRYPTION_KEYS: seeded.keys,
      ENCRYPTION_PRIMARY_KEY_ID: 'bench',
      X_API_URL: x.url,
      ...options.env,
    });
    try {
      // The videos are stored first (the slow part), so both rounds have the same lead before the burst.
      const videoPosts = await storeVideoPosts(seeded, x, options.videos, options.videoMegabytes * 1024 * 1024);
      const first = Date.now() + 5_000 + options.leadSeconds * 1000;
      const step = (options.windowSeconds * 1000) / options.deliveries;
      const due = Array.from({ length: options.deliveries }, (_, i) => new Date(Math.round(first + i * step)));
      await seedDeliveries(seeded, due, benchText);
      await attachImages(seeded, options.imageEvery);
      const published = publishVideos ? videoPosts : [];
      await scheduleVideoPosts(seeded, published, new Date(first));
      const lead = (first - Date.now()) / 1000;
      if (lead < 2) throw new Error(`seeding took too long: the first due time passed ${(-lead).toFixed(1)} s before seeding ended`);
      await sleep(first - Date.now());
      const all = await until(() => mastodon.posts.length >= options.deliveries, { timeoutMs: options.windowSeconds * 1000 + 120_000, everyMs: 200 });
      let videosPosted = await x.posts();
      for (const deadline = Date.now() + 300_000; videosPosted < published.length && Date.now() < deadline; videosPosted = await x.posts()) await sleep(200);
      const videosDone = videosPosted >= published.length;
      const videoSeconds = (Date.now() - first) / 1000;
      const videoDeliveries = await sql<{ state: string; attempts: number; last_error: { message?: string } | null }>`
        SELECT state, attempts, last_error FROM deliveries WHERE network = 'x'`.execute(seeded.db);
      await sleep(1_000); // a duplicate would show up now
      const received = creates(mastodon);
      const lateOf = (picked: typeof received) => picked.map((c) => c.receivedMs - c.dueMs).sort((a, b) => a - b);
      const late = lateOf(received);
      // attachImages gave the image to every `imageEvery`th post in due order, which is the index order.
      const withImage = (index: number) => index % options.imageEvery === options.imageEvery - 1;
      const textLate = lateOf(received.filter((c) => !withImage(c.index)));
      const imageLate = lateOf(received.filter((c) => withImage(c.index)));
      return {
        delivered: received.length,
        complete: all,
        early: late.filter((ms) => ms < 0).length,
        duplicates: duplicates(mastodon),
        p50: percentile(late, 50),
        p99: percentile(late, 99),
        max: late[late.length - 1] ?? Number.NaN,
        /** p50 / p99 of the text-only deliveries and of those with an image. */
        text: { p50: percentile(textLate, 50), p99: percentile(textLate, 99) },
        image: { p50: percentile(imageLate, 50), p99: percentile(imageLate, 99) },
        videos: videosPosted,
        videosComplete: videosDone,
        /** Seconds from the videos' due time until X held all their posts (polled every 200 ms). */
        videoSeconds: published.length > 0 ? videoSeconds : 0,
        /** Attempts of the video deliveries in all, and the errors of those that needed more than one. */
        videoAttempts: videoDeliveries.rows.reduce((sum, d) => sum + d.attempts, 0),
        videoErrors: [...new Set(videoDeliveries.rows.flatMap((d) => (d.last_error?.message ? [d.last_error.message] : [])))],
      };
    } finally {
      await app.stop();
    }
  } finally {
    await seeded.close();
    await Promise.all([mastodon.stop(), x.stop()]);
    await dropDatabase(adminUrl, name);
  }
}

/** Every `every`th bench post gets its own copy of one stored 1 MB PNG (copied in SQL, chunks and all). */
async function attachImages(seeded: Seeded, every: number): Promise<void> {
  const png = await noisePng(1_000_000, 7);
  const image = await storeMedia(
    seeded.db,
    { workspaceId: seeded.workspaceId, filename: 'bench.png' },
    Readable.from([png]),
    { quotaBytes: 1e11 },
    async () => ({
      contentType: 'image/png',
      width: 578,
      height: 578,
      animated: false,
    }),
  );
  // The text posts only: X takes a video only on its own.
  const posts = await sql<{
    id: string;
  }>`SELECT id FROM posts WHERE workspace_id = ${seeded.workspaceId} AND text LIKE 'Bench % due %' ORDER BY publish_at`.execute(seeded.db);
  const chosen = posts.rows.filter((_, i) => i % every === every - 1).map((p) => p.id);
  for (const postId of chosen) await copyMedia(seeded, image.id, postId);
}

/** A copy of a stored file for another post, in two statements. */
async function copyMedia(seeded: Seeded, mediaId: string, postId: string): Promise<void> {
  const id = randomUUID();
  await sql`
    INSERT INTO media (id, workspace_id, post_id, position, filename, content_type, bytes, sha256, width, height, animated, alt, state, ready_at, video)
    SELECT ${id}, workspace_id, ${postId}, 0, filename, content_type, bytes, sha256, width, height, animated, 'A bench picture', state, ready_at, video
    FROM media WHERE id = ${mediaId}`.execute(seeded.db);
  await sql`INSERT INTO media_chunks (media_id, seq, data) SELECT ${id}, seq, data FROM media_chunks WHERE media_id = ${mediaId}`.execute(seeded.db);
}

interface VideoPost {
  postId: string;
  accountId: string;
}

/** `count` video posts, each to its own X account, not yet due: one stored synthetic MP4 copied for each. */
async function storeVideoPosts(seeded: Seeded, x: XProcess, count: number, bytes: number): Promise<VideoPost[]> {
  if (count === 0) return [];
  const cipher = new TokenCipher(parseKeyring(seeded.keys, 'bench'));
  const facts: VideoFacts = {
    container: 'mp4',
    videoCodec: 'h264',
    videoProfile: 'High',
    pixelFormat: 'yuv420p',
    audioCodec: 'aac',
    audioProfile: 'LC',
    audioSampleRate: 48_000,
    audioChannels: 2,
    durationMs: 60_000,
    frameRate: 30,
    bitRate: Math.round((bytes * 8) / 60),
  };
  const video = await storeMedia(
    seeded.db,
    { workspaceId: seeded.workspaceId, filename: 'bench.mp4' },
    syntheticMp4(bytes),
    { quotaBytes: 1e11 },
    async () => ({
      contentType: 'video/mp4',
      width: 1280,
      height: 720,
      animated: false,
      video: facts,
    }),
  );
  const posts: VideoPost[] = [];
  for (let i = 0; i < count; i++) {
    const token = await x.issueToken();
    const account = await connectAccount(seeded.db, cipher, {
      workspaceId: seeded.workspaceId,
      network: 'x',
      externalAccountId: token.userId,
      displayName: `@video${i}`,
      connectedBy: 'UBENCH',
      credentials: { accessToken: token.accessToken, refreshToken: token.refreshToken },
    });
    const postId = randomUUID();
    const text = `Bench video ${i}`;
    await sql`
      INSERT INTO posts (id, workspace_id, author_id, state, text, origin_channel_id, publish_at, zone, content_hash)
      VALUES (${postId}, ${seeded.workspaceId}, 'UBENCH', 'scheduled', ${text}, 'CBENCH', now() + interval '1 hour', 'UTC', md5(${text}))`.execute(seeded.db);
    await sql`INSERT INTO post_targets (post_id, account_id) VALUES (${postId}, ${account.id})`.execute(seeded.db);
    await copyMedia(seeded, video.id, postId);
    posts.push({ postId, accountId: account.id });
  }
  return posts;
}

/** Each video post due at `due`: its delivery and publish job, as submitPost leaves them. */
async function scheduleVideoPosts(seeded: Seeded, posts: VideoPost[], due: Date): Promise<void> {
  for (const { postId, accountId } of posts) {
    const deliveryId = randomUUID();
    await sql`UPDATE posts SET publish_at = ${due} WHERE id = ${postId}`.execute(seeded.db);
    await sql`
      INSERT INTO deliveries (id, post_id, account_id, network, state, due_at)
      VALUES (${deliveryId}, ${postId}, ${accountId}, 'x', 'pending', ${due})`.execute(seeded.db);
    await seeded.queue.boss.insert(publishQueue('x'), [{ data: { deliveryId }, singletonKey: deliveryId, startAfter: due }]);
  }
}

/** An `ftyp` box and then noise: all the X emulator looks at. Never on disk. */
async function* syntheticMp4(bytes: number): AsyncGenerator<Buffer> {
  const block = randomFillSync(Buffer.alloc(1024 * 1024));
  Buffer.from([0, 0, 0, 0x18, ...Buffer.from('ftypisom'), 0, 0, 2, 0, ...Buffer.from('isomiso2')]).copy(block);
  for (let sent = 0; sent < bytes; sent += block.length) yield block.subarray(0, Math.min(block.length, bytes - sent));
}

type XProcess = Awaited<ReturnType<typeof startXProcess>>;

/** bench/x-emulator-child.ts, started and asked over IPC. */
async function startXProcess(latencyMs: number) {
  const child: ChildProcess = fork(fileURLToPath(new URL('x-emulator-child.ts', import.meta.url)), [String(latencyMs)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ask = async <T>(kind: string): Promise<T> => {
    const answer = new Promise<T>((resolve) => {
      const on = (m: { kind: string } & T) => {
        if (m.kind !== kind) return;
        child.off('message', on);
        resolve(m);
      };
      child.on('message', on);
    });
    child.send({ kind });
    return answer;
  };
  const [ready] = (await once(child, 'message')) as [{ url: string }];
  return {
    url: ready.url,
    issueToken: async () => (await ask<{ token: XTokens }>('token')).token,
    posts: async () => (await ask<{ posts: number }>('posts')).posts,
    stop: async () => {
      const exited = once(child, 'exit');
      child.send({ kind: 'stop' });
      await exited;
    },
  };
}
