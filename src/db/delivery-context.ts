import { sql } from 'kysely';
import type { Network } from '../domain/networks.ts';
import type { Executor } from './database.ts';
import type { MediaRow } from './media-store.ts';
import type { Delivery, Post, SocialAccount, Workspace } from './schema.ts';

export interface DeliveryRows {
  delivery: Delivery;
  post: Post;
  account: SocialAccount;
  workspace: Workspace;
  variants: Partial<Record<Network, string>>;
  media: { url: string; alt: string | null }[];
  /** The post's files in Greenlight's media store: ready, not converted copies, in order. */
  files: MediaRow[];
}

/**
 * Everything a publish attempt reads, for any number of deliveries in one statement: the delivery, its
 * post, account and workspace, and the post's variants and media. Every publish job starts here; a
 * batch of jobs reads its rows in one round trip where each job used to need six. A delivery that is
 * gone (or a row it needs) is missing from the result.
 */
export async function findDeliveryRows(db: Executor, deliveryIds: string[]): Promise<DeliveryRows[]> {
  const { rows } = await sql<Record<keyof DeliveryRows, Record<string, unknown>>>`
    SELECT to_jsonb(d) AS delivery, to_jsonb(p) AS post, to_jsonb(a) AS account, to_jsonb(w) AS workspace,
      (SELECT coalesce(jsonb_object_agg(v.network, v.text), '{}') FROM post_variants v WHERE v.post_id = p.id) AS variants,
      (SELECT coalesce(jsonb_agg(jsonb_build_object('url', m.url, 'alt', m.alt) ORDER BY m.position), '[]') FROM post_media m WHERE m.post_id = p.id) AS media,
      (SELECT coalesce(jsonb_agg(to_jsonb(f) ORDER BY f.position, f.created_at), '[]') FROM media f
        WHERE f.post_id = p.id AND f.variant_of IS NULL AND f.state = 'ready') AS files
    FROM deliveries d
    JOIN posts p ON p.id = d.post_id
    JOIN social_accounts a ON a.id = d.account_id
    JOIN workspaces w ON w.id = p.workspace_id
    WHERE d.id = ANY(${deliveryIds}::uuid[])`.execute(db);
  return rows.map((row) => ({
    delivery: withDates(row.delivery) as Delivery,
    post: withDates(row.post) as Post,
    account: withDates(row.account) as SocialAccount,
    workspace: withDates(row.workspace) as Workspace,
    variants: row.variants as DeliveryRows['variants'],
    media: row.media as unknown as DeliveryRows['media'],
    files: (row.files as unknown as Record<string, unknown>[]).map((f) => withDates(f) as unknown as MediaRow),
  }));
}

/**
 * Rows come back as JSON, where timestamps are strings. Every timestamp column is named `*_at` and
 * every `*_at` column is a timestamp (the schema's convention), so those become Dates again, as the
 * pg driver would have made them.
 */
function withDates(row: Record<string, unknown>): Record<string, unknown> {
  for (const [key, value] of Object.entries(row)) {
    if (key.endsWith('_at') && typeof value === 'string') row[key] = new Date(value);
  }
  return row;
}
