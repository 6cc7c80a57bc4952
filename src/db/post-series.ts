import type { Kysely, Transaction } from 'kysely';
import type { Post } from './schema.ts';
import type { Database } from './schema.ts';
import type { Executor } from './database.ts';

/** The table of migrations/2026-12-06T0500_posting_slots.ts: which series a post belongs to. */
export interface PostSeriesTable {
  post_id: string;
  head_id: string;
  position: number;
  rule: string;
}

type SeriesTables = { post_series: PostSeriesTable };

function withSeries(db: Executor): Kysely<Database & SeriesTables> | Transaction<Database & SeriesTables> {
  return db.withTables<SeriesTables>();
}

export async function insertSeries(tx: Executor, headId: string, postIds: string[], rule: string): Promise<void> {
  await withSeries(tx)
    .insertInto('post_series')
    .values(postIds.map((post_id, position) => ({ post_id, head_id: headId, position, rule })))
    .execute();
}

/** The post's place in a series; undefined for a post that is not in one. */
export function seriesOf(db: Executor, postId: string): Promise<PostSeriesTable | undefined> {
  return withSeries(db).selectFrom('post_series').selectAll().where('post_id', '=', postId).executeTakeFirst();
}

/** The occurrences after the head, in order, locked for the caller's transaction. */
export function lockFollowers(tx: Executor, headId: string): Promise<(Post & { position: number })[]> {
  return withSeries(tx)
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
