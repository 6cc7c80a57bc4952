import { sql } from 'kysely';
import type { Network } from '../domain/networks.ts';
import type { Executor } from './database.ts';

/**
 * What the weekly digest reads. The only place that knows the analytics table: `delivery_metrics`, one
 * row per delivery and measuring slot (1h, 6h, 24h, 7d after publishing; likes, reposts, replies,
 * impressions, NULL = the network did not report it). A delivery's numbers are those of its latest slot
 * that reported them.
 */

/** The measuring slots, earliest first (the analytics' METRIC_SLOTS). */
const SLOTS = sql`ARRAY['1h', '6h', '24h', '7d']::text[]`;

export interface WeekDelivery {
  deliveryId: string;
  postId: string;
  network: Network;
  url: string | null;
  /** The first 200 characters of the post's text. */
  text: string;
  /** The local date (YYYY-MM-DD) it was published on, in the digest's zone. */
  day: string;
  /** likes + reposts + replies of the latest measurement; null when none of them was reported. */
  engagement: number | null;
  impressions: number | null;
}

/** Every delivery published in [start, end), with its latest measured numbers. */
export async function weekDeliveries(db: Executor, workspaceId: string, period: { start: Date; end: Date }, zone: string): Promise<WeekDelivery[]> {
  const { rows } = await sql<WeekDelivery>`
    WITH published AS (
      SELECT d.id, d.post_id, d.network, d.url, d.published_at, left(p.text, 200) AS text
      FROM deliveries d JOIN posts p ON p.id = d.post_id
      WHERE p.workspace_id = ${workspaceId} AND d.state = 'published' AND d.published_at >= ${period.start} AND d.published_at < ${period.end}
    ), latest AS (
      -- Per delivery, the latest slot that reported engagement and the latest that reported impressions.
      SELECT m.delivery_id,
        (array_agg(coalesce(m.likes, 0) + coalesce(m.reposts, 0) + coalesce(m.replies, 0) ORDER BY array_position(${SLOTS}, m.slot) DESC)
          FILTER (WHERE m.likes IS NOT NULL OR m.reposts IS NOT NULL OR m.replies IS NOT NULL))[1] AS engagement,
        (array_agg(m.impressions ORDER BY array_position(${SLOTS}, m.slot) DESC) FILTER (WHERE m.impressions IS NOT NULL))[1] AS impressions
      FROM delivery_metrics m JOIN published pd ON pd.id = m.delivery_id
      GROUP BY m.delivery_id
    )
    SELECT pd.id AS "deliveryId", pd.post_id AS "postId", pd.network, pd.url, pd.text,
      to_char(pd.published_at AT TIME ZONE ${zone}, 'YYYY-MM-DD') AS day,
      l.engagement::int AS engagement, l.impressions::int AS impressions
    FROM published pd LEFT JOIN latest l ON l.delivery_id = pd.id
    ORDER BY pd.published_at`.execute(db);
  return rows;
}

export interface FailureCause {
  network: Network;
  /** The network's own words where it gave them. */
  cause: string;
  count: number;
}

/** Deliveries that ended failed, waiting for a reconnect or unconfirmed in [start, end), by network and cause (top 5), and their total. */
export async function weekFailures(db: Executor, workspaceId: string, period: { start: Date; end: Date }): Promise<{ total: number; causes: FailureCause[] }> {
  const { rows } = await sql<FailureCause & { total: number }>`
    SELECT d.network, coalesce(d.last_error->>'networkMessage', d.last_error->>'message', d.state) AS cause,
      count(*)::int AS count, (sum(count(*)) OVER ())::int AS total
    FROM deliveries d JOIN posts p ON p.id = d.post_id
    WHERE p.workspace_id = ${workspaceId} AND d.state IN ('failed', 'needs_reconnect', 'unconfirmed')
      AND d.updated_at >= ${period.start} AND d.updated_at < ${period.end}
    GROUP BY 1, 2 ORDER BY count DESC, d.network LIMIT 5`.execute(db);
  return { total: rows[0]?.total ?? 0, causes: rows.map(({ network, cause, count }) => ({ network, cause, count })) };
}
