import { sql, type Kysely } from 'kysely';

/**
 * Decisions of kind `hold`: an approver approved the post except this network (`network` names it).
 * Bound to the content hash like an approval, and voided with it by an edit. Not breaking.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE decisions DROP CONSTRAINT decisions_kind_check`.execute(db);
  await sql`ALTER TABLE decisions ADD CONSTRAINT decisions_kind_check CHECK (kind IN ('approve', 'request_changes', 'reject', 'hold'))`.execute(db);
  await sql`ALTER TABLE decisions ADD CONSTRAINT decisions_hold_network_check CHECK (kind <> 'hold' OR network IS NOT NULL)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DELETE FROM decisions WHERE kind = 'hold'`.execute(db);
  await sql`ALTER TABLE decisions DROP CONSTRAINT IF EXISTS decisions_hold_network_check`.execute(db);
  await sql`ALTER TABLE decisions DROP CONSTRAINT decisions_kind_check`.execute(db);
  await sql`ALTER TABLE decisions ADD CONSTRAINT decisions_kind_check CHECK (kind IN ('approve', 'request_changes', 'reject'))`.execute(db);
}
