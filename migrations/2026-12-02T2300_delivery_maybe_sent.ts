import { sql, type Kysely } from 'kysely';

/**
 * `maybe_sent_at`: when an attempt of this delivery last ended without knowing whether the network
 * took the post (a timeout after sending, a worker killed mid-call). `last_error` alone cannot carry
 * that fact: the next attempt's error (a 429, an expired token) overwrites it, and a delivery that
 * was live could then be reported as failed. Cleared when a lookup proves the post absent or the team
 * chooses "Publish again". Not breaking.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE deliveries ADD COLUMN maybe_sent_at timestamptz`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE deliveries DROP COLUMN IF EXISTS maybe_sent_at`.execute(db);
}
