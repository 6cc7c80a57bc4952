import type { Db, Tx } from './database.ts';

/** Runs `work` in one transaction: our rows and the jobs they enqueue commit or roll back together. */
export function inTransaction<T>(db: Db, work: (tx: Tx) => Promise<T>): Promise<T> {
  return db.transaction().execute(work);
}
