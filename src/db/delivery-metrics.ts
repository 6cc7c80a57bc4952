import type { MetricSlot } from '../domain/metric-slots.ts';
import type { Network } from '../domain/networks.ts';
import type { PostMetrics } from '../domain/post-metrics.ts';
import type { Executor } from './database.ts';
import type { SocialAccount } from './schema.ts';

/** A published delivery to measure, with the account whose token asks. */
export interface MetricTarget {
  deliveryId: string;
  postId: string;
  workspaceId: string;
  network: Network;
  externalId: string;
  publishedAt: Date;
  account: SocialAccount;
}

/** The published deliveries among `deliveryIds` (a withdrawn or unpublished one is not measured). */
export async function loadMetricTargets(db: Executor, deliveryIds: string[]): Promise<MetricTarget[]> {
  if (deliveryIds.length === 0) return [];
  const rows = await db
    .selectFrom('deliveries as d')
    .innerJoin('posts as p', 'p.id', 'd.post_id')
    .innerJoin('social_accounts as a', 'a.id', 'd.account_id')
    .selectAll('a')
    .select(['d.id as delivery_id', 'd.post_id', 'p.workspace_id as post_workspace_id', 'd.network as delivery_network', 'd.external_id', 'd.published_at'])
    .where('d.id', 'in', deliveryIds)
    .where('d.state', '=', 'published')
    .where('d.external_id', 'is not', null)
    .where('d.published_at', 'is not', null)
    .execute();
  return rows.map(({ delivery_id, post_id, post_workspace_id, delivery_network, external_id, published_at, ...account }) => ({
    deliveryId: delivery_id,
    postId: post_id,
    workspaceId: post_workspace_id,
    network: delivery_network,
    externalId: external_id!,
    publishedAt: published_at!,
    account,
  }));
}

export interface MetricRow {
  target: MetricTarget;
  slot: MetricSlot;
  /** undefined: the network answered nothing for the post; every count is stored as not reported. */
  metrics: PostMetrics | undefined;
}

/** Stores measurements; a slot measured before keeps its first row. Returns the rows that were new. */
export async function saveMetrics(tx: Executor, rows: MetricRow[]): Promise<MetricRow[]> {
  if (rows.length === 0) return [];
  const stored = await tx
    .insertInto('delivery_metrics')
    .values(
      rows.map(({ target, slot, metrics }) => ({
        delivery_id: target.deliveryId,
        slot,
        workspace_id: target.workspaceId,
        network: target.network,
        published_at: target.publishedAt,
        likes: metrics?.likes ?? null,
        reposts: metrics?.reposts ?? null,
        replies: metrics?.replies ?? null,
        impressions: metrics?.impressions ?? null,
      })),
    )
    .onConflict((oc) => oc.columns(['delivery_id', 'slot']).doNothing())
    .returning(['delivery_id', 'slot'])
    .execute();
  const isNew = new Set(stored.map((r) => `${r.delivery_id}:${r.slot}`));
  return rows.filter((r) => isNew.has(`${r.target.deliveryId}:${r.slot}`));
}

export interface SlotReading {
  deliveryId: string;
  network: Network;
  /** undefined while the slot is not measured yet. */
  row: { likes: number | null; reposts: number | null; replies: number | null; impressions: number | null } | undefined;
}

/** Every published delivery of a post with its measurement at `slot`, if any. */
export async function readingsAt(db: Executor, postId: string, slot: MetricSlot): Promise<SlotReading[]> {
  const rows = await db
    .selectFrom('deliveries as d')
    .leftJoin('delivery_metrics as m', (join) => join.onRef('m.delivery_id', '=', 'd.id').on('m.slot', '=', slot))
    .select(['d.id', 'd.network', 'm.slot', 'm.likes', 'm.reposts', 'm.replies', 'm.impressions'])
    .where('d.post_id', '=', postId)
    .where('d.state', '=', 'published')
    .orderBy('d.created_at')
    .execute();
  return rows.map((r) => ({
    deliveryId: r.id,
    network: r.network,
    row: r.slot === null ? undefined : { likes: r.likes, reposts: r.reposts, replies: r.replies, impressions: r.impressions },
  }));
}

/** Whether the post's thread already got its metrics summary (the event is written once). */
export async function summaryRecorded(db: Executor, postId: string): Promise<boolean> {
  const row = await db.selectFrom('events').select('id').where('post_id', '=', postId).where('kind', '=', 'metrics_summary').limit(1).executeTakeFirst();
  return row !== undefined;
}
