import { sql } from 'kysely';
import type { Tx } from './database.ts';

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
