import { sql, type Kysely } from 'kysely';

/**
 * Issue 16: link preview cards and first comments. Not breaking.
 *
 * `post_link_previews`: the card of a post's first link, one per post, read from the page after the
 * compose form was answered. `status` is `pending` until the page was read, `ok` with a card,
 * `unreadable` (no card; `reason` says why, for the approval card) or `disabled` (the author chose
 * "no link preview"). The card's image is a file in the media store (`image_media_id`, removed with
 * it), and its sha256 is kept here because the content hash covers it. `version` is the post version
 * the card was read for: a card read for an older text is not applied.
 *
 * `post_first_comments`: the author's first comment per network (a comment on LinkedIn, Facebook and
 * Instagram; a reply on X, Bluesky, Mastodon and Threads). `delivery_comments`: one per delivery that
 * has one, from the moment its post went out: `pending` → `sending` (claimed; a crash leaves it here, so
 * a comment whose outcome is unknown is never sent twice blindly) → `published` (its id and link) |
 * `failed` (the network's words; [Retry comment] puts it back to `pending`).
 *
 * `connect_picks`: after a sign-in that gave several accounts (LinkedIn: the member and the organization
 * pages they administer; Facebook Pages; Instagram accounts), what the picker page offers: only the sha256
 * of its link token is stored, the choices (with their tokens) are encrypted, it expires, and it is used once.
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
  await sql`
    CREATE TABLE connect_picks (
      token_hash text PRIMARY KEY,
      workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
      user_id text NOT NULL,
      network text NOT NULL,
      choices text NOT NULL,
      expires_at timestamptz NOT NULL,
      used_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`
    CREATE TABLE post_first_comments (
      post_id uuid NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
      network text NOT NULL,
      text text NOT NULL,
      PRIMARY KEY (post_id, network)
    )`.execute(db);
  await sql`
    CREATE TABLE delivery_comments (
      delivery_id uuid PRIMARY KEY REFERENCES deliveries (id) ON DELETE CASCADE,
      text text NOT NULL,
      state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sending', 'published', 'failed')),
      attempts integer NOT NULL DEFAULT 0,
      external_id text,
      url text,
      last_error jsonb,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('connect_picks').ifExists().execute();
  await db.schema.dropTable('delivery_comments').ifExists().execute();
  await db.schema.dropTable('post_first_comments').ifExists().execute();
  await db.schema.dropTable('post_link_previews').ifExists().execute();
}
