import { sql, type Kysely } from 'kysely';

/**
 * Issue 18: `deliveries_post_idx (post_id)` repeats the leading column of the unique
 * `deliveries_post_account_key (post_id, account_id)`, which serves every lookup by post as well. Each
 * delivery's row changes state twice on its way out (`pending → sending → published`), and neither is a
 * HOT update (the state is in the partial indexes' predicates), so every change wrote an entry in this
 * index too: one index write fewer per insert and per state change. Not breaking: reads by post use
 * the unique index (the rolling-upgrade replica before this one reads the same way).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX IF EXISTS deliveries_post_idx`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`CREATE INDEX IF NOT EXISTS deliveries_post_idx ON deliveries (post_id)`.execute(db);
}
