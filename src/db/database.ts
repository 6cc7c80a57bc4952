import { type CompiledQuery, Kysely, PostgresDialect, sql, type Transaction } from 'kysely';
import { createHash } from 'node:crypto';
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
  pool.on('connect', (client) => {
    client.on('error', () => {});
    preparing(client);
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  pools.set(db, pool);
  return { db, pool };
}

/**
 * `any($n::uuid[])` over the distinct ids: a list of any length as one parameter, so the statement has
 * one text whatever the batch's size and can run prepared (runPrepared), where an `IN ($1, $2, …)`
 * list makes a new text, parsed and planned again, for every length.
 */
export function anyUuid(ids: string[]) {
  return sql<string>`any(${[...new Set(ids)]}::uuid[])`;
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

/**
 * Statement texts that every connection of createDb's pools runs as named prepared statements: parsed
 * and planned once per connection, then a cached plan (PostgreSQL's plan cache switches to a generic
 * plan after five runs when it is no dearer). For the delivery engine's hot batch statements, parsing
 * and planning cost as much PostgreSQL CPU as running them (issue 18, pg_stat_statements'
 * total_plan_time in the throughput bench). Only constant texts belong here (arrays as one parameter,
 * never a variable IN list): each text is one prepared statement per connection, for its lifetime.
 */
const preparedNames = new Map<string, string>();
/** A bound on the texts above, so a text that varies by mistake cannot grow every backend's memory without end. */
const MAX_PREPARED_TEXTS = 128;
/**
 * pg-boss's job statements: its inserts (inside our transactions, fromKysely) and its fetch and
 * completion (on its own pool, see src/queue/queue.ts). pg-boss writes the queue's name and the batch
 * size into the text as literals, so there is one text per queue and batch size, and a cached plan is
 * the plan those literals get anyway.
 */
const isPgBossJobStatement = (text: string) => /^\s*(WITH|INSERT)\b/.test(text) && text.includes('pgboss.job_common');

function preparedName(text: string): string | undefined {
  if (unpreparable.has(text)) return undefined;
  const known = preparedNames.get(text);
  if (known || !isPgBossJobStatement(text)) return known;
  return remember(text);
}

function remember(text: string): string | undefined {
  if (preparedNames.size >= MAX_PREPARED_TEXTS) return undefined;
  const name = `gl_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
  preparedNames.set(text, name);
  return name;
}

/**
 * Kysely calls `client.query(text, values)`; a text registered above goes out as `{ name, text, values }`
 * instead, which node-postgres prepares on that connection the first time and reuses afterwards.
 */
export function preparing(client: pg.Client): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  client.query = ((text: unknown, values?: unknown, callback?: unknown) => {
    const name = typeof text === 'string' && Array.isArray(values) ? preparedName(text) : undefined;
    if (!name) return query(text, values, callback);
    const config = { name, text, values };
    // pool.query passes a callback (pg-boss's pool); Kysely awaits the promise.
    if (typeof callback === 'function')
      return query(config, (error: unknown, result: unknown) => {
        unprepareOnStalePlan(text as string, error);
        callback(error, result);
      });
    return (query(config) as Promise<unknown>).catch((error: unknown) => {
      unprepareOnStalePlan(text as string, error);
      throw error;
    });
  }) as typeof client.query;
}

/** Texts whose prepared plan went stale (see unprepareOnStalePlan): they run unnamed from then on. */
const unpreparable = new Set<string>();

/**
 * A migration that changes a table's columns (a newer replica's, during a rolling upgrade) makes a
 * prepared statement that returns that table's rows fail with "cached plan must not change result
 * type" on every connection that prepared it. The statement's transaction fails and its job retries;
 * this process then runs that text unnamed, so the retry reads the new columns.
 */
function unprepareOnStalePlan(text: string, error: unknown): void {
  const message = error instanceof Error ? error.message : '';
  if (!message.includes('cached plan must not change result type')) return;
  unpreparable.add(text);
  preparedNames.delete(text);
}

/** Runs a compiled query (constant text) as a named prepared statement; see preparedNames. */
export async function runPrepared<Row>(executor: Executor, query: CompiledQuery<Row>): Promise<Row[]> {
  if (!preparedNames.has(query.sql) && !unpreparable.has(query.sql)) remember(query.sql);
  return (await executor.executeQuery(query)).rows;
}
