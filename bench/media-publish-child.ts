import { createReadStream } from 'node:fs';
import { sql } from 'kysely';
import type { Db } from '../src/db/database.ts';
import { MEDIA_CHUNK_BYTES, readMedia, storeMedia, type MediaRow } from '../src/db/media-store.ts';
import { probeImage } from '../src/media/image-probe.ts';
import type { MediaItem, PublishRequest } from '../src/networks/adapter.ts';
import { createXAdapter } from '../src/networks/x.ts';
import { startMediaChild } from './media-child.ts';
import { rssPeak } from './rss-peak.ts';

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
// Migrates the fresh database; no workers, no chat: the process is the store and the adapter.
const { app, workspaceId, postId } = await startMediaChild({ databaseUrl: databaseUrl!, team: 'TBENCHPUBLISH', postState: 'publishing' });
const db = app.db;
const stored: MediaRow[] = [];
for (const file of files) {
  stored.push(
    await storeMedia(db, { workspaceId, filename: file, postId }, createReadStream(file), { quotaBytes: 1e10 }, (head, bytes, read) =>
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

/** With what V8 accounts for at the RSS peak: JS heap and Buffers (the rest is the allocator's and the runtime's). */
const memory = rssPeak({ detail: true });

// Warm-up: one post loads the adapter's code and opens the pool's connections.
await Promise.all([0, 1, 2].map((i) => adapter.publish(request(i), credentials)));
const base = await memory.settle();
const started = performance.now();
await Promise.all(Array.from({ length: posts }, (_, i) => adapter.publish(request(i), credentials)));
const publishMs = performance.now() - started;
memory.sample();
memory.stop();
await app.stop();
const atPeak = memory.atPeak;
process.send!(
  {
    kind: 'result',
    baseline: base.rss,
    peak: memory.peak,
    publishMs,
    buffersGrowth: atPeak.arrayBuffers - base.arrayBuffers,
    heapGrowth: atPeak.heapUsed - base.heapUsed,
  },
  () => process.exit(0),
);
