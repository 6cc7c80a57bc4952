import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { createDb } from '../src/db/database.ts';
import { EmbeddedPostgresError, startEmbeddedPostgres, type RunningEmbeddedPostgres } from '../src/db/embedded-postgres.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { createLogger } from '../src/log.ts';
import { createQueue } from '../src/queue/queue.ts';

/**
 * One PostgreSQL for the whole run: the one in DATABASE_URL, or an embedded one when it is unset
 * (as on a laptop or in CI). A template database is migrated once (our tables and pg-boss's), and
 * every test file then gets its own copy of it (test/helpers/db.ts), so files run in parallel.
 */
declare module 'vitest' {
  export interface ProvidedContext {
    databaseAdminUrl: string;
    templateDatabase: string;
  }
}

const TEMPLATE = 'greenlight_test_template';
let embedded: RunningEmbeddedPostgres | undefined;
let dataDir: string | undefined;

export async function setup(project: TestProject): Promise<void> {
  const log = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'warn' });
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    // A data directory of its own per run: parallel runs (two terminals, CI beside a developer) never meet.
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'greenlight-test-pg-'));
    // As root the server runs as the `postgres` user; a directory it can enter keeps the cluster here
    // (else startEmbeddedPostgres keeps it under /var/lib/greenlight, linked from here).
    await chmod(dataDir, 0o755);
    try {
      embedded = await startEmbeddedPostgres({ dataDir, log, database: 'postgres' });
    } catch (error) {
      // One line (what failed and what to do) instead of a stack trace from the global setup.
      if (error instanceof EmbeddedPostgresError) throw Object.assign(new Error(`[test] ${error.message}`), { stack: `[test] ${error.message}` });
      throw error;
    }
    adminUrl = embedded.url;
    console.log(`[test] embedded PostgreSQL on port ${embedded.port} (DATABASE_URL is unset)`);
  } else {
    console.log(`[test] PostgreSQL from DATABASE_URL (${new URL(adminUrl).host})`);
  }
  await recreateDatabase(adminUrl, TEMPLATE);
  const templateUrl = withDatabase(adminUrl, TEMPLATE);
  const { db } = createDb({ url: templateUrl, poolSize: 2 });
  await migrateToLatest(db);
  await db.destroy();
  const queue = createQueue({ url: templateUrl, log, poolSize: 2 });
  await queue.start();
  await queue.stop({ graceful: false });
  project.provide('databaseAdminUrl', adminUrl);
  project.provide('templateDatabase', TEMPLATE);
}

export async function teardown(): Promise<void> {
  await embedded?.stop();
  // KEEP_FAILED_DB=1 keeps a failed file's database (test/helpers/db.ts): with the embedded server, its data directory too.
  if (dataDir && process.env.KEEP_FAILED_DB === '1')
    console.log(`[test] KEEP_FAILED_DB=1: the embedded PostgreSQL data directory is kept: ${embedded?.databaseDir ?? dataDir}`);
  else {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
    // A cluster kept elsewhere (see above) goes too.
    if (embedded && dataDir && !embedded.databaseDir.startsWith(dataDir)) await rm(embedded.databaseDir, { recursive: true, force: true });
  }
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function recreateDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
}
