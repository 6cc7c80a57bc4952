import { sql } from 'kysely';
import { DateTime } from 'luxon';
import type { MetricSlot } from '../../src/domain/metric-slots.ts';
import type { Db } from '../../src/db/database.ts';
import type { Network } from '../../src/domain/networks.ts';
import { waitUntil } from './engine.ts';
import type { Stack } from './greenlight.ts';

/** Helpers for the metrics tests: the metrics jobs pg-boss holds, waking one early, seeding history. */

export interface MetricsJobRow {
  id: string;
  state: string;
  start_after: Date;
  created_on: Date;
  /** deliveryIds: the deliveries published together; deliveryId: a job queued before batching. */
  data: { deliveryIds?: string[]; deliveryId?: string; slot: MetricSlot; attempt: number };
}

/** The metrics jobs that measure this delivery (alone, or with the others published with it). */
export async function metricsJobs(stack: Stack, deliveryId: string): Promise<MetricsJobRow[]> {
  const { rows } = await sql<MetricsJobRow>`
    SELECT id, state, start_after, created_on, data FROM pgboss.job
    WHERE name = 'metrics' AND (data->'deliveryIds' @> to_jsonb(${deliveryId}::text) OR data->>'deliveryId' = ${deliveryId})
    ORDER BY start_after, created_on`.execute(stack.testDb.db);
  return rows;
}

/**
 * Makes the waiting `slot` jobs of these deliveries due now, in one statement (time is moved, not
 * waited for). Returns how many of `deliveryIds` the woken jobs measure (a job may hold several).
 */
export async function wakeMetrics(stack: Stack, deliveryIds: string[], slot: MetricSlot): Promise<number> {
  const { rows } = await sql<{ data: MetricsJobRow['data'] }>`
    UPDATE pgboss.job SET start_after = now()
    WHERE name = 'metrics' AND state = 'created' AND data->>'slot' = ${slot}
      AND (data->'deliveryIds' ?| ${deliveryIds}::text[] OR data->>'deliveryId' = ANY(${deliveryIds}::text[]))
    RETURNING data`.execute(stack.testDb.db);
  const woken = new Set(rows.flatMap((r) => r.data.deliveryIds ?? [r.data.deliveryId!]));
  return deliveryIds.filter((id) => woken.has(id)).length;
}

export function waitForMetric(stack: Stack, deliveryId: string, slot: MetricSlot) {
  return waitUntil(stack, `the ${slot} metrics of delivery ${deliveryId}`, () =>
    stack.testDb.db.selectFrom('delivery_metrics').selectAll().where('delivery_id', '=', deliveryId).where('slot', '=', slot).executeTakeFirst(),
  );
}

export interface HistoryBucket {
  weekday: number;
  hour: number;
  posts: number;
  impressions: number | null;
  engagements: number;
}

/**
 * Measured history for one account: per bucket, `posts` published posts at that weekday and hour on
 * the zone's wall clock, one a week going back from `now` (by wall clock, so DST never shifts them).
 */
export async function seedHistory(
  db: Db,
  o: { workspaceId: string; accountId: string; network: Network; zone: string; now: Date; buckets: HistoryBucket[] },
): Promise<void> {
  for (const b of o.buckets) {
    let at = DateTime.fromJSDate(o.now, { zone: o.zone }).set({ weekday: b.weekday as 1, hour: b.hour, minute: 0, second: 0, millisecond: 0 });
    if (at.toMillis() > o.now.getTime()) at = at.minus({ weeks: 1 });
    const times = Array.from({ length: b.posts }, (_, i) => at.minus({ weeks: i }).toJSDate());
    await seedMeasured(db, { ...o, rows: times.map((t) => ({ at: t, likes: b.engagements, impressions: b.impressions })) });
  }
}

/** One published post, delivery and 24-hour row per entry of `rows` (NULL likes: nothing reported). */
export async function seedMeasured(
  db: Db,
  o: { workspaceId: string; accountId: string; network: Network; zone: string; rows: { at: Date; likes: number | null; impressions: number | null }[] },
): Promise<void> {
  const times = o.rows.map((r) => r.at.toISOString());
  const likes = o.rows.map((r) => r.likes);
  const impressions = o.rows.map((r) => r.impressions);
  await sql`
    WITH input AS (
      SELECT * FROM unnest(${times}::timestamptz[], ${likes}::bigint[], ${impressions}::bigint[]) AS i(t, likes, impressions)
    ), p AS (
      INSERT INTO posts (workspace_id, author_id, state, text, origin_channel_id, publish_at, zone, content_hash)
      SELECT ${o.workspaceId}, 'U0HISTORY', 'published', 'history ' || t, 'C0HISTORY', t, ${o.zone}, 'history' FROM input RETURNING id, publish_at
    ), d AS (
      INSERT INTO deliveries (post_id, account_id, network, state, due_at, published_at, external_id)
      SELECT id, ${o.accountId}, ${o.network}, 'published', publish_at, publish_at, 'history-' || id FROM p RETURNING id, published_at
    )
    INSERT INTO delivery_metrics (delivery_id, slot, workspace_id, network, published_at, likes, reposts, replies, impressions)
    SELECT d.id, '24h', ${o.workspaceId}, ${o.network}, d.published_at, i.likes, CASE WHEN i.likes IS NULL THEN NULL ELSE 0 END, CASE WHEN i.likes IS NULL THEN NULL ELSE 0 END, i.impressions
    FROM d JOIN input i ON i.t = d.published_at`.execute(db);
}
