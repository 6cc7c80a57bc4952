import { sql, type Kysely } from 'kysely';

/**
 * OAuth clients registered by Greenlight itself (Mastodon: one app per instance, POST /api/v1/apps), and
 * what a connect flow must remember between the authorize redirect and the callback besides the verifier:
 * the instance it talks to and, for a Reconnect link, the account it may only reconnect. Not breaking.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('oauth_clients')
    .addColumn('network', 'text', (c) => c.notNull())
    .addColumn('instance_url', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    // encrypted like credentials (AAD `oauth_client:<network>:<instance_url>`).
    .addColumn('client_secret', 'text', (c) => c.notNull())
    // the redirect URI the app was registered with: a changed PUBLIC_URL registers a new app.
    .addColumn('redirect_uri', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('oauth_clients_pkey', ['network', 'instance_url'])
    .execute();

  await db.schema.alterTable('oauth_states').addColumn('instance_url', 'text').execute();
  await db.schema
    .alterTable('oauth_states')
    .addColumn('account_id', 'uuid', (c) => c.references('social_accounts.id').onDelete('cascade'))
    .execute();
  await db.schema.createIndex('oauth_states_expires_idx').on('oauth_states').column('expires_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('oauth_states_expires_idx').ifExists().execute();
  await db.schema.alterTable('oauth_states').dropColumn('account_id').execute();
  await db.schema.alterTable('oauth_states').dropColumn('instance_url').execute();
  await db.schema.dropTable('oauth_clients').ifExists().execute();
}
