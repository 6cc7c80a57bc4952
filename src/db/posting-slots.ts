import { sql, type Selectable } from 'kysely';
import type { Network } from '../domain/networks.ts';
import type { Executor } from './database.ts';
import type { PostingSlotsTable } from './schema.ts';

export type PostingSlot = Selectable<PostingSlotsTable>;

/** A post in one of these states holds its time: a booking of any other post is stale. */
const LIVE_STATES = sql.raw(`('in_review', 'changes_requested', 'approved', 'scheduled', 'publishing')`);

export function listSlots(db: Executor, workspaceId: string): Promise<PostingSlot[]> {
  return db.selectFrom('posting_slots').selectAll().where('workspace_id', '=', workspaceId).orderBy('weekday').orderBy('minute').execute();
}

export async function addSlots(
  db: Executor,
  rows: { workspaceId: string; accountId: string | null; network: Network | null; weekday: number; minute: number; zone: string; createdBy: string }[],
): Promise<number> {
  if (rows.length === 0) return 0;
  const result = await sql<{ id: string }>`
    INSERT INTO posting_slots (workspace_id, account_id, network, weekday, minute, zone, created_by)
    SELECT * FROM unnest(${rows.map((r) => r.workspaceId)}::uuid[], ${rows.map((r) => r.accountId)}::uuid[], ${rows.map((r) => r.network)}::text[],
                         ${rows.map((r) => r.weekday)}::smallint[], ${rows.map((r) => r.minute)}::smallint[], ${rows.map((r) => r.zone)}::text[], ${rows.map((r) => r.createdBy)}::text[])
    ON CONFLICT DO NOTHING
    RETURNING id`.execute(db);
  return result.rows.length;
}

/** Removes the slots of one target at the given weekdays and minutes; how many went. */
export async function removeSlots(
  db: Executor,
  workspaceId: string,
  target: { accountId: string } | { network: Network },
  weekdays: number[],
  minutes: number[] | 'all',
): Promise<number> {
  let q = db.deleteFrom('posting_slots').where('workspace_id', '=', workspaceId).where('weekday', 'in', weekdays);
  q = 'accountId' in target ? q.where('account_id', '=', target.accountId) : q.where('network', '=', target.network).where('account_id', 'is', null);
  if (minutes !== 'all') q = q.where('minute', 'in', minutes);
  const result = await q.executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** The slots that apply to an account: its own and its network's. */
export function slotsOfAccounts(db: Executor, workspaceId: string, accounts: { id: string; network: Network }[]): Promise<PostingSlot[]> {
  if (accounts.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('posting_slots')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where((eb) =>
      eb.or([
        eb(
          'account_id',
          'in',
          accounts.map((a) => a.id),
        ),
        eb.and([eb('account_id', 'is', null), eb('network', 'in', [...new Set(accounts.map((a) => a.network))])]),
      ]),
    )
    .execute();
}

/**
 * Serialises "next slot" per account: every transaction that books a slot of an account takes this
 * transaction-scoped lock first (accounts in id order, so two bookings of overlapping accounts never
 * wait on each other crosswise). The next holder's statements see the previous holder's committed
 * bookings. The bookings' primary key stays the last word: a booking that slipped past would fail.
 */
export async function lockSlotAccounts(tx: Executor, accountIds: string[]): Promise<void> {
  const ids = [...new Set(accountIds)].sort();
  if (ids.length === 0) return;
  // One round trip: the locks are taken row by row in the ordered subquery's order.
  await sql`SELECT count(pg_advisory_xact_lock(hashtext('greenlight.slot_bookings'), hashtext(id))) FROM (SELECT id FROM unnest(${ids}::text[]) WITH ORDINALITY AS u(id, n) ORDER BY n) s`.execute(
    tx,
  );
}

/**
 * Of `instants`, those at which one of `accountIds` is already busy: a live booking, or a live post
 * to the account at that very time (typed by hand). Index look-ups only: the bookings' primary key,
 * and posts_queue_idx (workspace_id, publish_at) with post_targets' key per post found (the lateral
 * subquery keeps the planner from hashing all of the account's targets, which grow with the store).
 */
export async function busyInstants(tx: Executor, workspaceId: string, accountIds: string[], instants: Date[]): Promise<Date[]> {
  if (instants.length === 0 || accountIds.length === 0) return [];
  const { rows } = await sql<{ at: Date }>`
    SELECT b.slot_at AS at
      FROM slot_bookings b JOIN posts p ON p.id = b.post_id
     WHERE b.workspace_id = ${workspaceId} AND b.account_id = ANY(${accountIds}::uuid[]) AND b.slot_at = ANY(${instants}::timestamptz[])
       AND p.state IN ${LIVE_STATES} AND p.publish_at = b.slot_at
    UNION
    SELECT p.publish_at AS at
      FROM posts p
     CROSS JOIN LATERAL (SELECT 1 FROM post_targets t WHERE t.post_id = p.id AND t.account_id = ANY(${accountIds}::uuid[]) LIMIT 1) t
     WHERE p.workspace_id = ${workspaceId} AND p.state IN ${LIVE_STATES} AND p.publish_at = ANY(${instants}::timestamptz[])`.execute(tx);
  return rows.map((r) => r.at);
}

/**
 * Books `at` for each account for `postId`. A stale booking of the instant (its post canceled,
 * rejected, published elsewhere in time) gives way; a live one makes this throw (the primary key),
 * which rolls the caller's transaction back rather than double-book.
 */
export async function insertBookings(tx: Executor, workspaceId: string, accountIds: string[], at: Date, postId: string): Promise<void> {
  await sql`
    DELETE FROM slot_bookings b USING posts p
     WHERE p.id = b.post_id AND b.workspace_id = ${workspaceId} AND b.account_id = ANY(${accountIds}::uuid[]) AND b.slot_at = ${at}
       AND (p.state NOT IN ${LIVE_STATES} OR p.publish_at <> b.slot_at)`.execute(tx);
  await tx
    .insertInto('slot_bookings')
    .values(accountIds.map((account_id) => ({ workspace_id: workspaceId, account_id, slot_at: at, post_id: postId })))
    .execute();
}

/** Live posts at any of `instants` with their accounts: which slot instants of a week are taken, by whom. */
export async function takenAt(db: Executor, workspaceId: string, instants: Date[]): Promise<{ at: Date; account_id: string }[]> {
  if (instants.length === 0) return [];
  const { rows } = await sql<{ at: Date; account_id: string }>`
    SELECT p.publish_at AS at, t.account_id
      FROM posts p
     CROSS JOIN LATERAL (SELECT account_id FROM post_targets t WHERE t.post_id = p.id OFFSET 0) t
     WHERE p.workspace_id = ${workspaceId} AND p.state IN ${LIVE_STATES} AND p.publish_at = ANY(${instants}::timestamptz[])`.execute(db);
  return rows;
}
