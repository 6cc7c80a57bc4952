import { sql, type Kysely } from 'kysely';

/**
 * Issue 15: how a post's video goes to Instagram, chosen per post in the compose form: `reels` (a Reel,
 * also shown in the feed; every post before this column) or `stories` (a Story). The content hash covers
 * it (src/domain/instagram-kind.ts), so changing it voids approvals. Not breaking: a column with a default.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE posts ADD COLUMN instagram_kind text NOT NULL DEFAULT 'reels' CHECK (instagram_kind IN ('reels', 'stories'))`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE posts DROP COLUMN IF EXISTS instagram_kind`.execute(db);
}
