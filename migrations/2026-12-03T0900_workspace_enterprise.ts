import { sql, type Kysely } from 'kysely';

/**
 * `enterprise_id`: the Enterprise Grid organization (`E…`) a Slack workspace belongs to, as its last
 * command or click said. Work outside a Slack request (cards, receipts, reminders, digests) uses it to
 * find an org-wide installation's token when the workspace has no installation of its own. Null for
 * Discord and for Slack workspaces outside any organization. Not breaking.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE workspaces ADD COLUMN enterprise_id text`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE workspaces DROP COLUMN IF EXISTS enterprise_id`.execute(db);
}
