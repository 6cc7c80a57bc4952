import { sql, type Kysely } from 'kysely';

/**
 * Slack OAuth installs (multi-workspace mode): one row per workspace install (`team:<team id>`) or
 * org-wide install (`enterprise:<enterprise id>`). The bot and user tokens are encrypted like social
 * credentials (AES-256-GCM envelopes, AAD `slack_installation:<key>:bot|user`); `installation` keeps the
 * rest of what Slack answered (ids, scopes, app id), never a token. Not breaking.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('slack_installations')
    .addColumn('installation_key', 'text', (c) => c.primaryKey())
    .addColumn('team_id', 'text')
    .addColumn('enterprise_id', 'text')
    .addColumn('is_enterprise_install', 'boolean', (c) => c.notNull())
    // the team's workspace row, made at install (an org-wide install has no single team).
    .addColumn('workspace_id', 'uuid', (c) => c.references('workspaces.id').onDelete('set null'))
    // envelopes of {"token", "refreshToken"?}; user_token only when user scopes were granted.
    .addColumn('bot_token', 'text')
    .addColumn('user_token', 'text')
    .addColumn('installation', 'jsonb', (c) => c.notNull())
    .addColumn('installed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint(
      'slack_installations_key_check',
      sql`(is_enterprise_install AND enterprise_id IS NOT NULL AND installation_key = 'enterprise:' || enterprise_id) OR (NOT is_enterprise_install AND team_id IS NOT NULL AND installation_key = 'team:' || team_id)`,
    )
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('slack_installations').ifExists().execute();
}
