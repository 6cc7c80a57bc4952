import { sql, type Kysely } from 'kysely';

/**
 * Issue 16: link preview cards. Not breaking.
 *
 * `post_link_previews`: the card of a post's first link, one per post, read from the page after the
 * compose form was answered. `status` is `pending` until the page was read, `ok` with a card,
 * `unreadable` (no card; `reason` says why, for the approval card) or `disabled` (the author chose
 * "no link preview"). The card's image is a file in the media store (`image_media_id`, removed with
 * it), and its sha256 is kept here because the content hash covers it. `version` is the post version
 * the card was read for: a card read for an older text is not applied.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE post_link_previews (
      post_id uuid PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE,
      url text NOT NULL,
      status text NOT NULL CHECK (status IN ('pending', 'ok', 'unreadable', 'disabled')),
      title text NOT NULL DEFAULT '',
      description text NOT NULL DEFAULT '',
      image_media_id uuid REFERENCES media (id) ON DELETE SET NULL,
      image_sha256 text,
      reason text,
      version integer NOT NULL DEFAULT 1,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('post_link_previews').ifExists().execute();
}
