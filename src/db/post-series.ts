import type { Post, PostSeriesTable } from './schema.ts';
import { anyUuid, type Executor, runPrepared } from './database.ts';

export async function insertSeries(tx: Executor, headId: string, postIds: string[], rule: string): Promise<void> {
  await tx
    .insertInto('post_series')
    .values(postIds.map((post_id, position) => ({ post_id, head_id: headId, position, rule })))
    .execute();
}

/** The post's place in a series; undefined for a post that is not in one. */
export function seriesOf(db: Executor, postId: string): Promise<PostSeriesTable | undefined> {
  return db.selectFrom('post_series').selectAll().where('post_id', '=', postId).executeTakeFirst();
}

/** The occurrences after the head, in order, locked for the caller's transaction. */
export function lockFollowers(tx: Executor, headId: string): Promise<(Post & { position: number })[]> {
  return tx
    .selectFrom('post_series')
    .innerJoin('posts', 'posts.id', 'post_series.post_id')
    .selectAll('posts')
    .select('post_series.position')
    .where('post_series.head_id', '=', headId)
    .where('post_series.position', '>', 0)
    .orderBy('post_series.position')
    .forUpdate()
    .execute();
}

/** The series places of several posts at once (a batch of notify jobs), keyed by post id. */
export async function seriesOfPosts(db: Executor, postIds: string[]): Promise<Map<string, PostSeriesTable>> {
  if (postIds.length === 0) return new Map();
  const rows = await runPrepared(db, db.selectFrom('post_series').selectAll().where('post_id', '=', anyUuid(postIds)).compile());
  return new Map(rows.map((row) => [row.post_id, row]));
}
