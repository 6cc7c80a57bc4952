import { sql } from 'kysely';
import { type Executor, runPrepared, type Tx } from './database.ts';

/** A waiting job taken out of pg-boss's table, with what its replacement needs. */
export interface TakenJob {
  name: string;
  data: unknown;
  singletonKey: string | null;
  startAfter: Date;
  priority: number;
}

/**
 * Deletes up to `limit` waiting (`created` or `retry`) jobs of the named queues and returns them, for
 * the caller to re-send to other queues in the same transaction. Rows another transaction holds are
 * skipped (a second process doing the same takes the others), so no job is taken twice. Running or
 * finished jobs stay where they are.
 */
export async function takeWaitingJobs(tx: Tx, names: string[], limit: number): Promise<TakenJob[]> {
  if (names.length === 0) return [];
  const { rows } = await sql<{ name: string; data: unknown; singleton_key: string | null; start_after: Date; priority: number }>`
    DELETE FROM pgboss.job j
    WHERE j.name = ANY(${names}::text[]) AND j.id IN (
      SELECT id FROM pgboss.job
      WHERE name = ANY(${names}::text[]) AND state IN ('created', 'retry')
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED
    )
    RETURNING j.name, j.data, j.singleton_key, j.start_after, j.priority`.execute(tx);
  return rows.map((r) => ({ name: r.name, data: r.data, singletonKey: r.singleton_key, startAfter: r.start_after, priority: r.priority }));
}

/**
 * Of `keys`, those whose key_strict_fifo queue `name` holds a job that has not started (`created` or
 * `retry`) and may start now (a job deferred to later would hold the caller's work back until then),
 * that job locked FOR SHARE until the caller's transaction ends. pg-boss's fetch takes jobs
 * FOR UPDATE SKIP LOCKED, so it cannot start such a job before the caller commits: when the job runs,
 * it sees what the caller wrote. A job another transaction holds (a fetch under way) is left out, as is
 * one that started meanwhile (read committed re-checks its state when it locks it): for those keys the
 * caller needs a job of its own. The predicates are literals, as in pg-boss's own index of a key's
 * waiting jobs (job_i10), so even the prepared statement's generic plan uses that index. It reads
 * pg-boss's table of unpartitioned queues, where the notify queue's jobs are, not the partitioned
 * parent (planning over every partition cost more than the look-up); a queue moved to a partition of
 * its own would find no job here, and each batch would just add its jobs as before.
 */
export async function lockWaitingJobKeys(tx: Executor, name: string, keys: string[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const rows = await runPrepared(
    tx,
    sql<{ key: string }>`
    SELECT singleton_key AS key FROM pgboss.job_common
    WHERE name = ${name} AND singleton_key = ANY(${[...new Set(keys)]}::text[])
      AND state < 'active' AND NOT blocked AND policy = 'key_strict_fifo' AND start_after <= now()
    FOR SHARE SKIP LOCKED`.compile(tx),
  );
  return new Set(rows.map((r) => r.key));
}
