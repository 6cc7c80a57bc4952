import { sql, type Kysely } from 'kysely';

/**
 * Two lists of Slack's App Home read posts by states that the existing indexes do not single out, so
 * their cost grew with every scheduled post stored (bench/growth.ts, docs/benchmarks.md): "posts to
 * approve" scanned the whole table, "my drafts" every post of the author. Each gets a small partial
 * index holding only the posts it lists, in the order it lists them. Not breaking.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE INDEX posts_review_idx ON posts (workspace_id, publish_at) WHERE state = 'in_review'`.execute(db);
  await sql`CREATE INDEX posts_authoring_idx ON posts (workspace_id, author_id, publish_at) WHERE state IN ('draft', 'in_review', 'changes_requested')`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX IF EXISTS posts_authoring_idx`.execute(db);
  await sql`DROP INDEX IF EXISTS posts_review_idx`.execute(db);
}
