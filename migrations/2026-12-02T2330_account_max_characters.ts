import { sql, type Kysely } from 'kysely';

/**
 * `max_characters`: the post length limit the account's server declares, where servers differ (a Mastodon
 * instance's `configuration.statuses.max_characters`, read when the account connects). Null means the
 * network's default limit applies. Not breaking.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE social_accounts ADD COLUMN max_characters integer CHECK (max_characters > 0)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE social_accounts DROP COLUMN IF EXISTS max_characters`.execute(db);
}
