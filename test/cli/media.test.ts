import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findMedia, storeMedia } from '../../src/db/media-store.ts';
import { findOrCreateWorkspace } from '../../src/db/workspaces.ts';
import { probeImage } from '../../src/media/image-probe.ts';
import { createTestDatabase, insertBarePost, type TestDatabase } from '../helpers/db.ts';
import { inPieces, pngOf } from '../helpers/images.ts';
import { runCli, testKeys } from './run-cli.ts';

/** `greenlight media list|prune` as an operator runs them, on a database with stored files. */
let testDb: TestDatabase;
let env: Record<string, string>;
const ids: Record<string, string> = {};

beforeAll(async () => {
  testDb = await createTestDatabase();
  env = { DATABASE_URL: testDb.url, ...testKeys().env };
  const ws = await findOrCreateWorkspace(testDb.db, 'slack', 'T0CLIMEDIA');
  const post = (state: 'published' | 'scheduled') => insertBarePost(testDb.db, ws.id, state);
  const published = await post('published');
  const scheduled = await post('scheduled');
  await testDb.db
    .updateTable('posts')
    .set({ updated_at: new Date(Date.now() - 40 * 86_400_000) })
    .where('id', '=', published.id)
    .execute();
  const png = await pngOf(1200, 630, 5);
  for (const [name, postId, alt] of [
    ['launch-banner.png', published.id, 'Our new app on a phone'],
    ['team-photo.png', scheduled.id, null],
  ] as const) {
    const media = await storeMedia(testDb.db, { workspaceId: ws.id, filename: name, postId, alt }, inPieces(png), { quotaBytes: 1e9 }, (head, bytes, read) =>
      probeImage(name, head, bytes, read),
    );
    ids[name] = media.id;
  }
});
afterAll(async () => {
  await testDb?.drop();
});

describe('greenlight media', () => {
  it("list shows each file with its size, pixels, alt text and its post's state", async () => {
    const run = await runCli(['media', 'list', '--workspace', 'T0CLIMEDIA'], env);
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')[0]).toMatch(/^ID\s+FILE\s+TYPE\s+SIZE\s+PIXELS\s+STATE\s+POST\s+POST STATE\s+STORED\s+ALT$/);
    expect(run.stdout).toMatch(/team-photo\.png\s+image\/png\s+\d\.\d MB\s+1200x630\s+ready\s+\S+\s+scheduled\s+.*no alt text/);
    expect(run.stdout).toMatch(/launch-banner\.png .*published .*Our new app on a phone/);
    const json = JSON.parse((await runCli(['media', 'list', '--json'], env)).stdout) as { filename: string }[];
    expect(json.map((m) => m.filename).sort()).toEqual(['launch-banner.png', 'team-photo.png']);
  });

  it('prune --dry-run names what would go and removes nothing; prune removes it', async () => {
    const dry = await runCli(['media', 'prune', '--dry-run'], env);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(new RegExp(`^${ids['launch-banner.png']}  launch-banner\\.png  \\d\\.\\d MB  post published, canceled or rejected$`, 'm'));
    expect(dry.stdout).toMatch(/^media: would remove 1 file, \d\.\d MB$/m);
    expect(await findMedia(testDb.db, ids['launch-banner.png']!)).toBeDefined();

    const real = await runCli(['media', 'prune'], env);
    expect(real.stdout).toMatch(/^media: removed 1 file, \d\.\d MB$/m);
    expect(await findMedia(testDb.db, ids['launch-banner.png']!)).toBeUndefined();
    expect(await findMedia(testDb.db, ids['team-photo.png']!)).toBeDefined();
    expect((await runCli(['media', 'prune'], env)).stdout).toBe('media: nothing to remove (files of published, canceled or rejected posts go after 30 days)\n');
  });

  it('says how to use it when asked wrongly', async () => {
    const run = await runCli(['media', 'delete'], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('unknown media command "delete"; media list | prune');
  });
});
