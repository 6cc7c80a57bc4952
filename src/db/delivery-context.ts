import { sql } from 'kysely';
import type { Network } from '../domain/networks.ts';
import { type Executor, runPrepared } from './database.ts';
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
  /** The post's link card (issue 16): `ok` with its image's stored file, or `disabled`; null otherwise. */
  linkPreview: DeliveryLinkPreview | null;
}

export interface DeliveryLinkPreview {
  url: string;
  status: 'ok' | 'disabled';
  title: string;
  description: string;
  image: { id: string; bytes: number; contentType: string } | null;
}

/**
 * Everything a publish attempt reads, for any number of deliveries in one statement: the delivery, its
 * post, account and workspace, and the post's variants and media. Every publish job starts here; a
 * batch of jobs reads its rows in one round trip where each job used to need six. A delivery that is
 * gone (or a row it needs) is missing from the result.
 */
export async function findDeliveryRows(db: Executor, deliveryIds: string[]): Promise<DeliveryRows[]> {
  // A prepared statement: parsed and planned once per connection, not once per batch.
  const rows = await runPrepared(db, deliveryRowsQuery(deliveryIds).compile(db));
  return rows.map((row) => ({
    delivery: withDates(row.delivery) as Delivery,
    post: withDates(row.post) as Post,
    account: withDates(row.account) as SocialAccount,
    workspace: withDates(row.workspace) as Workspace,
    variants: row.variants as DeliveryRows['variants'],
    media: row.media as unknown as DeliveryRows['media'],
    linkPreview: row.link_preview as unknown as DeliveryLinkPreview | null,
    files: (row.files as unknown as Record<string, unknown>[]).map((f) => withDates(f) as unknown as MediaRow),
  }));
}

type DeliveryRowsRow = Record<Exclude<keyof DeliveryRows, 'linkPreview'> | 'link_preview', Record<string, unknown>>;

function deliveryRowsQuery(deliveryIds: string[]) {
  return sql<DeliveryRowsRow>`
    SELECT to_jsonb(d) AS delivery, to_jsonb(p) AS post, to_jsonb(a) AS account, to_jsonb(w) AS workspace,
      (SELECT coalesce(jsonb_object_agg(v.network, v.text), '{}') FROM post_variants v WHERE v.post_id = p.id) AS variants,
      (SELECT coalesce(jsonb_agg(jsonb_build_object('url', m.url, 'alt', m.alt) ORDER BY m.position), '[]') FROM post_media m WHERE m.post_id = p.id) AS media,
      -- A later occurrence of a series has no files of its own: it publishes the series' first post's
      -- (one copy in the store serves every occurrence; src/workflow/post-files.ts filesToPublish).
      (SELECT coalesce(jsonb_agg(to_jsonb(f) ORDER BY f.position, f.created_at), '[]') FROM media f
        WHERE f.post_id = coalesce(
            (SELECT s.head_id FROM post_series s WHERE s.post_id = p.id AND s.position > 0
              AND NOT EXISTS (SELECT 1 FROM media own WHERE own.post_id = p.id AND own.variant_of IS NULL)),
            p.id)
          AND f.variant_of IS NULL AND f.state = 'ready'
          AND NOT EXISTS (SELECT 1 FROM post_link_previews l WHERE l.image_media_id = f.id)) AS files,
      (SELECT jsonb_build_object('url', l.url, 'status', l.status, 'title', l.title, 'description', l.description,
          'image', CASE WHEN i.id IS NULL THEN NULL ELSE jsonb_build_object('id', i.id, 'bytes', i.bytes, 'contentType', i.content_type) END)
        FROM post_link_previews l LEFT JOIN media i ON i.id = l.image_media_id AND i.state = 'ready'
        -- An occurrence of a series publishes the series' first post's card, as its files.
        WHERE l.post_id = coalesce(
            (SELECT s.head_id FROM post_series s WHERE s.post_id = p.id AND s.position > 0
              AND NOT EXISTS (SELECT 1 FROM post_link_previews own WHERE own.post_id = p.id)),
            p.id)
          AND l.status IN ('ok', 'disabled')) AS link_preview
    FROM deliveries d
    JOIN posts p ON p.id = d.post_id
    JOIN social_accounts a ON a.id = d.account_id
    JOIN workspaces w ON w.id = p.workspace_id
    WHERE d.id = ANY(${deliveryIds}::uuid[])`;
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
