import { sql } from 'kysely';
import { bestTimesFor } from '../src/workflow/analytics/best-times.ts';
import { createDb, type Db } from '../src/db/database.ts';
import { bestTimeSql, bestTimeStats, type BestTimeQuery } from '../src/db/best-time-stats.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { findOrCreateWorkspace, updateWorkspaceSettings } from '../src/db/workspaces.ts';
import { NETWORKS, type Network } from '../src/domain/networks.ts';
import { freshDatabase, median } from './harness.ts';

/**
 * Best times over a workspace with 1,000,000 stored metric rows: 250,000 published deliveries over the
 * last year across seven networks, each measured at 1 h, 6 h, 24 h and 7 d, all written by SQL
 * (generate_series, a fixed setseed) in a few seconds. Bluesky rows are "not reported", Mastodon and
 * Bluesky report no impressions, as the adapters store them. Then, 20 timed executions each after one
 * warm-up: the aggregation for one network; one statement for all seven; and the service call
 * `/greenlight besttime` with no network makes (seven statements side by side on the pool, then the
 * domain's ranking), with the plans. Target: under 200 ms, by SQL aggregation over an index, never by loading rows into Node.
 */
const SOCIAL: Network[] = NETWORKS.filter((n) => n !== 'webhook');
const EXECUTIONS = 20;

export interface BestTimeResult {
  metricRows: number;
  loadSeconds: number;
  oneNetworkMs: number;
  allNetworksMs: number;
  serviceMs: number;
  /** EXPLAIN ANALYZE of one network's statement, and of one statement for all seven. */
  plan: string;
  allPlan: string;
}

export async function bestTime(adminUrl: string, o: { deliveries: number } = { deliveries: 250_000 }): Promise<BestTimeResult> {
  const url = await freshDatabase(adminUrl, 'greenlight_bench_best_time');
  // The service's default pool (DATABASE_POOL_SIZE=10): /greenlight besttime runs one statement per network on it.
  const { db } = createDb({ url, poolSize: 10, applicationName: 'greenlight-bench' });
  try {
    await migrateToLatest(db);
    const workspace = await findOrCreateWorkspace(db, 'slack', 'TBESTTIME');
    await updateWorkspaceSettings(db, workspace.id, { default_zone: 'Europe/Berlin' });
    const started = performance.now();
    await seed(db, workspace.id, o.deliveries);
    const loadSeconds = (performance.now() - started) / 1000;
    const metricRows = Number((await sql<{ n: string }>`SELECT count(*) AS n FROM delivery_metrics`.execute(db)).rows[0]!.n);
    const now = new Date();
    const query = (networks: Network[]): BestTimeQuery => ({
      workspaceId: workspace.id,
      zone: 'Europe/Berlin',
      since: new Date(now.getTime() - 365 * 86_400_000),
      until: new Date(now.getTime() + 86_400_000),
      networks,
    });
    const oneNetworkMs = await timed(() => bestTimeStats(db, query(['x'])));
    const allNetworksMs = await timed(() => bestTimeStats(db, query(SOCIAL)));
    const serviceMs = await timed(() => bestTimesFor({ db, now: () => now }, workspace.id, SOCIAL));
    const explain = async (networks: Network[]) =>
      (await sql<{ 'QUERY PLAN': string }>`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${bestTimeSql(query(networks))}`.execute(db)).rows
        .map((r) => r['QUERY PLAN'])
        .join('\n');
    return { metricRows, loadSeconds, oneNetworkMs, allNetworksMs, serviceMs, plan: await explain(['x']), allPlan: await explain(SOCIAL) };
  } finally {
    await db.destroy();
  }
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  await run();
  const times: number[] = [];
  for (let i = 0; i < EXECUTIONS; i++) {
    const t = performance.now();
    await run();
    times.push(performance.now() - t);
  }
  return median(times);
}

/** Accounts, posts, deliveries and four metric rows per delivery, in set-based statements. */
async function seed(db: Db, workspaceId: string, deliveries: number): Promise<void> {
  for (const network of SOCIAL) {
    await sql`INSERT INTO social_accounts (workspace_id, network, external_account_id, display_name, credentials, connected_by)
              VALUES (${workspaceId}, ${network}, ${`bench-${network}`}, ${`@bench-${network}`}, 'unused', 'UBENCH')`.execute(db);
  }
  await sql`SELECT setseed(0.42)`.execute(db);
  await sql`
    CREATE TEMP TABLE bench_deliveries AS
    SELECT gen_random_uuid() AS post_id, gen_random_uuid() AS delivery_id, a.id AS account_id, a.network,
           now() - random() * interval '360 days' AS published_at, random() AS r
    FROM generate_series(1, ${deliveries}) g
    JOIN social_accounts a ON a.workspace_id = ${workspaceId} AND a.external_account_id = 'bench-' || (${SOCIAL}::text[])[1 + g % ${SOCIAL.length}]`.execute(
    db,
  );
  await sql`INSERT INTO posts (id, workspace_id, author_id, state, text, origin_channel_id, publish_at, zone, content_hash)
            SELECT post_id, ${workspaceId}, 'UBENCH', 'published', 'bench', 'CBENCH', published_at, 'Europe/Berlin', 'bench' FROM bench_deliveries`.execute(db);
  await sql`INSERT INTO deliveries (id, post_id, account_id, network, state, due_at, published_at, external_id)
            SELECT delivery_id, post_id, account_id, network, 'published', published_at, published_at, delivery_id::text FROM bench_deliveries`.execute(db);
  // Engagement grows with the slot and peaks on weekday mornings (local time), so the ranking has a signal.
  await sql`
    INSERT INTO delivery_metrics (delivery_id, slot, workspace_id, network, published_at, collected_at, likes, reposts, replies, impressions)
    SELECT b.delivery_id, s.slot, ${workspaceId}, b.network, b.published_at, b.published_at + s.after,
           CASE WHEN b.network = 'bluesky' THEN NULL ELSE (e.base * s.share)::bigint END,
           CASE WHEN b.network = 'bluesky' THEN NULL ELSE (e.base * s.share / 5)::bigint END,
           CASE WHEN b.network = 'bluesky' THEN NULL ELSE (e.base * s.share / 10)::bigint END,
           CASE WHEN b.network IN ('bluesky', 'mastodon') THEN NULL ELSE (e.base * s.share * 40)::bigint END
    FROM bench_deliveries b
    CROSS JOIN LATERAL (SELECT 10 + b.r * 90 + CASE WHEN extract(hour FROM b.published_at AT TIME ZONE 'Europe/Berlin') BETWEEN 8 AND 11 THEN 40 ELSE 0 END AS base) e
    CROSS JOIN (VALUES ('1h', interval '1 hour', 0.3), ('6h', interval '6 hours', 0.7), ('24h', interval '24 hours', 1.0), ('7d', interval '7 days', 1.2)) AS s(slot, after, share)`.execute(
    db,
  );
  await sql`DROP TABLE bench_deliveries`.execute(db);
  // What autovacuum does on a live system: statistics, and the visibility map an index-only scan needs.
  await sql`VACUUM ANALYZE delivery_metrics`.execute(db);
  await sql`VACUUM ANALYZE deliveries`.execute(db);
}
