import pg from 'pg';

/**
 * What one database of the bench server did: statements executed (pg_stat_statements, which the
 * embedded bench server preloads, see benchDatabaseServer) and transactions ended (pg_stat_database).
 * Backends report transactions at most once a second and on exit, so read them after the clients
 * being measured have disconnected. NaN where the server has no pg_stat_statements.
 */
export interface Counters {
  statements: number;
  transactions: number;
}

export async function databaseCounters(url: string) {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  const hasStatements = await client.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements').then(
    () => client.query('SELECT 1 FROM pg_stat_statements LIMIT 1').then(() => true),
    () => false,
  );
  // From here on only: seeding the database is not what is measured.
  if (hasStatements) await client.query('SELECT pg_stat_statements_reset(0, (SELECT oid FROM pg_database WHERE datname = $1), 0)', [name]);
  const read = async (): Promise<Counters> => {
    // A backend reports its transactions as it exits: wait for the measured clients' backends to go.
    for (let i = 0; i < 100; i++) {
      const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1', [name]);
      if (Number(rows[0]!.n) === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await client.query('SELECT pg_stat_clear_snapshot()');
    const tx = await client.query<{ n: string }>('SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = $1', [name]);
    const st = hasStatements
      ? await client.query<{ n: string | null }>(
          'SELECT coalesce(sum(calls), 0) AS n FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = $1',
          [name],
        )
      : { rows: [{ n: null }] };
    return { transactions: Number(tx.rows[0]?.n ?? Number.NaN), statements: st.rows[0]?.n == null ? Number.NaN : Number(st.rows[0].n) };
  };
  /**
   * The statements that took the most execution and planning time in the database, with their calls
   * and times (text shortened). planMs is 0 where track_planning is off (a DATABASE_URL server).
   */
  const top = async (limit: number): Promise<{ calls: number; ms: number; planMs: number; query: string }[]> => {
    if (!hasStatements) return [];
    const { rows } = await client.query<{ calls: string; ms: number; plan_ms: number; query: string }>(
      "SELECT sum(calls) AS calls, sum(total_exec_time)::float8 AS ms, sum(total_plan_time)::float8 AS plan_ms, left(regexp_replace(query, E'\\\\s+', ' ', 'g'), 140) AS query FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = $1 GROUP BY 4 ORDER BY sum(total_exec_time) + sum(total_plan_time) DESC LIMIT $2",
      [name, limit],
    );
    return rows.map((r) => ({ calls: Number(r.calls), ms: r.ms, planMs: r.plan_ms, query: r.query }));
  };
  return { read, top, writes: () => writeCounters(url), close: () => client.end() };
}

/** Row writes of one table (pg_stat_user_tables): inserts, updates (of them HOT: no index entry written), deletes. */
export interface TableWrites {
  table: string;
  inserted: number;
  updated: number;
  hot: number;
  deleted: number;
  /** Autovacuum and autoanalyze runs on the table (their CPU counts in PostgreSQL's). */
  vacuums: number;
  analyzes: number;
}

/**
 * The database's row writes per table and the server's WAL so far (pg_stat_wal: cluster-wide, so read
 * it while only the measured scenario runs). Write counts are steady where CPU and rates swing with the
 * machine's load: each non-HOT update or insert writes an entry in every index of its table.
 */
export async function writeCounters(url: string): Promise<{ tables: TableWrites[]; walBytes: number; walRecords: number }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('SELECT pg_stat_clear_snapshot()');
    const { rows } = await client.query<{ table: string; ins: string; upd: string; hot: string; del: string; vac: string; ana: string }>(
      "SELECT schemaname || '.' || relname AS table, n_tup_ins AS ins, n_tup_upd AS upd, n_tup_hot_upd AS hot, n_tup_del AS del, autovacuum_count AS vac, autoanalyze_count AS ana FROM pg_stat_user_tables",
    );
    const wal = await client.query<{ bytes: string; records: string }>('SELECT wal_bytes AS bytes, wal_records AS records FROM pg_stat_wal').catch(() => ({
      rows: [{ bytes: 'NaN', records: 'NaN' }],
    }));
    return {
      tables: rows.map((r) => ({
        table: r.table,
        inserted: Number(r.ins),
        updated: Number(r.upd),
        hot: Number(r.hot),
        deleted: Number(r.del),
        vacuums: Number(r.vac),
        analyzes: Number(r.ana),
      })),
      walBytes: Number(wal.rows[0]!.bytes),
      walRecords: Number(wal.rows[0]!.records),
    };
  } finally {
    await client.end();
  }
}

/** What was written between two writeCounters readings: tables with any writes, most first. */
export function writesBetween(before: Awaited<ReturnType<typeof writeCounters>>, after: Awaited<ReturnType<typeof writeCounters>>) {
  const was = new Map(before.tables.map((t) => [t.table, t]));
  const tables = after.tables
    .map((t) => {
      const b = was.get(t.table);
      return {
        table: t.table,
        inserted: t.inserted - (b?.inserted ?? 0),
        updated: t.updated - (b?.updated ?? 0),
        hot: t.hot - (b?.hot ?? 0),
        deleted: t.deleted - (b?.deleted ?? 0),
        vacuums: t.vacuums - (b?.vacuums ?? 0),
        analyzes: t.analyzes - (b?.analyzes ?? 0),
      };
    })
    .filter((t) => t.inserted + t.updated + t.deleted > 0)
    .sort((a, b) => b.inserted + b.updated + b.deleted - (a.inserted + a.updated + a.deleted));
  return { tables, walBytes: after.walBytes - before.walBytes, walRecords: after.walRecords - before.walRecords };
}
