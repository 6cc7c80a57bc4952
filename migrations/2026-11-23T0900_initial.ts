import { sql, type Kysely } from 'kysely';

// Frozen in time: this migration never imports application code. The state lists are copied here on
// purpose, so a later change to the domain core needs a migration of its own.
const POST_STATES = [
  'draft',
  'in_review',
  'changes_requested',
  'approved',
  'scheduled',
  'publishing',
  'published',
  'partially_published',
  'failed',
  'rejected',
  'canceled',
];
const DELIVERY_STATES = ['pending', 'sending', 'published', 'failed', 'needs_reconnect', 'skipped', 'unconfirmed', 'held'];
const NETWORKS = ['x', 'linkedin', 'bluesky', 'mastodon', 'facebook', 'instagram', 'threads', 'webhook'];

const oneOf = (column: string, values: string[]) => sql.raw(`${column} IN (${values.map((v) => `'${v}'`).join(', ')})`);

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('workspaces')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('chat', 'text', (c) => c.notNull().check(sql`chat IN ('slack', 'discord')`))
    .addColumn('external_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text')
    .addColumn('approvals_channel_id', 'text')
    .addColumn('approver_group_id', 'text')
    .addColumn('approvals_required', 'integer', (c) => c.notNull().defaultTo(1).check(sql`approvals_required BETWEEN 0 AND 10`))
    .addColumn('allow_self_approval', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('default_zone', 'text', (c) => c.notNull().defaultTo('UTC'))
    .addColumn('reminder_after_minutes', 'integer', (c) => c.notNull().defaultTo(120))
    .addColumn('paused_at', 'timestamptz')
    .addColumn('paused_by', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('workspaces_chat_external_id_key', ['chat', 'external_id'])
    .execute();

  await db.schema
    .createTable('members')
    .addColumn('workspace_id', 'uuid', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('chat_user_id', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role IN ('admin', 'approver', 'member')`))
    .addColumn('zone', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('members_pkey', ['workspace_id', 'chat_user_id'])
    .execute();

  await db.schema
    .createTable('social_accounts')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('workspace_id', 'uuid', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('network', 'text', (c) => c.notNull().check(oneOf('network', NETWORKS)))
    .addColumn('external_account_id', 'text', (c) => c.notNull())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('instance_url', 'text')
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('connected').check(sql`status IN ('connected', 'needs_reconnect', 'disconnected')`))
    // AES-256-GCM envelope `v1.<key id>.<iv>.<ciphertext>.<tag>`, bound to this row by associated data.
    .addColumn('credentials', 'text', (c) => c.notNull())
    .addColumn('token_expires_at', 'timestamptz')
    .addColumn('connected_by', 'text', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('social_accounts_identity_key', ['workspace_id', 'network', 'external_account_id'])
    .execute();

  await db.schema
    .createTable('posts')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('workspace_id', 'uuid', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('author_id', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull().check(oneOf('state', POST_STATES)))
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('note', 'text')
    // Where /post was run: the card goes there when the workspace has no approvals channel.
    .addColumn('origin_channel_id', 'text', (c) => c.notNull())
    .addColumn('publish_at', 'timestamptz', (c) => c.notNull())
    .addColumn('zone', 'text', (c) => c.notNull())
    // sha256 of texts, media and time: an approval counts only for the content it was given to.
    .addColumn('content_hash', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // "This week's queue" and "what is due" per workspace, without scanning finished posts.
  await sql`CREATE INDEX posts_queue_idx ON posts (workspace_id, publish_at) WHERE state IN ('in_review', 'changes_requested', 'approved', 'scheduled', 'publishing')`.execute(
    db,
  );
  await sql`CREATE INDEX posts_failures_idx ON posts (workspace_id, updated_at) WHERE state IN ('failed', 'partially_published')`.execute(db);
  await db.schema.createIndex('posts_author_idx').on('posts').columns(['workspace_id', 'author_id', 'created_at']).execute();

  await db.schema
    .createTable('post_targets')
    .addColumn('post_id', 'uuid', (c) => c.notNull().references('posts.id').onDelete('cascade'))
    .addColumn('account_id', 'uuid', (c) => c.notNull().references('social_accounts.id'))
    .addPrimaryKeyConstraint('post_targets_pkey', ['post_id', 'account_id'])
    .execute();

  await db.schema
    .createTable('post_variants')
    .addColumn('post_id', 'uuid', (c) => c.notNull().references('posts.id').onDelete('cascade'))
    .addColumn('network', 'text', (c) => c.notNull().check(oneOf('network', NETWORKS)))
    .addColumn('text', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('post_variants_pkey', ['post_id', 'network'])
    .execute();

  await db.schema
    .createTable('post_media')
    .addColumn('post_id', 'uuid', (c) => c.notNull().references('posts.id').onDelete('cascade'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('alt', 'text')
    .addPrimaryKeyConstraint('post_media_pkey', ['post_id', 'position'])
    .execute();

  await db.schema
    .createTable('decisions')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('post_id', 'uuid', (c) => c.notNull().references('posts.id').onDelete('cascade'))
    .addColumn('actor_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind IN ('approve', 'request_changes', 'reject')`))
    // null: the whole post; otherwise the one network this decision is about.
    .addColumn('network', 'text', (c) => c.check(oneOf('network', NETWORKS)))
    .addColumn('comment', 'text')
    .addColumn('content_hash', 'text', (c) => c.notNull())
    .addColumn('voided_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('decisions_post_idx').on('decisions').columns(['post_id', 'created_at']).execute();
  // One live approval per approver and content: a double click cannot count twice.
  await sql`CREATE UNIQUE INDEX decisions_one_approval_idx ON decisions (post_id, actor_id, content_hash, coalesce(network, '')) WHERE kind = 'approve' AND voided_at IS NULL`.execute(
    db,
  );

  await db.schema
    .createTable('deliveries')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('post_id', 'uuid', (c) => c.notNull().references('posts.id').onDelete('cascade'))
    .addColumn('account_id', 'uuid', (c) => c.notNull().references('social_accounts.id'))
    .addColumn('network', 'text', (c) => c.notNull().check(oneOf('network', NETWORKS)))
    .addColumn('state', 'text', (c) => c.notNull().check(oneOf('state', DELIVERY_STATES)))
    .addColumn('due_at', 'timestamptz', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'jsonb')
    .addColumn('external_id', 'text')
    .addColumn('url', 'text')
    .addColumn('published_at', 'timestamptz')
    .addColumn('sending_started_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('deliveries_post_account_key', ['post_id', 'account_id'])
    .execute();
  // The sweeper's and the claim's view: live deliveries by due time. Settled rows never enter it.
  await sql`CREATE INDEX deliveries_due_idx ON deliveries (due_at) WHERE state IN ('pending', 'sending', 'held')`.execute(db);
  await db.schema.createIndex('deliveries_post_idx').on('deliveries').column('post_id').execute();
  await sql`CREATE INDEX deliveries_account_live_idx ON deliveries (account_id) WHERE state IN ('pending', 'sending', 'held', 'needs_reconnect')`.execute(db);

  await db.schema
    .createTable('delivery_parts')
    .addColumn('delivery_id', 'uuid', (c) => c.notNull().references('deliveries.id').onDelete('cascade'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('external_id', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('published_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('delivery_parts_pkey', ['delivery_id', 'position'])
    .execute();

  await db.schema
    .createTable('chat_messages')
    .addColumn('post_id', 'uuid', (c) => c.notNull().references('posts.id').onDelete('cascade'))
    .addColumn('chat', 'text', (c) => c.notNull().check(sql`chat IN ('slack', 'discord')`))
    .addColumn('channel_id', 'text', (c) => c.notNull())
    .addColumn('message_id', 'text', (c) => c.notNull())
    .addColumn('thread_id', 'text', (c) => c.notNull())
    // The last event whose receipt is in the thread: receipts go out once each, in event order.
    .addColumn('last_event_id', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('chat_messages_pkey', ['post_id', 'chat'])
    .execute();

  await db.schema
    .createTable('oauth_states')
    .addColumn('nonce', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'uuid', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('network', 'text', (c) => c.notNull().check(oneOf('network', NETWORKS)))
    // encrypted like credentials: a PKCE verifier is a secret until the code is exchanged.
    .addColumn('code_verifier', 'text')
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('used_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('inbound_requests')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('request_key', 'text', (c) => c.notNull())
    .addColumn('received_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('inbound_requests_pkey', ['source', 'request_key'])
    .execute();
  await db.schema.createIndex('inbound_requests_received_idx').on('inbound_requests').column('received_at').execute();

  await db.schema
    .createTable('events')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('workspace_id', 'uuid', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('post_id', 'uuid', (c) => c.references('posts.id').onDelete('cascade'))
    .addColumn('delivery_id', 'uuid', (c) => c.references('deliveries.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('actor', 'text')
    .addColumn('data', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('events_post_idx').on('events').columns(['post_id', 'id']).execute();
  // The audit log is append-only: rows are added, never changed. Deleting a workspace removes its
  // log with it (the cascade), which is why only UPDATE is refused.
  await sql`
    CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'events is append-only';
    END $$`.execute(db);
  await sql`CREATE TRIGGER events_no_update BEFORE UPDATE ON events FOR EACH ROW EXECUTE FUNCTION events_append_only()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'events',
    'inbound_requests',
    'oauth_states',
    'chat_messages',
    'delivery_parts',
    'deliveries',
    'decisions',
    'post_media',
    'post_variants',
    'post_targets',
    'posts',
    'social_accounts',
    'members',
    'workspaces',
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
  await sql`DROP FUNCTION IF EXISTS events_append_only()`.execute(db);
}
