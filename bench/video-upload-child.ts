import { createReadStream } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { signMediaUrl } from '../src/crypto/media-url.ts';
import { storeMedia, type MediaRow } from '../src/db/media-store.ts';
import type { VideoFacts } from '../src/domain/video-facts.ts';
import type { PublishRequest, VideoSource } from '../src/networks/adapter.ts';
import { createXAdapter } from '../src/networks/x.ts';
import { videoSourceOf } from '../src/workflow/video-source.ts';
import { startMediaChild } from './media-child.ts';
import { rssPeak } from './rss-peak.ts';

/**
 * The process measured by bench/video-upload.ts: a Greenlight with its signed /media route and the X
 * adapter. It stores the videos it is given (a synthetic MP4: an `ftyp` box and noise; the facts are
 * given, not probed, as the emulators look at no more than the box), then, phase by phase, sends the
 * large one through X's chunked upload and lets the parent pull it through the signed URL as Instagram
 * does; each phase also runs from the plain file on disk (the baseline). Resident memory is sampled
 * every 20 ms; each phase reports its peak over the value after a collection at its start.
 */
const SECRET = 'v'.repeat(40);
const [databaseUrl, xUrl, xToken, xUserId, warmFile, bigFile] = process.argv.slice(2) as [string, string, string, string, string, string];
const { app, workspaceId, postId } = await startMediaChild({ databaseUrl, team: 'TBENCHVIDEO', secret: SECRET, postState: 'scheduled' });

const FACTS: VideoFacts = {
  container: 'mp4',
  videoCodec: 'h264',
  videoProfile: 'High',
  pixelFormat: 'yuv420p',
  audioCodec: 'aac',
  audioProfile: 'LC',
  audioSampleRate: 48_000,
  audioChannels: 2,
  durationMs: 120_000,
  frameRate: 30,
  bitRate: 33_000_000,
};
const store = (file: string) =>
  storeMedia(app.db, { workspaceId, filename: file, postId }, createReadStream(file), { quotaBytes: 1e11 }, async () => ({
    contentType: 'video/mp4',
    width: 1280,
    height: 720,
    animated: false,
    video: FACTS,
  }));

/** The same video read from its file on disk: what the adapter would send without the store. */
function fromFile(media: MediaRow, file: string): VideoSource {
  const stored = videoSourceOf(app.db, media);
  return { ...stored, read: (range) => createReadStream(file, { start: range?.start ?? 0, ...(range ? { end: range.end } : {}) }) };
}

/** A plain static server for the file on disk (the pull's baseline). */
const plain = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': String(plainBytes) });
  void pipeline(createReadStream(plainFile), res).catch(() => undefined);
});
let plainFile = warmFile;
let plainBytes = 0;
await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
const plainUrl = `http://127.0.0.1:${(plain.address() as AddressInfo).port}/video.mp4`;

const adapter = createXAdapter({ baseUrl: xUrl, timeoutMs: 300_000, videoWait: { firstMs: 50, maxMs: 50, budgetMs: 300_000 } });
const credentials = { accessToken: xToken, accountId: xUserId };
let uploads = 0;
async function uploadToX(file: VideoSource): Promise<void> {
  uploads += 1;
  let checkpoint: Record<string, unknown> | undefined;
  const req: PublishRequest = {
    deliveryId: `bench-video-${uploads}`,
    // X refuses a post with the text of an earlier one.
    parts: [`Bench video ${uploads}`],
    media: [],
    video: {
      file,
      checkpoint: {
        load: async () => checkpoint,
        save: async (state) => {
          checkpoint = state;
        },
      },
    },
    publishedParts: [],
    onPartPublished: async () => undefined,
    signal: new AbortController().signal,
  };
  await adapter.publish(req, credentials);
}

const send = (message: unknown) => new Promise<void>((resolve) => process.send!(message, () => resolve()));
/** The parent pulls `url` as Instagram's servers do and answers with how long it took. */
async function pull(url: string): Promise<number> {
  const answered = new Promise<{ ms: number; ok: boolean }>((resolve) => process.once('message', (m) => resolve(m as { ms: number; ok: boolean })));
  await send({ kind: 'pull', url });
  const { ms, ok } = await answered;
  if (!ok) throw new Error(`the pull of ${url} failed`);
  return ms;
}

const memory = rssPeak();
/** Runs one phase: its peak resident memory over the collected baseline at its start, and its own timing (ms). */
async function phase(run: () => Promise<number | undefined>): Promise<{ growth: number; ms: number }> {
  const base = (await memory.settle()).rss;
  const started = performance.now();
  const timed = await run();
  const ms = typeof timed === 'number' ? timed : performance.now() - started;
  memory.sample();
  return { growth: memory.peak - base, ms };
}

const storeStarted = performance.now();
const warm = await store(warmFile);
const big = await store(bigFile);
const storeMs = performance.now() - storeStarted;
const signed = (media: MediaRow) => signMediaUrl(app.url, media.id, SECRET, new Date());

// Warm-up: the small video through every path loads the code and opens the pool's connections.
plainBytes = Number(warm.bytes);
await uploadToX(videoSourceOf(app.db, warm));
await uploadToX(fromFile(warm, warmFile));
await pull(signed(warm));
await pull(plainUrl);

plainFile = bigFile;
plainBytes = Number(big.bytes);
const xFile = await phase(async () => void (await uploadToX(fromFile(big, bigFile))));
await send({ kind: 'phase-done' });
const xStore = await phase(async () => void (await uploadToX(videoSourceOf(app.db, big))));
await send({ kind: 'phase-done' });
const pullFile = await phase(() => pull(plainUrl));
const pullStore = await phase(() => pull(signed(big)));
memory.stop();
await send({ kind: 'result', bytes: Number(big.bytes), storeMs, xFile, xStore, pullFile, pullStore });
plain.close();
await app.stop();
process.exit(0);
