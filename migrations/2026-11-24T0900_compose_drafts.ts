import { sql, type Kysely } from 'kysely';

/**
 * What an author typed in a chat form that has not become a post yet. Discord's modals cannot show
 * field errors or hold the account picker, so the typed values live here between the modal, the
 * account step and an error's "fix in the form" button: a refused form never loses work. Not breaking.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('compose_drafts')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('workspace_id', 'uuid', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull())
    // Set when the draft edits an existing post (the card's Edit button).
    .addColumn('post_id', 'uuid', (c) => c.references('posts.id').onDelete('cascade'))
    .addColumn('channel_id', 'text', (c) => c.notNull())
    .addColumn('input', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('compose_drafts_updated_idx').on('compose_drafts').column('updated_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('compose_drafts').ifExists().execute();
}
