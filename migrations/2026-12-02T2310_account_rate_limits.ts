import { sql, type Kysely } from 'kysely';

/**
 * Per-account rate limits, kept in Postgres so every worker process sees the same count.
 * - `account_sends`: one row per attempt that was let through to the network (how many posts it
 *   carried: a thread's parts), counted over each network's window before the next one goes.
 *   Rows older than the longest window are pruned by the sweeper.
 * - `account_limits`: an account the network itself told to wait (a 429 with a reset time) until
 *   `limited_until`, so its other due deliveries wait too instead of each spending a retry.
 * Not breaking.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('account_sends')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('account_id', 'uuid', (c) => c.notNull().references('social_accounts.id').onDelete('cascade'))
    // A deleted post's sends still counted against the account at the network.
    .addColumn('delivery_id', 'uuid', (c) => c.references('deliveries.id').onDelete('set null'))
    .addColumn('sent_at', 'timestamptz', (c) => c.notNull())
    .addColumn('posts', 'integer', (c) => c.notNull().check(sql`posts > 0`))
    .execute();
  await db.schema.createIndex('account_sends_account_time_idx').on('account_sends').columns(['account_id', 'sent_at']).execute();
  await db.schema.createIndex('account_sends_time_idx').on('account_sends').column('sent_at').execute();

  await db.schema
    .createTable('account_limits')
    .addColumn('account_id', 'uuid', (c) => c.primaryKey().references('social_accounts.id').onDelete('cascade'))
    .addColumn('limited_until', 'timestamptz', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('account_limits').ifExists().execute();
  await db.schema.dropTable('account_sends').ifExists().execute();
}
