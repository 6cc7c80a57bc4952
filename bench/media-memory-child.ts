import { createReadStream } from 'node:fs';
import { startGreenlight } from '../src/service/start-service.ts';
import { loadConfig } from '../src/config/load.ts';
import { signMediaUrl } from '../src/crypto/media-url.ts';
import { mediaBytesFor } from '../src/db/media-bytes-s3.ts';
import { storeMedia } from '../src/db/media-store.ts';
import { insertPost } from '../src/db/posts.ts';
import { findOrCreateWorkspace } from '../src/db/workspaces.ts';
import { createLogger } from '../src/log.ts';
import { mediaService } from '../src/service/media-service.ts';
import { probeImage } from '../src/media/image-probe.ts';

/**
 * The process measured by bench/media-memory.ts: a Greenlight with its media route, which stores the
 * files it is given (streamed from disk, probed with sharp) and serves them while the parent
 * downloads them. It samples its own resident memory every 20 ms and reports baseline and peaks.
 */
const SECRET = 'b'.repeat(40);
const [databaseUrl, ...files] = process.argv.slice(2);
const config = loadConfig({
  NODE_ENV: 'test',
  HOST: '127.0.0.1',
  PORT: '0',
  LOG_LEVEL: 'error',
  DATABASE_URL: databaseUrl,
  STATE_SECRET: SECRET,
  GREENLIGHT_DATA_DIR: '.greenlight/bench',
  // Set by bench/media-memory.ts for MEDIA_STORE=s3 (s3rver's fixed test keys).
  ...(process.env.BENCH_S3_ENDPOINT
    ? {
        MEDIA_STORE: 's3',
        S3_BUCKET: 'greenlight-bench',
        S3_ENDPOINT: process.env.BENCH_S3_ENDPOINT,
        S3_ACCESS_KEY_ID: 'S3RVER',
        S3_SECRET_ACCESS_KEY: 'S3RVER',
      }
    : {}),
});
const app = await startGreenlight({ config, log: createLogger({ level: 'error' }), extensions: [mediaService(config, { workers: false })] });
const ws = await findOrCreateWorkspace(app.db, 'slack', 'TBENCHMEDIA');
const post = await insertPost(app.db, {
  workspaceId: ws.id,
  authorId: 'U1',
  state: 'scheduled',
  text: 'Bench',
  note: null,
  originChannelId: 'C1',
  publishAt: new Date(Date.now() + 3600_000),
  zone: 'UTC',
  contentHash: 'h',
  accountIds: [],
  variants: {},
  media: [],
});
const at = { db: app.db, mediaBytes: mediaBytesFor(config.media.store) };
const store = (file: string) =>
  storeMedia(at, { workspaceId: ws.id, filename: file, postId: post.id }, createReadStream(file), { quotaBytes: 1e10 }, (head, bytes, read) =>
    probeImage(file, head, bytes, read),
  );

let peak = 0;
const sample = () => (peak = Math.max(peak, process.memoryUsage.rss()));
const sampler = setInterval(sample, 20);
const send = (message: unknown) => new Promise<void>((resolve) => process.send!(message, () => resolve()));
const next = () => new Promise<string>((resolve) => process.once('message', (m) => resolve(String(m))));

// Warm-up: one file through both paths loads sharp, the pool's connections and the route's code.
const warm = await store(files[0]!);
await send({ kind: 'urls', urls: [signMediaUrl(app.url, warm.id, SECRET, new Date())] });
await next();
globalThis.gc?.();
await new Promise((r) => setTimeout(r, 200));
const baseline = process.memoryUsage.rss();
peak = baseline;

const started = performance.now();
const ids: string[] = [];
for (const file of files) ids.push((await store(file)).id);
const storeMs = performance.now() - started;
const storePeak = peak;
peak = process.memoryUsage.rss();
await send({ kind: 'urls', urls: ids.map((id) => signMediaUrl(app.url, id, SECRET, new Date())) });
await next();
sample();
clearInterval(sampler);
await send({ kind: 'result', baseline, storePeak, servePeak: peak, storeMs });
await app.stop();
process.exit(0);
