import { createReadStream } from 'node:fs';
import { signMediaUrl } from '../src/crypto/media-url.ts';
import { mediaBytesFor } from '../src/db/media-bytes-s3.ts';
import { storeMedia } from '../src/db/media-store.ts';
import { probeImage } from '../src/media/image-probe.ts';
import { startMediaChild } from './media-child.ts';
import { rssPeak } from './rss-peak.ts';

/**
 * The process measured by bench/media-memory.ts: a Greenlight with its media route, which stores the
 * files it is given (streamed from disk, probed with sharp) and serves them while the parent
 * downloads them. It samples its own resident memory every 20 ms and reports baseline and peaks.
 */
const SECRET = 'b'.repeat(40);
const [databaseUrl, ...files] = process.argv.slice(2);
const { app, config, workspaceId, postId } = await startMediaChild({
  databaseUrl: databaseUrl!,
  team: 'TBENCHMEDIA',
  secret: SECRET,
  // Set by bench/media-memory.ts for MEDIA_STORE=s3 (s3rver's fixed test keys).
  env: process.env.BENCH_S3_ENDPOINT
    ? {
        MEDIA_STORE: 's3',
        S3_BUCKET: 'greenlight-bench',
        S3_ENDPOINT: process.env.BENCH_S3_ENDPOINT,
        S3_ACCESS_KEY_ID: 'S3RVER',
        S3_SECRET_ACCESS_KEY: 'S3RVER',
      }
    : {},
  postState: 'scheduled',
});
const at = { db: app.db, mediaBytes: mediaBytesFor(config.media.store) };
const store = (file: string) =>
  storeMedia(at, { workspaceId, filename: file, postId }, createReadStream(file), { quotaBytes: 1e10 }, (head, bytes, read) =>
    probeImage(file, head, bytes, read),
  );

const memory = rssPeak();
const send = (message: unknown) => new Promise<void>((resolve) => process.send!(message, () => resolve()));
const next = () => new Promise<string>((resolve) => process.once('message', (m) => resolve(String(m))));

// Warm-up: one file through both paths loads sharp, the pool's connections and the route's code.
const warm = await store(files[0]!);
await send({ kind: 'urls', urls: [signMediaUrl(app.url, warm.id, SECRET, new Date())] });
await next();
const baseline = (await memory.settle()).rss;

const started = performance.now();
const ids: string[] = [];
for (const file of files) ids.push((await store(file)).id);
const storeMs = performance.now() - started;
const storePeak = memory.peak;
memory.restart();
await send({ kind: 'urls', urls: ids.map((id) => signMediaUrl(app.url, id, SECRET, new Date())) });
await next();
memory.sample();
memory.stop();
await send({ kind: 'result', baseline, storePeak, servePeak: memory.peak, storeMs });
await app.stop();
process.exit(0);
