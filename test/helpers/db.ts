import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { createDb, type Db, type Executor } from '../../src/db/database.ts';
import { insertPost } from '../../src/db/posts.ts';
import type { Post } from '../../src/db/schema.ts';
import type { PostState } from '../../src/domain/post-state.ts';

export interface TestDatabase {
  url: string;
  db: Db;
  /** Drops the database; call it in afterAll. */
  drop(): Promise<void>;
}

/**
 * Set by test/helpers/keep-failed.ts when a test of this file fails: with KEEP_FAILED_DB=1 its database
 * is then kept for inspection instead of dropped (as pg-boss's own test hooks keep a failed test's schema).
 */
let failed = false;
export function markFailed(): void {
  failed = true;
}

/** A fresh database for one test file, copied from the migrated template (tables and pg-boss schema). */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = inject('databaseAdminUrl');
  const template = inject('templateDatabase');
  const name = `greenlight_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(adminUrl, `CREATE DATABASE ${name} TEMPLATE ${template}`);
  const url = withDatabase(adminUrl, name);
  const { db } = createDb({ url, poolSize: 5 });
  return {
    url,
    db,
    async drop() {
      await db.destroy();
      if (failed && process.env.KEEP_FAILED_DB === '1') {
        console.log(`[test] KEEP_FAILED_DB=1: a test failed; its database is kept: ${withDatabase(adminUrl, name).replace(/\/\/[^@/]*@/, '//')}`);
        return;
      }
      await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function adminQuery(adminUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A post with nothing but a state (no targets, variants or media), for tests of what hangs off a post. */
export function insertBarePost(db: Executor, workspaceId: string, state: PostState, publishAt = new Date()): Promise<Post> {
  return insertPost(db, {
    workspaceId,
    authorId: 'U1',
    state,
    text: 'Hi',
    note: null,
    originChannelId: 'C1',
    publishAt,
    zone: 'UTC',
    contentHash: 'h',
    accountIds: [],
    variants: {},
    media: [],
  });
}
