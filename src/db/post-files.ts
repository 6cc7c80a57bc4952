import { sql } from 'kysely';
import type { Db, Executor } from './database.ts';
import type { MediaRow } from './media-store.ts';
import type { MediaSource } from './schema.ts';

/**
 * A post's attached files in the media store (issue 14): the `preparing` rows written with the post
 * (the copy from the chat follows after the form was answered), their order and alt text, and what
 * the copy job and the approval ask of them. The bytes themselves: src/db/media-store.ts.
 */
export interface NewPostFile {
  position: number;
  filename: string;
  alt: string | null;
  /** The type the chat reported. */
  declaredType: string;
  source: MediaSource;
}

/** `preparing` rows for files attached in a chat, in the caller's transaction (the post's insert or edit). */
export async function addPreparingFiles(tx: Executor, workspaceId: string, postId: string, files: readonly NewPostFile[]): Promise<string[]> {
  if (files.length === 0) return [];
  const rows = await tx
    .insertInto('media')
    .values(
      files.map((f) => ({
        workspace_id: workspaceId,
        post_id: postId,
        position: f.position,
        filename: f.filename,
        alt: f.alt,
        declared_type: f.declaredType,
        content_type: f.declaredType,
        source: JSON.stringify(f.source),
      })),
    )
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}

export interface PostFileRow extends MediaRow {
  source: MediaSource | null;
  declared_type: string | null;
}

/** The post's own files in order, with where a preparing one comes from. */
export async function listPostFiles(db: Executor, postId: string): Promise<PostFileRow[]> {
  return db.selectFrom('media').selectAll().where('post_id', '=', postId).where('variant_of', 'is', null).orderBy('position').orderBy('created_at').execute();
}

/** Files of several posts (the cards of a batch), by post id, in order. */
export async function listFilesOfPosts(db: Executor, postIds: readonly string[]): Promise<Map<string, MediaRow[]>> {
  const byPost = new Map<string, MediaRow[]>();
  if (postIds.length === 0) return byPost;
  const rows = await db
    .selectFrom('media')
    .selectAll()
    .where('post_id', 'in', [...postIds])
    .where('variant_of', 'is', null)
    .orderBy('post_id')
    .orderBy('position')
    .orderBy('created_at')
    .execute();
  for (const row of rows) {
    const list = byPost.get(row.post_id!) ?? [];
    list.push(row);
    byPost.set(row.post_id!, list);
  }
  return byPost;
}

export async function countPreparingFiles(db: Executor, postId: string): Promise<number> {
  const row = await db
    .selectFrom('media')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('post_id', '=', postId)
    .where('state', '=', 'preparing')
    .executeTakeFirstOrThrow();
  return row.n;
}

/** A kept file's new place and alt text (an edit that reorders or rewrites the alt text). */
export async function placeFile(tx: Executor, postId: string, mediaId: string, place: { position: number; alt: string | null }): Promise<boolean> {
  const result = await tx.updateTable('media').set(place).where('id', '=', mediaId).where('post_id', '=', postId).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Removes the post's files not in `keep` (converted copies go with their originals); returns how many went. */
export async function removePostFilesExcept(tx: Executor, postId: string, keep: readonly string[]): Promise<number> {
  let query = tx.deleteFrom('media').where('post_id', '=', postId).where('variant_of', 'is', null);
  if (keep.length > 0) query = query.where('id', 'not in', [...keep]);
  const result = await query.executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * Starts a copy afresh: a file whose earlier copy was cut short (a worker killed mid-copy) loses the
 * chunks it had, so the retry writes each chunk once. False when the row is gone or no longer preparing.
 */
export async function restartCopy(db: Db, mediaId: string): Promise<boolean> {
  return db.transaction().execute(async (tx) => {
    const row = await tx.selectFrom('media').select('id').where('id', '=', mediaId).where('state', '=', 'preparing').forUpdate().executeTakeFirst();
    if (!row) return false;
    await tx.deleteFrom('media_chunks').where('media_id', '=', mediaId).execute();
    await tx.updateTable('media').set({ bytes: 0 }).where('id', '=', mediaId).execute();
    return true;
  });
}

/** The link is no longer needed once the file is in the store. */
export async function clearSource(db: Executor, mediaId: string): Promise<void> {
  await db.updateTable('media').set({ source: null }).where('id', '=', mediaId).execute();
}
