import { sql, type Kysely } from 'kysely';

/**
 * `thread_receipts`: one row per event of a post, written in the event's own transaction (an outbox),
 * saying whether its reply is in the card's thread yet. Replaces the single mark per card
 * (`chat_messages.last_event_id`, now unused), which could not tell a receipt being posted right now
 * by another worker (an expired notify job running beside its retry) from one still to post, and which
 * skipped an event that committed after a later one had moved the mark.
 *
 * - `claimed_at`: a worker took the receipt to post it; another worker leaves it alone for a lease.
 * - `message_id`: the chat's id of the reply (Slack ts, Discord message id), stored after posting.
 * - `posted_at`: done (posted, or the event needs no reply). Null: still to post.
 *
 * Existing events newer than their card's mark (or of posts whose card is not posted yet) get a row
 * still to post, so nothing in flight at the upgrade is lost. Not breaking.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('thread_receipts')
    .addColumn('event_id', 'bigint', (c) => c.primaryKey().references('events.id').onDelete('cascade'))
    .addColumn('post_id', 'uuid', (c) => c.notNull().references('posts.id').onDelete('cascade'))
    .addColumn('claimed_at', 'timestamptz')
    .addColumn('message_id', 'text')
    .addColumn('posted_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // The notify job reads a post's receipts still to post; the sweeper finds old ones of any post.
  await sql`CREATE INDEX thread_receipts_unposted_idx ON thread_receipts (post_id, event_id) WHERE posted_at IS NULL`.execute(db);
  await sql`CREATE INDEX thread_receipts_unposted_age_idx ON thread_receipts (created_at) WHERE posted_at IS NULL`.execute(db);
  await sql`
    INSERT INTO thread_receipts (event_id, post_id, created_at)
    SELECT e.id, e.post_id, e.created_at
    FROM events e
    LEFT JOIN chat_messages m ON m.post_id = e.post_id
    WHERE e.post_id IS NOT NULL AND e.id > COALESCE(m.last_event_id, 0)
      AND (m.post_id IS NOT NULL OR e.created_at > now() - interval '1 day')
    ON CONFLICT DO NOTHING`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('thread_receipts').ifExists().execute();
}
