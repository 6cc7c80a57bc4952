import { sql } from 'kysely';
import type { LinkPreview, LinkPreviewStatus } from '../domain/link-preview.ts';
import type { Executor } from './database.ts';

/** A post's link card (issue 16): one row per post, see migrations/2026-12-06T0640_link_previews.ts. */

export interface StoredLinkPreview extends LinkPreview {
  postId: string;
  version: number;
}

type Row = {
  post_id: string;
  url: string;
  status: LinkPreviewStatus;
  title: string;
  description: string;
  image_media_id: string | null;
  image_sha256: string | null;
  reason: string | null;
  version: number;
};

const fromRow = (r: Row): StoredLinkPreview => ({
  postId: r.post_id,
  url: r.url,
  status: r.status,
  title: r.title,
  description: r.description,
  imageMediaId: r.image_media_id,
  imageSha256: r.image_sha256,
  reason: r.reason,
  version: r.version,
});

export async function findLinkPreview(db: Executor, postId: string): Promise<StoredLinkPreview | undefined> {
  const row = await db.selectFrom('post_link_previews').selectAll().where('post_id', '=', postId).executeTakeFirst();
  return row ? fromRow(row as Row) : undefined;
}

/**
 * A new version of the post asks for its card: `pending` (the job reads the page) or `disabled`
 * (the author chose no preview). A link no longer in the text removes the row.
 */
export async function requestLinkPreview(tx: Executor, postId: string, version: number, ask: { url: string; disabled: boolean } | undefined): Promise<void> {
  // The card of the version before goes, with its image (it is not one of the post's own files).
  const old = await tx.selectFrom('post_link_previews').select('image_media_id').where('post_id', '=', postId).executeTakeFirst();
  if (old?.image_media_id) await tx.deleteFrom('media').where('id', '=', old.image_media_id).execute();
  if (!ask) {
    await tx.deleteFrom('post_link_previews').where('post_id', '=', postId).execute();
    return;
  }
  const values = {
    url: ask.url,
    status: (ask.disabled ? 'disabled' : 'pending') as LinkPreviewStatus,
    title: '',
    description: '',
    image_media_id: null,
    image_sha256: null,
    reason: null,
    version,
  };
  await tx
    .insertInto('post_link_previews')
    .values({ post_id: postId, ...values })
    .onConflict((oc) => oc.column('post_id').doUpdateSet({ ...values, updated_at: sql<Date>`now()` }))
    .execute();
}

/**
 * Stores what the page gave (and ties its stored image to the post), only for the version that asked and while it is still pending: a card read
 * for an older text, or read twice by a retried job, changes nothing. Returns the stored card, or
 * undefined when it was not applied.
 */
export async function settleLinkPreview(
  tx: Executor,
  postId: string,
  version: number,
  result: Pick<LinkPreview, 'status' | 'title' | 'description' | 'imageMediaId' | 'imageSha256' | 'reason'>,
): Promise<StoredLinkPreview | undefined> {
  const row = await tx
    .updateTable('post_link_previews')
    .set({
      status: result.status,
      title: result.title,
      description: result.description,
      image_media_id: result.imageMediaId,
      image_sha256: result.imageSha256,
      reason: result.reason,
      updated_at: sql<Date>`now()`,
    })
    .where('post_id', '=', postId)
    .where('version', '=', version)
    .where('status', '=', 'pending')
    .returningAll()
    .executeTakeFirst();
  if (!row) return undefined;
  // The image was stored unattached, so no list of the post's own files saw it before this card did.
  if (result.imageMediaId) await tx.updateTable('media').set({ post_id: postId }).where('id', '=', result.imageMediaId).execute();
  return fromRow(row as Row);
}
