import { sql, type Kysely } from 'kysely';

// Frozen in time: the slot and network lists are copied here, never imported.
const SLOTS = ['1h', '6h', '24h', '7d'];
const NETWORKS = ['x', 'linkedin', 'bluesky', 'mastodon', 'facebook', 'instagram', 'threads'];
const oneOf = (column: string, values: string[]) => sql.raw(`${column} IN (${values.map((v) => `'${v}'`).join(', ')})`);

/**
 * Metrics of published deliveries as a time series: one row per delivery and slot (1 h, 6 h, 24 h,
 * 7 d after publishing). A NULL count is "not reported" by the network, never a zero. The workspace,
 * network and publish time are copied from the delivery so the best-time aggregation reads one index
 * and nothing else: hour-of-week buckets are computed from `published_at` in the workspace's zone at
 * query time (never stored), which stays right across DST changes and when the zone is changed.
 * Not breaking.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('delivery_metrics')
    .addColumn('delivery_id', 'uuid', (c) => c.notNull().references('deliveries.id').onDelete('cascade'))
    .addColumn('slot', 'text', (c) => c.notNull().check(oneOf('slot', SLOTS)))
    .addColumn('workspace_id', 'uuid', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('network', 'text', (c) => c.notNull().check(oneOf('network', NETWORKS)))
    .addColumn('published_at', 'timestamptz', (c) => c.notNull())
    .addColumn('collected_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    // NULL: not reported by the network.
    .addColumn('likes', 'bigint', (c) => c.check(sql`likes >= 0`))
    .addColumn('reposts', 'bigint', (c) => c.check(sql`reposts >= 0`))
    .addColumn('replies', 'bigint', (c) => c.check(sql`replies >= 0`))
    .addColumn('impressions', 'bigint', (c) => c.check(sql`impressions >= 0`))
    .addPrimaryKeyConstraint('delivery_metrics_pkey', ['delivery_id', 'slot'])
    .execute();
  // Best time: one workspace and network, the 24 h measurements of the last year. Covering, so the
  // aggregation is an index-only scan that never touches the heap.
  await sql`
    CREATE INDEX delivery_metrics_best_time_idx ON delivery_metrics (workspace_id, network, published_at)
    INCLUDE (likes, reposts, replies, impressions) WHERE slot = '24h'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('delivery_metrics').ifExists().execute();
}
