import { sql } from 'kysely';
import type { Executor } from './database.ts';

/** Read-only questions to the database for `/readyz` and `greenlight doctor`: each one statement. */

export async function ping(db: Executor): Promise<void> {
  await sql`SELECT 1`.execute(db);
}

export async function serverVersion(db: Executor): Promise<string | undefined> {
  const { rows } = await sql<{ version: string }>`SELECT current_setting('server_version') AS version`.execute(db);
  return rows[0]?.version;
}

/** pg-boss's schema version and queues, or undefined when pg-boss is not installed in this database. */
export async function queueSchema(db: Executor): Promise<{ version: number | undefined; queues: { name: string; queued: number }[] } | undefined> {
  const { rows: schema } = await sql<{ found: boolean }>`SELECT to_regclass('pgboss.queue') IS NOT NULL AS found`.execute(db);
  if (!schema[0]?.found) return undefined;
  const { rows: version } = await sql<{ version: number }>`SELECT version FROM pgboss.version`.execute(db);
  const { rows: queues } = await sql<{ name: string; queued: number }>`SELECT name, queued_count AS queued FROM pgboss.queue`.execute(db);
  return { version: version[0]?.version, queues };
}

/** Jobs due over a minute ago and not yet taken, and how long (seconds) the oldest has waited. */
export async function overdueJobs(db: Executor): Promise<{ due: number; oldest: number | null }> {
  const { rows } = await sql<{ due: number; oldest: number | null }>`
      SELECT count(*)::int AS due, extract(epoch FROM now() - min(start_after))::float AS oldest
      FROM pgboss.job WHERE state IN ('created', 'retry') AND start_after < now() - interval '1 minute'`.execute(db);
  return rows[0] ?? { due: 0, oldest: null };
}

export async function databaseNow(db: Executor): Promise<Date> {
  const { rows } = await sql<{ now: Date }>`SELECT now() AS now`.execute(db);
  return rows[0]!.now;
}
