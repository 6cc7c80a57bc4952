import { sql, type Kysely } from 'kysely';

/**
 * Issue 17: posting slots, "next slot" bookings, and the week calendar's index. Not breaking.
 *
 * - `posting_slots`: a workspace's weekly slots, a weekday and a wall-clock minute in `zone` (the
 *   workspace's zone when the slot was added), for one account or for every account of a network.
 * - `slot_bookings`: which account took which slot instant, for which post. The unique index on
 *   (workspace, account, instant) makes the database, not a process, the judge of "free": two
 *   authors asking for "next slot" at once can never both hold the same instant for one account.
 *   A booking whose post was canceled, rejected or moved away is stale and is replaced when the
 *   instant is booked again (src/db/posting-slots.ts).
 * - `post_series`: recurring posts. Each occurrence is its own post; this row says which series (the
 *   head: the first occurrence, whose card stands for the series) and which place in it.
 * - `posts_calendar_idx`: the week calendar lists posts of every state but drafts, canceled and
 *   rejected ones by (workspace, publish time); the queue index only holds the live states.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE posting_slots (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
      account_id uuid REFERENCES social_accounts (id) ON DELETE CASCADE,
      network text,
      weekday smallint NOT NULL CHECK (weekday BETWEEN 1 AND 7),
      minute smallint NOT NULL CHECK (minute BETWEEN 0 AND 1439),
      zone text NOT NULL,
      created_by text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      CHECK ((account_id IS NULL) <> (network IS NULL))
    )`.execute(db);
  await sql`CREATE UNIQUE INDEX posting_slots_unique_idx ON posting_slots (workspace_id, coalesce(account_id::text, network), weekday, minute)`.execute(db);

  await sql`
    CREATE TABLE slot_bookings (
      workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
      account_id uuid NOT NULL REFERENCES social_accounts (id) ON DELETE CASCADE,
      slot_at timestamptz NOT NULL,
      post_id uuid NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (workspace_id, account_id, slot_at)
    )`.execute(db);
  await sql`CREATE INDEX slot_bookings_post_idx ON slot_bookings (post_id)`.execute(db);

  await sql`
    CREATE TABLE post_series (
      post_id uuid PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE,
      head_id uuid NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
      position int NOT NULL CHECK (position >= 0),
      rule text NOT NULL
    )`.execute(db);
  await sql`CREATE UNIQUE INDEX post_series_head_idx ON post_series (head_id, position)`.execute(db);

  await sql`CREATE INDEX posts_calendar_idx ON posts (workspace_id, publish_at) WHERE state NOT IN ('draft', 'canceled', 'rejected')`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX IF EXISTS posts_calendar_idx`.execute(db);
  await sql`DROP TABLE IF EXISTS post_series`.execute(db);
  await sql`DROP TABLE IF EXISTS slot_bookings`.execute(db);
  await sql`DROP TABLE IF EXISTS posting_slots`.execute(db);
}
