import { createReadStream } from 'node:fs';
import { loadConfig } from '../src/config/load.ts';
import { startGreenlight } from '../src/service/start-service.ts';
import { createLogger } from '../src/log.ts';
import { sql } from 'kysely';
import type { Db } from '../src/db/database.ts';
import { MEDIA_CHUNK_BYTES, readMedia, storeMedia, type MediaRow } from '../src/db/media-store.ts';
import { insertPost } from '../src/db/posts.ts';
import { findOrCreateWorkspace } from '../src/db/workspaces.ts';
import { probeImage } from '../src/media/image-probe.ts';
import type { MediaItem, PublishRequest } from '../src/networks/adapter.ts';
import { createXAdapter } from '../src/networks/x.ts';

/**
 * The process measured by bench/media-publish.ts: the media store and the X adapter as a publishing
 * worker uses them (DATABASE_POOL_SIZE's default of 10 connections). It stores the files it is given,
 * then publishes `posts` posts of one stored image each, all at once, to the parent's X-shaped sink,
 * sampling its own resident memory every 20 ms.
 */
const [databaseUrl, sinkUrl, postsArg, readArg, ...files] = process.argv.slice(2);
/** `store`: the media store's reads (binary COPY); `hex`: the plain query they replaced, kept here as the baseline. */
const readWith = readArg === 'hex' ? readMediaAsHex : readMedia;
const posts = Number(postsArg);
const config = loadConfig({
  NODE_ENV: 'test',
  HOST: '127.0.0.1',
  PORT: '0',
  LOG_LEVEL: 'error',
  DATABASE_URL: databaseUrl,
  GREENLIGHT_DATA_DIR: '.greenlight/bench',
});
// Migrates the fresh database; no workers, no chat: the process is the store and the adapter.
const app = await startGreenlight({ config, log: createLogger({ level: 'error' }), extensions: [] });
const db = app.db;
const ws = await findOrCreateWorkspace(db, 'slack', 'TBENCHPUBLISH');
const post = await insertPost(db, {
  workspaceId: ws.id,
  authorId: 'U1',
  state: 'publishing',
  text: 'Bench',
  note: null,
  originChannelId: 'C1',
  publishAt: new Date(),
  zone: 'UTC',
  contentHash: 'h',
  accountIds: [],
  variants: {},
  media: [],
});
const stored: MediaRow[] = [];
for (const file of files) {
  stored.push(
    await storeMedia(db, { workspaceId: ws.id, filename: file, postId: post.id }, createReadStream(file), { quotaBytes: 1e10 }, (head, bytes, read) =>
      probeImage(file, head, bytes, read),
    ),
  );
}
const adapter = createXAdapter({ baseUrl: sinkUrl!, timeoutMs: 120_000 });
const credentials = { accessToken: 'bench-token', accountId: '1' };

function item(media: MediaRow): MediaItem {
  const bytes = Number(media.bytes);
  return {
    url: '',
    alt: 'A bench photo',
    stored: {
      id: media.id,
      filename: media.filename,
      contentType: media.content_type,
      bytes,
      width: media.width,
      height: media.height,
      animated: media.animated,
      read: () => readWith(db, { id: media.id, bytes }),
    },
  };
}

function request(i: number): PublishRequest {
  return {
    deliveryId: `bench-${i}`,
    parts: [`Bench post ${i}`],
    media: [item(stored[i % stored.length]!)],
    publishedParts: [],
    onPartPublished: async () => undefined,
    signal: new AbortController().signal,
  };
}

/**
 * The media store's read before binary COPY (the baseline): one query per 256 KiB chunk, bytea in
 * 32 KiB slices that node-postgres brings as hex text and decodes.
 */
async function* readMediaAsHex(db: Db, media: { id: string; bytes: number }): AsyncGenerator<Buffer> {
  const slice = 32 * 1024;
  for (let seq = 0; seq * MEDIA_CHUNK_BYTES < media.bytes; seq++) {
    const to = Math.min(MEDIA_CHUNK_BYTES, media.bytes - seq * MEDIA_CHUNK_BYTES);
    const { rows } = await sql<{ data: Buffer }>`
      SELECT substring(c.data FROM s FOR least(${slice}::int, ${to + 1}::int - s)) AS data
      FROM media_chunks c, generate_series(1, ${to}::int, ${slice}::int) AS s
      WHERE c.media_id = ${media.id} AND c.seq = ${seq}
      ORDER BY s`.execute(db);
    for (const row of rows) yield row.data;
  }
}

let peak = 0;
/** What V8 accounts for at the RSS peak: JS heap and Buffers (the rest is the allocator's and the runtime's). */
let detail = { heap: 0, external: 0, arrayBuffers: 0 };
const sample = () => {
  const m = process.memoryUsage();
  if (m.rss > peak) detail = { heap: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers };
  peak = Math.max(peak, m.rss);
};
const sampler = setInterval(sample, 20);

// Warm-up: one post loads the adapter's code and opens the pool's connections.
await Promise.all([0, 1, 2].map((i) => adapter.publish(request(i), credentials)));
globalThis.gc?.();
await new Promise((r) => setTimeout(r, 200));
const baseline = process.memoryUsage.rss();
const base = process.memoryUsage();
peak = baseline;
const started = performance.now();
await Promise.all(Array.from({ length: posts }, (_, i) => adapter.publish(request(i), credentials)));
const publishMs = performance.now() - started;
sample();
clearInterval(sampler);
await app.stop();
process.send!(
  { kind: 'result', baseline, peak, publishMs, buffersGrowth: detail.arrayBuffers - base.arrayBuffers, heapGrowth: detail.heap - base.heapUsed },
  () => process.exit(0),
);
