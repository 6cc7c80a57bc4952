import { sql, type Kysely } from 'kysely';

/**
 * Files attached in a chat (issue 14). `media.source`: where a `preparing` file is copied from (the
 * chat and its link, e.g. Slack's url_private_download) until the copy job has it in the store; null
 * for files stored another way. `media.declared_type`: the type the chat reported at submit (the
 * probe decides in the end). `workspaces.require_alt_text`: every attached image needs alt text
 * (`/greenlight settings alt_text=required`). Not breaking: new nullable columns and a default.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE media ADD COLUMN source jsonb`.execute(db);
  await sql`ALTER TABLE media ADD COLUMN declared_type text`.execute(db);
  await sql`ALTER TABLE workspaces ADD COLUMN require_alt_text boolean NOT NULL DEFAULT false`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE workspaces DROP COLUMN IF EXISTS require_alt_text`.execute(db);
  await sql`ALTER TABLE media DROP COLUMN IF EXISTS declared_type`.execute(db);
  await sql`ALTER TABLE media DROP COLUMN IF EXISTS source`.execute(db);
}
