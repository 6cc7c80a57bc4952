import { sql, type Kysely } from 'kysely';

/**
 * The weekly digest: when and where each workspace wants it (off until an admin picks a day), and one
 * row per digest sent, so the hourly check sends each week's digest once however often it runs. Not breaking.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('workspaces')
    // null: no digest. Days as `/greenlight settings digest_day=mon` takes them.
    .addColumn('digest_day', 'text', (c) => c.check(sql`digest_day IN ('mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun')`))
    // The hour of the day in the workspace's default zone.
    .addColumn('digest_hour', 'integer', (c) => c.notNull().defaultTo(9).check(sql`digest_hour BETWEEN 0 AND 23`))
    // null: the approvals channel.
    .addColumn('digest_channel_id', 'text')
    .execute();

  await db.schema
    .createTable('digests')
    .addColumn('workspace_id', 'uuid', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    // When the digest was due (its day and hour in the workspace's zone); it covers the seven days before that day.
    .addColumn('due_at', 'timestamptz', (c) => c.notNull())
    .addColumn('channel_id', 'text', (c) => c.notNull())
    .addColumn('sent_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('digests_pkey', ['workspace_id', 'due_at'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('digests').ifExists().execute();
  await db.schema.alterTable('workspaces').dropColumn('digest_channel_id').dropColumn('digest_hour').dropColumn('digest_day').execute();
}
