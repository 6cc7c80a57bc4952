import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import type { UploadCheckpoint, VideoSource } from '../../src/networks/adapter.ts';
import { findOrCreateWorkspace } from '../../src/db/workspaces.ts';
import { storeFile } from '../../src/workflow/media-intake.ts';
import { videoSourceOf } from '../../src/workflow/video-source.ts';
import { insertBarePost, type TestDatabase } from './db.ts';
import { inPieces } from './images.ts';
import { makeVideo, type VideoSpec } from './videos.ts';

/** A real video made by ffmpeg, stored in the test database's media store, as the adapters get it. */
export async function storedVideo(
  testDb: TestDatabase,
  spec: VideoSpec & { alt?: string } = {},
): Promise<{ source: VideoSource; bytes: Buffer; mediaId: string }> {
  const ws = await findOrCreateWorkspace(testDb.db, 'slack', `T${Math.random().toString(36).slice(2)}`);
  const post = await insertBarePost(testDb.db, ws.id, 'scheduled');
  const bytes = await makeVideo(spec);
  const stored = await storeFile(
    { db: testDb.db, media: { quotaBytes: 1e9, maxFileBytes: 100e6 } },
    { workspaceId: ws.id, filename: `clip.${spec.format ?? 'mp4'}`, alt: spec.alt ?? null, postId: post.id, position: 0 },
    inPieces(bytes),
  );
  if (!stored.ok) throw new Error(stored.message);
  return { source: videoSourceOf(testDb.db, stored.media), bytes, mediaId: stored.media.id };
}

/** A checkpoint kept in memory, with every state saved (a test reads how far an upload got). */
export function memoryCheckpoint(initial?: Record<string, unknown>): UploadCheckpoint & { state: Record<string, unknown> | undefined; saves: number } {
  const cp = {
    state: initial,
    saves: 0,
    load: async () => (cp.state ? structuredClone(cp.state) : undefined),
    save: async (state: Record<string, unknown> | undefined) => {
      cp.saves += 1;
      cp.state = state ? structuredClone(state) : undefined;
    },
  };
  return cp;
}

/**
 * The stored video on a plain local HTTP server, as a pull network fetches it (the service's own signed
 * /media route is exercised end to end in test/e2e/stored-video.test.ts). Counts the fetches.
 */
export async function serveVideo(source: VideoSource): Promise<{ url: string; fetches: () => number; stop: () => Promise<void> }> {
  let fetches = 0;
  const server = createServer((_req, res) => {
    fetches += 1;
    res.writeHead(200, { 'content-type': source.contentType, 'content-length': String(source.bytes) });
    Readable.from(source.read()).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/media/${source.mediaId}`,
    fetches: () => fetches,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
