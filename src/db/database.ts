import { Kysely, PostgresDialect, type Transaction } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.ts';

export type Db = Kysely<Database>;
export type Tx = Transaction<Database>;
/** Either the pool or an open transaction: store functions accept both. */
export type Executor = Db | Tx;

// int8 (bigserial ids, count(*)) as strings would surprise callers; our counts fit a JS number.
pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));

export function createDb(options: { url: string; poolSize: number; applicationName?: string }): { db: Db; pool: pg.Pool } {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize,
    application_name: options.applicationName ?? 'greenlight',
  });
  // An idle client losing its connection (a Postgres restart) must not crash the process.
  pool.on('error', () => {});
  // Nor a checked-out one: the pool takes its listener off a client it hands out, and a connection
  // that dies between two statements of a transaction emits 'error' with nobody listening, an
  // uncaught exception (seen in the chaos suite's PostgreSQL restart). The transaction's next
  // statement fails with the same error and the server has already rolled it back.
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  pools.set(db, pool);
  return { db, pool };
}

/** Each Db's own pg pool, for what Kysely cannot say (the media store's binary COPY reads). */
const pools = new WeakMap<Db, pg.Pool>();

/** The pg pool under a Db made by createDb. */
export function poolOf(db: Db): pg.Pool {
  const pool = pools.get(db);
  if (!pool) throw new Error('this database handle was not made by createDb: it has no pool of its own');
  return pool;
}

/** A safe description of the database for the start-up line: never the password. */
export function describeDatabase(url: string, embedded: boolean): string {
  const parsed = new URL(url);
  return `${embedded ? 'embedded PostgreSQL' : 'PostgreSQL'} at ${parsed.hostname}:${parsed.port || 5432}/${parsed.pathname.slice(1)}`;
}
