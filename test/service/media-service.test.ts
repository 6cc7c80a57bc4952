import { sql } from 'kysely';
import { PgBoss } from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGreenlight, type Greenlight } from '../../src/service/start-service.ts';
import { loadConfig } from '../../src/config/load.ts';
import { signMediaUrl } from '../../src/crypto/media-url.ts';
import { findMedia, storeMedia } from '../../src/db/media-store.ts';
import { findOrCreateWorkspace } from '../../src/db/workspaces.ts';
import { createLogger } from '../../src/log.ts';
import { mediaService } from '../../src/service/media-service.ts';
import { probeImage } from '../../src/media/image-probe.ts';
import { QUEUES } from '../../src/queue/queue.ts';
import { createTestDatabase, insertBarePost, type TestDatabase } from '../helpers/db.ts';
import { inPieces, jpegOf } from '../helpers/images.ts';

/** The media part of the service: its route answers on the service's own HTTP server, and its retention job runs from the queue. */
const SECRET = 'm'.repeat(48);
let testDb: TestDatabase;
let app: Greenlight;

beforeAll(async () => {
  testDb = await createTestDatabase();
  const config = loadConfig({
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    DATABASE_URL: testDb.url,
    STATE_SECRET: SECRET,
    LOG_LEVEL: 'silent',
    QUEUE_POLL_SECONDS: '0.5',
    MEDIA_RETENTION_DAYS: '7',
  });
  app = await startGreenlight({ config, log: createLogger({ level: 'silent' }), extensions: [mediaService(config)] });
});
afterAll(async () => {
  await app?.stop();
  await testDb?.drop();
});

async function stored(state: 'scheduled' | 'published') {
  const ws = await findOrCreateWorkspace(app.db, 'discord', `G${Math.random().toString(36).slice(2)}`);
  const post = await insertBarePost(app.db, ws.id, state);
  const jpeg = await jpegOf(1080, 1350);
  const media = await storeMedia(
    app.db,
    { workspaceId: ws.id, filename: 'portrait.jpg', postId: post.id },
    inPieces(jpeg),
    { quotaBytes: 1e9 },
    (head, bytes, read) => probeImage('portrait.jpg', head, bytes, read),
  );
  return { post, media, jpeg };
}

describe('media settings', () => {
  it('default to 2048 MB per workspace, 100 MB per file, 30 days and videos sent at 16 MB/s, and refuse nonsense by name', () => {
    expect(loadConfig({}).media).toEqual({
      quotaBytes: 2_048_000_000,
      maxFileBytes: 100_000_000,
      retentionDays: 30,
      store: { kind: 'postgres' },
      videoSendBytesPerSecond: 16_000_000,
    });
    expect(loadConfig({ MEDIA_QUOTA_MB: '10000', MEDIA_MAX_FILE_MB: '50', MEDIA_RETENTION_DAYS: '90', VIDEO_SEND_MB_PER_S: '40' }).media).toEqual({
      quotaBytes: 10_000_000_000,
      maxFileBytes: 50_000_000,
      retentionDays: 90,
      store: { kind: 'postgres' },
      videoSendBytesPerSecond: 40_000_000,
    });
    expect(() => loadConfig({ MEDIA_RETENTION_DAYS: '0' })).toThrow(/MEDIA_RETENTION_DAYS/);
    expect(() => loadConfig({ VIDEO_SEND_MB_PER_S: '0' })).toThrow(/VIDEO_SEND_MB_PER_S/);
    expect(() => loadConfig({ MEDIA_QUOTA_MB: 'lots' })).toThrow(/MEDIA_QUOTA_MB/);
  });
});

describe('the media service', () => {
  it("serves a signed media URL on the service's HTTP server and refuses an unsigned one", async () => {
    const { media, jpeg } = await stored('scheduled');
    const res = await fetch(signMediaUrl(app.url, media.id, SECRET, new Date()));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await res.arrayBuffer()).equals(jpeg)).toBe(true);
    expect((await fetch(`${app.url}/media/${media.id}`)).status).toBe(403);
  });

  it('runs the retention job from its queue, with MEDIA_RETENTION_DAYS', async () => {
    const old = await stored('published');
    const recent = await stored('published');
    await sql`UPDATE posts SET updated_at = now() - interval '8 days' WHERE id = ${old.post.id}`.execute(app.db);
    await sql`UPDATE posts SET updated_at = now() - interval '6 days' WHERE id = ${recent.post.id}`.execute(app.db);
    // What pg-boss's daily schedule sends at 03:43 UTC, sent now.
    const boss = new PgBoss({ connectionString: testDb.url, schedule: false, supervise: false });
    await boss.start();
    try {
      await boss.send(QUEUES.mediaRetention, {});
    } finally {
      await boss.stop({ graceful: false });
    }
    const deadline = Date.now() + 15_000;
    while ((await findMedia(app.db, old.media.id)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(await findMedia(app.db, old.media.id)).toBeUndefined();
    expect(await findMedia(app.db, recent.media.id)).toBeDefined();
  });

  it('schedules the retention job daily', async () => {
    const rows = await sql<{ name: string; cron: string }>`SELECT name, cron FROM pgboss.schedule WHERE name = ${QUEUES.mediaRetention}`.execute(app.db);
    expect(rows.rows).toEqual([{ name: 'media-retention', cron: '43 3 * * *' }]);
  });
});
