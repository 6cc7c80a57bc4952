import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { sql } from 'kysely';
import { generateKey, parseKeyring, TokenCipher } from '../src/crypto/token-cipher.ts';
import { connectAccount } from '../src/db/accounts.ts';
import { createDb, type Db } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { findOrCreateWorkspace, updateWorkspaceSettings } from '../src/db/workspaces.ts';
import { createLogger } from '../src/log.ts';
import { createQueue, publishQueue, type Queue } from '../src/queue/queue.ts';
import type { MastodonEmulator } from '../emulators/mastodon.ts';

/**
 * Fast seeding for the delivery benchmarks. Going through submitPost costs several transactions per
 * post (about 5 ms each), far too slow for 10,000 posts; instead the rows an approved, scheduled post
 * leaves behind are written in bulk: the post in `scheduled`, its target, a `pending` delivery, and
 * one publish job per delivery (pg-boss `insert`, singletonKey = delivery id, startAfter = due time),
 * exactly what submitPost enqueues. Left out: the audit events and card of each post, which the
 * delivery engine does not read.
 */
export interface Seeded {
  db: Db;
  queue: Queue;
  keys: string;
  workspaceId: string;
  accountIds: string[];
  close(): Promise<void>;
}

/** Migrates the database, creates the queues, and connects `accounts` Mastodon accounts of the emulator. */
export async function seedWorkspace(url: string, mastodon: MastodonEmulator, accounts: number): Promise<Seeded> {
  const { db } = createDb({ url, poolSize: 4, applicationName: 'greenlight-bench' });
  const queue = createQueue({ url, log: createLogger({ level: 'silent' }), poolSize: 2 });
  // The schema of the app that runs (BENCH_APP_DIR: a baseline checkout, which would refuse a database
  // that has migrations it does not know).
  await migrateToLatest(db, process.env.BENCH_APP_DIR ? path.join(process.env.BENCH_APP_DIR, 'migrations') : undefined);
  await queue.start();
  const keys = `bench:${generateKey()}`;
  const cipher = new TokenCipher(parseKeyring(keys, 'bench'));
  const workspace = await findOrCreateWorkspace(db, 'slack', 'TBENCH');
  await updateWorkspaceSettings(db, workspace.id, { approvals_required: 0 });
  const accountIds: string[] = [];
  for (let i = 0; i < accounts; i++) {
    const account = mastodon.createAccount(`bench${i}`);
    const row = await connectAccount(db, cipher, {
      workspaceId: workspace.id,
      network: 'mastodon',
      externalAccountId: account.accountId,
      displayName: `@bench${i}`,
      instanceUrl: mastodon.url,
      connectedBy: 'UBENCH',
      credentials: { accessToken: account.accessToken },
    });
    accountIds.push(row.id);
  }
  return {
    db,
    queue,
    keys,
    workspaceId: workspace.id,
    accountIds,
    close: async () => {
      await queue.stop({ graceful: false });
      await db.destroy();
    },
  };
}

/** One post per due time, round-robin over the accounts, each with one pending delivery and its publish job. */
export async function seedDeliveries(seeded: Seeded, dueTimes: Date[], text: (i: number, due: Date) => string): Promise<void> {
  const CHUNK = 5_000;
  for (let start = 0; start < dueTimes.length; start += CHUNK) {
    const rows = dueTimes.slice(start, start + CHUNK).map((due, k) => {
      const i = start + k;
      return { postId: randomUUID(), deliveryId: randomUUID(), accountId: seeded.accountIds[i % seeded.accountIds.length]!, due, text: text(i, due) };
    });
    const col = <K extends keyof (typeof rows)[number]>(key: K) => rows.map((r) => r[key]);
    await seeded.db.transaction().execute(async (tx) => {
      await sql`
        INSERT INTO posts (id, workspace_id, author_id, state, text, origin_channel_id, publish_at, zone, content_hash)
        SELECT id, ${seeded.workspaceId}, 'UBENCH', 'scheduled', text, 'CBENCH', due, 'UTC', md5(text)
        FROM unnest(${col('postId')}::uuid[], ${col('text')}::text[], ${col('due')}::timestamptz[]) AS t(id, text, due)`.execute(tx);
      await sql`
        INSERT INTO post_targets (post_id, account_id)
        SELECT * FROM unnest(${col('postId')}::uuid[], ${col('accountId')}::uuid[])`.execute(tx);
      await sql`
        INSERT INTO deliveries (id, post_id, account_id, network, state, due_at)
        SELECT id, post_id, account_id, 'mastodon', 'pending', due
        FROM unnest(${col('deliveryId')}::uuid[], ${col('postId')}::uuid[], ${col('accountId')}::uuid[], ${col('due')}::timestamptz[]) AS t(id, post_id, account_id, due)`.execute(
        tx,
      );
    });
    await seeded.queue.boss.insert(
      publishQueue('mastodon'),
      rows.map((r) => ({ data: { deliveryId: r.deliveryId }, singletonKey: r.deliveryId, startAfter: r.due })),
    );
  }
}
