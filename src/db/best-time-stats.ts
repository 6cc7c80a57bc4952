import { sql, type RawBuilder } from 'kysely';
import { offsetPeriods, type OffsetPeriod } from '../domain/best-time-offsets.ts';
import type { BucketStats } from '../domain/best-time.ts';
import type { Network } from '../domain/networks.ts';
import type { Executor } from './database.ts';

export interface BestTimeQuery {
  workspaceId: string;
  zone: string;
  /** The window of publish times that counts. */
  since: Date;
  until: Date;
  networks: Network[];
}
type StatsRow = { network: Network; bucket: number; posts: number; with_impressions: number; engagements: number; rate_sum: number };

/**
 * The best-time aggregation, done by PostgreSQL: the 24-hour measurements of one workspace in the
 * window, per network and hour-of-week bucket of the zone's wall clock. The bucket is computed from
 * `published_at` and the zone's UTC offset periods over the window (domain/best-time-offsets.ts), the
 * same buckets `published_at AT TIME ZONE zone` gives, right across DST changes, at a third of the
 * cost per row. A row whose network reported none of likes, reposts, replies is no sample. Reads
 * only the covering partial index delivery_metrics_best_time_idx; at most 168 rows per network come back.
 */
export async function bestTimeStats(db: Executor, q: BestTimeQuery): Promise<Map<Network, BucketStats[]>> {
  const { rows } = await bestTimeSql(q).execute(db);
  const out = new Map<Network, BucketStats[]>();
  for (const r of rows) {
    const list = out.get(r.network) ?? [];
    list.push({ bucket: r.bucket, posts: r.posts, withImpressions: r.with_impressions, engagements: r.engagements, rateSum: r.rate_sum });
    out.set(r.network, list);
  }
  return out;
}

/** The statement itself (the benchmark EXPLAINs it). */
export function bestTimeSql(q: BestTimeQuery): RawBuilder<StatsRow> {
  const offset = offsetSeconds(offsetPeriods(q.zone, q.since, q.until));
  return sql<StatsRow>`
    SELECT network,
           ((floor((date_part('epoch', published_at) + ${offset}) / 3600)::int - 96) % 168) AS bucket,
           count(*)::int AS posts,
           (count(*) FILTER (WHERE impressions > 0))::int AS with_impressions,
           sum((coalesce(likes, 0) + coalesce(reposts, 0) + coalesce(replies, 0))::float8) AS engagements,
           coalesce(sum((coalesce(likes, 0) + coalesce(reposts, 0) + coalesce(replies, 0))::float8 / impressions) FILTER (WHERE impressions > 0), 0) AS rate_sum
    FROM delivery_metrics
    WHERE workspace_id = ${q.workspaceId} AND slot = '24h' AND network = ANY(${q.networks}::text[])
      AND published_at >= ${q.since} AND num_nonnulls(likes, reposts, replies) > 0
    GROUP BY 1, 2`;
}

/** `CASE WHEN published_at < <change 1> THEN <offset 0> ... ELSE <last offset> END`, in seconds. */
function offsetSeconds(periods: OffsetPeriod[]): RawBuilder<number> {
  const seconds = (p: OffsetPeriod) => sql.lit(p.offsetMinutes * 60);
  if (periods.length === 1) return seconds(periods[0]!);
  const whens = periods.slice(1).map((p, i) => sql`WHEN published_at < ${sql.lit(p.start.toISOString())}::timestamptz THEN ${seconds(periods[i]!)}`);
  return sql<number>`CASE ${sql.join(whens, sql` `)} ELSE ${seconds(periods.at(-1)!)} END`;
}
