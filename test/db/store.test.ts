import { sql } from 'kysely';
import { NO_MIGRATIONS } from 'kysely/migration';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimDeliveries, claimDelivery } from '../../src/db/claim.ts';
import { deleteDraft, findDraft, insertDraft, saveDraftInput } from '../../src/db/compose-drafts.ts';
import { findDeliveryRows } from '../../src/db/delivery-context.ts';
import { holdDeliveries, insertDeliveries, transitionDelivery } from '../../src/db/deliveries.ts';
import { appendEvent } from '../../src/db/events.ts';
import { createMigrator } from '../../src/db/migrate.ts';
import { insertPost, lockPosts, transitionPost } from '../../src/db/posts.ts';
import { inTransaction } from '../../src/db/transaction.ts';
import { findOrCreateWorkspace, firstSighting } from '../../src/db/workspaces.ts';
import { createDb, runPrepared } from '../../src/db/database.ts';
import { createLogger } from '../../src/log.ts';
import { createQueue, publishQueue, type Queue } from '../../src/queue/queue.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

let testDb: TestDatabase;
let queue: Queue;

beforeAll(async () => {
  testDb = await createTestDatabase();
  queue = createQueue({ url: testDb.url, log: createLogger({ level: 'silent' }), poolSize: 3 });
  await queue.start();
});
afterAll(async () => {
  await queue.stop({ graceful: false });
  await testDb.drop();
});

async function seedPost(state: 'in_review' | 'scheduled' = 'in_review') {
  const { db } = testDb;
  const workspace = await findOrCreateWorkspace(db, 'slack', `T${Math.random().toString(36).slice(2)}`);
  const account = await db
    .insertInto('social_accounts')
    .values({ workspace_id: workspace.id, network: 'mastodon', external_account_id: '1', display_name: '@team', credentials: 'v1.x', connected_by: 'U1' })
    .returningAll()
    .executeTakeFirstOrThrow();
  const post = await insertPost(db, {
    workspaceId: workspace.id,
    authorId: 'U1',
    state,
    text: 'Hello',
    note: null,
    originChannelId: 'C1',
    publishAt: new Date(Date.now() + 3600_000),
    zone: 'Europe/Berlin',
    contentHash: 'h1',
    accountIds: [account.id],
    variants: { mastodon: 'Hello Mastodon' },
    media: [{ url: 'https://example.com/a.png' }],
  });
  return { workspace, account, post };
}

describe('migrations', () => {
  it('apply from an empty database and roll back to empty', async () => {
    const scratch = await createTestDatabase();
    try {
      // The template is already migrated: go all the way down, check it is empty, and up again.
      const migrator = createMigrator(scratch.db);
      const down = await migrator.migrateTo(NO_MIGRATIONS);
      expect(down.error).toBeUndefined();
      const tablesAfterDown = await sql<{
        n: number;
      }>`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public' AND table_name NOT LIKE 'kysely_%'`.execute(scratch.db);
      expect(tablesAfterDown.rows[0]!.n).toBe(0);
      const up = await migrator.migrateToLatest();
      expect(up.error).toBeUndefined();
      expect(up.results?.every((r) => r.status === 'Success')).toBe(true);
      const tables = await sql<{ table_name: string }>`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`.execute(
        scratch.db,
      );
      expect(tables.rows.map((r) => r.table_name)).toEqual(
        expect.arrayContaining(['workspaces', 'posts', 'deliveries', 'delivery_parts', 'events', 'oauth_states', 'chat_messages', 'decisions']),
      );
    } finally {
      await scratch.drop();
    }
  });

  it('refuses a state outside the domain states (check constraint)', async () => {
    const { post } = await seedPost();
    await expect(sql`UPDATE posts SET state = 'nonsense' WHERE id = ${post.id}`.execute(testDb.db)).rejects.toThrow(/check constraint/);
  });

  it('keeps the event log append-only', async () => {
    const { workspace, post } = await seedPost();
    const id = await appendEvent(testDb.db, { workspaceId: workspace.id, postId: post.id, kind: 'submitted' });
    await expect(sql`UPDATE events SET kind = 'edited' WHERE id = ${id}`.execute(testDb.db)).rejects.toThrow(/append-only/);
  });
});

describe('guarded state changes', () => {
  it('let exactly one of two concurrent connections approve a post', async () => {
    const { post } = await seedPost('in_review');
    const a = createDb({ url: testDb.url, poolSize: 1 }).db;
    const b = createDb({ url: testDb.url, poolSize: 1 }).db;
    try {
      const results = await Promise.all([a, b].map((conn) => inTransaction(conn, (tx) => transitionPost(tx, post.id, 'approved'))));
      expect(results.filter(Boolean)).toHaveLength(1);
      const after = await testDb.db.selectFrom('posts').select('state').where('id', '=', post.id).executeTakeFirstOrThrow();
      expect(after.state).toBe('approved');
    } finally {
      await a.destroy();
      await b.destroy();
    }
  });

  it('refuse an illegal transition (rejected cannot become approved)', async () => {
    const { post } = await seedPost('in_review');
    expect(await transitionPost(testDb.db, post.id, 'rejected')).toBeDefined();
    expect(await transitionPost(testDb.db, post.id, 'approved')).toBeUndefined();
  });

  it('let exactly one of many workers claim a due delivery', async () => {
    const { post, account } = await seedPost('scheduled');
    const [delivery] = await insertDeliveries(testDb.db, post.id, [{ accountId: account.id, network: 'mastodon' }], new Date(Date.now() - 1000));
    const workers = Array.from({ length: 4 }, () => createDb({ url: testDb.url, poolSize: 1 }).db);
    try {
      const claims = await Promise.all(workers.map((w) => claimDelivery(w, delivery!.id, new Date())));
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect(claims.find(Boolean)!.attempts).toBe(1);
    } finally {
      await Promise.all(workers.map((w) => w.destroy()));
    }
  });

  it('do not claim a delivery before it is due', async () => {
    const { post, account } = await seedPost('scheduled');
    const [delivery] = await insertDeliveries(testDb.db, post.id, [{ accountId: account.id, network: 'mastodon' }], new Date(Date.now() + 60_000));
    expect(await claimDelivery(testDb.db, delivery!.id, new Date())).toBeUndefined();
    expect(await transitionDelivery(testDb.db, delivery!.id, 'published')).toBeUndefined();
  });

  it('claim a batch without waiting on a row someone else holds, and move each post to publishing', async () => {
    const a = await seedPost('scheduled');
    const b = await seedPost('scheduled');
    const [da] = await insertDeliveries(testDb.db, a.post.id, [{ accountId: a.account.id, network: 'mastodon' }], new Date(Date.now() - 1000));
    const [db] = await insertDeliveries(testDb.db, b.post.id, [{ accountId: b.account.id, network: 'mastodon' }], new Date(Date.now() - 1000));
    const other = createDb({ url: testDb.url, poolSize: 1 }).db;
    try {
      await other.transaction().execute(async (holder) => {
        await holder.selectFrom('deliveries').select('id').where('id', '=', db!.id).forUpdate().execute();
        const claimed = await claimDeliveries(testDb.db, [da!.id, db!.id], new Date(), { skipLocked: true });
        expect(claimed.map((c) => c.id)).toEqual([da!.id]);
        expect(claimed[0]!.parts).toEqual([]);
      });
      expect((await testDb.db.selectFrom('posts').select('state').where('id', '=', a.post.id).executeTakeFirstOrThrow()).state).toBe('publishing');
      expect((await testDb.db.selectFrom('posts').select('state').where('id', '=', b.post.id).executeTakeFirstOrThrow()).state).toBe('scheduled');
      expect((await claimDelivery(testDb.db, db!.id, new Date()))?.attempts).toBe(1);
    } finally {
      await other.destroy();
    }
  });

  it('read a delivery with its post, account, workspace, variants and media in one statement, timestamps as Dates', async () => {
    const { post, account } = await seedPost('scheduled');
    const [delivery] = await insertDeliveries(testDb.db, post.id, [{ accountId: account.id, network: 'mastodon' }], new Date('2030-01-02T03:04:05.678Z'));
    const [rows] = await findDeliveryRows(testDb.db, [delivery!.id]);
    expect(rows!.delivery).toEqual(delivery);
    expect(rows!.post).toEqual(await testDb.db.selectFrom('posts').selectAll().where('id', '=', post.id).executeTakeFirstOrThrow());
    expect(rows!.account).toEqual(account);
    expect(rows!.workspace.id).toBe(post.workspace_id);
    expect(rows!.variants).toEqual({ mastodon: 'Hello Mastodon' });
    expect(rows!.media).toEqual([{ url: 'https://example.com/a.png', alt: null }]);
  });

  it('run the batch read and the batch claim as prepared statements, also inside a transaction, with the same answers', async () => {
    const { post, account } = await seedPost('scheduled');
    const [delivery] = await insertDeliveries(testDb.db, post.id, [{ accountId: account.id, network: 'mastodon' }], new Date(Date.now() - 1000));
    // One connection, so the prepared statements it lists are the ones these calls made.
    const one = createDb({ url: testDb.url, poolSize: 1 }).db;
    try {
      const first = await findDeliveryRows(one, [delivery!.id]);
      const again = await findDeliveryRows(one, [delivery!.id]);
      expect(again).toEqual(first);
      const claimed = await inTransaction(one, async (tx) => {
        await lockPosts(tx, [post.id]);
        return claimDeliveries(tx, [delivery!.id], new Date(), { skipLocked: true });
      });
      expect(claimed.map((c) => c.id)).toEqual([delivery!.id]);
      const { rows } = await sql<{ name: string; statement: string }>`SELECT name, statement FROM pg_prepared_statements`.execute(one);
      const named = (fragment: string) => rows.filter((r) => r.name.startsWith('gl_') && r.statement.includes(fragment));
      expect(named('to_jsonb(d) AS delivery')).toHaveLength(1);
      expect(named('"candidate"')).toHaveLength(1);
      expect(named('from "posts"')).toHaveLength(1);
    } finally {
      await one.destroy();
    }
  });

  it('run a prepared text unnamed once a migration changed the columns it returns (a newer replica migrated)', async () => {
    const one = createDb({ url: testDb.url, poolSize: 1 }).db;
    try {
      await sql`CREATE TABLE prepared_probe (id int)`.execute(one);
      await sql`INSERT INTO prepared_probe VALUES (1)`.execute(one);
      const read = () => runPrepared(one, sql<Record<string, number>>`SELECT * FROM prepared_probe WHERE id = ${1}`.compile(one));
      expect(await read()).toEqual([{ id: 1 }]);
      await sql`ALTER TABLE prepared_probe ADD COLUMN added int DEFAULT 2`.execute(one);
      await expect(read()).rejects.toThrow('cached plan must not change result type');
      expect(await read()).toEqual([{ id: 1, added: 2 }]);
    } finally {
      await sql`DROP TABLE IF EXISTS prepared_probe`.execute(one);
      await one.destroy();
    }
  });

  it('hold only queued deliveries, as a guarded transition that stamps the change (pause, disconnect, reconnect needed)', async () => {
    const { post, account } = await seedPost('scheduled');
    const second = await testDb.db
      .insertInto('social_accounts')
      .values({ workspace_id: post.workspace_id, network: 'x', external_account_id: '2', display_name: '@team', credentials: 'v1.x', connected_by: 'U1' })
      .returningAll()
      .executeTakeFirstOrThrow();
    const [queued, sending] = await insertDeliveries(
      testDb.db,
      post.id,
      [
        { accountId: account.id, network: 'mastodon' },
        { accountId: second.id, network: 'x' },
      ],
      new Date(),
    );
    await transitionDelivery(testDb.db, sending!.id, 'sending');
    const before = await testDb.db.selectFrom('deliveries').select(['id', 'updated_at']).where('id', '=', queued!.id).executeTakeFirstOrThrow();
    await sql`SELECT pg_sleep(0.01)`.execute(testDb.db);
    const held = await holdDeliveries(testDb.db, { workspaceId: post.workspace_id });
    expect(held.map((d) => d.id)).toEqual([queued!.id]);
    const rows = await testDb.db.selectFrom('deliveries').select(['id', 'state', 'updated_at']).where('post_id', '=', post.id).execute();
    expect(Object.fromEntries(rows.map((r) => [r.id, r.state]))).toEqual({ [queued!.id]: 'held', [sending!.id]: 'sending' });
    expect(rows.find((r) => r.id === queued!.id)!.updated_at.getTime()).toBeGreaterThan(before.updated_at.getTime());
    expect(await holdDeliveries(testDb.db, { accountId: account.id })).toEqual([]);
  });

  it('deduplicate inbound requests by key', async () => {
    expect(await firstSighting(testDb.db, 'slack', 'action:1')).toBe(true);
    expect(await firstSighting(testDb.db, 'slack', 'action:1')).toBe(false);
  });
});

describe('transactional enqueue', () => {
  async function publishJobsFor(deliveryId: string): Promise<number> {
    const rows = await sql<{
      n: number;
    }>`SELECT count(*)::int AS n FROM pgboss.job WHERE name = ${publishQueue('mastodon')} AND singleton_key = ${deliveryId}`.execute(testDb.db);
    return rows.rows[0]!.n;
  }

  it('commits the job with the state change', async () => {
    const { post, account } = await seedPost('in_review');
    const deliveryId = await inTransaction(testDb.db, async (tx) => {
      await transitionPost(tx, post.id, 'approved');
      const [d] = await insertDeliveries(tx, post.id, [{ accountId: account.id, network: 'mastodon' }], new Date(Date.now() + 60_000));
      await queue.sendPublish(tx, d!, d!.due_at);
      return d!.id;
    });
    expect(await publishJobsFor(deliveryId)).toBe(1);
  });

  it('leaves no job and no rows when the transaction rolls back', async () => {
    const { post, account } = await seedPost('in_review');
    let deliveryId = '';
    await expect(
      inTransaction(testDb.db, async (tx) => {
        await transitionPost(tx, post.id, 'approved');
        const [d] = await insertDeliveries(tx, post.id, [{ accountId: account.id, network: 'mastodon' }], new Date(Date.now() + 60_000));
        deliveryId = d!.id;
        await queue.sendPublish(tx, d!, d!.due_at);
        throw new Error('chat edge failed after enqueue');
      }),
    ).rejects.toThrow('chat edge failed');
    expect(deliveryId).not.toBe('');
    expect(await publishJobsFor(deliveryId)).toBe(0);
    const state = await testDb.db.selectFrom('posts').select('state').where('id', '=', post.id).executeTakeFirstOrThrow();
    expect(state.state).toBe('in_review');
    expect(await testDb.db.selectFrom('deliveries').select('id').where('id', '=', deliveryId).executeTakeFirst()).toBeUndefined();
  });
});

describe('compose drafts', () => {
  it('a save says whether the draft was still there: the Discord step is not drawn over a Send that removed it', async () => {
    const { db } = testDb;
    const workspace = await findOrCreateWorkspace(db, 'discord', 'GDRAFTS');
    const owner = { workspaceId: workspace.id, userId: 'U1' };
    const draft = await insertDraft(db, { ...owner, postId: null, channelId: 'C1', input: { text: 'first' } });

    expect(await saveDraftInput(db, draft.id, { text: 'second' })).toBe(true);
    expect((await findDraft(db, draft.id, owner))?.input).toEqual({ text: 'second' });

    await deleteDraft(db, draft.id);
    expect(await saveDraftInput(db, draft.id, { text: 'third' })).toBe(false);
    expect(await findDraft(db, draft.id, owner)).toBeUndefined();
  });
});
