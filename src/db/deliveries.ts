import { sql } from 'kysely';
import { assertDeliveryTransition, deliveryPredecessors, type DeliveryState } from '../domain/delivery-state.ts';
import type { Network } from '../domain/networks.ts';
import { anyUuid, type Executor, runPrepared } from './database.ts';
import type { StoredPart } from './claim.ts';
import type { Delivery, DeliveryError } from './schema.ts';

export async function insertDeliveries(tx: Executor, postId: string, targets: { accountId: string; network: Network }[], dueAt: Date): Promise<Delivery[]> {
  if (targets.length === 0) return [];
  return (
    tx
      .insertInto('deliveries')
      .values(targets.map((t) => ({ post_id: postId, account_id: t.accountId, network: t.network, state: 'pending' as const, due_at: dueAt })))
      // A post approved twice (a retried request) keeps its first deliveries.
      .onConflict((oc) => oc.columns(['post_id', 'account_id']).doNothing())
      .returningAll()
      .execute()
  );
}

export function findDelivery(tx: Executor, deliveryId: string): Promise<Delivery | undefined> {
  return tx.selectFrom('deliveries').selectAll().where('id', '=', deliveryId).executeTakeFirst();
}

export function listDeliveries(tx: Executor, postId: string): Promise<Delivery[]> {
  return tx.selectFrom('deliveries').selectAll().where('post_id', '=', postId).orderBy('network').orderBy('created_at').execute();
}

export interface DeliveryChanges {
  due_at?: Date;
  last_error?: DeliveryError | null;
  external_id?: string | null;
  url?: string | null;
  published_at?: Date | null;
  maybe_sent_at?: Date | null;
}

/**
 * Guarded state change: only from a state `to` may legally follow (or the given ones). Returns the
 * updated row, or undefined when another worker or click changed it first.
 */
export function transitionDelivery(
  tx: Executor,
  deliveryId: string,
  to: DeliveryState,
  changes: DeliveryChanges = {},
  from: DeliveryState[] = deliveryPredecessors(to),
): Promise<Delivery | undefined> {
  const { last_error, ...rest } = changes;
  return tx
    .updateTable('deliveries')
    .set({
      ...rest,
      ...(last_error !== undefined ? { last_error: last_error === null ? null : JSON.stringify(last_error) } : {}),
      state: to,
      updated_at: sql<Date>`now()`,
    })
    .where('id', '=', deliveryId)
    .where('state', 'in', from)
    .returningAll()
    .executeTakeFirst();
}

export function listParts(tx: Executor, deliveryId: string) {
  return tx
    .selectFrom('delivery_parts')
    .select(['position', 'external_id as externalId', 'url'])
    .where('delivery_id', '=', deliveryId)
    .orderBy('position')
    .execute();
}

/** Stores a published thread part; it also renews the attempt's start, the sign its worker is alive. One statement. */
export async function savePart(tx: Executor, deliveryId: string, part: { position: number; externalId: string; url: string }): Promise<void> {
  await tx
    .with('saved', (db) =>
      db
        .insertInto('delivery_parts')
        .values({ delivery_id: deliveryId, position: part.position, external_id: part.externalId, url: part.url })
        .onConflict((oc) => oc.columns(['delivery_id', 'position']).doNothing()),
    )
    .updateTable('deliveries')
    .set({ sending_started_at: sql<Date>`now()` })
    .where('id', '=', deliveryId)
    .where('state', '=', 'sending')
    .execute();
}

export interface PublishedRow {
  deliveryId: string;
  externalId: string;
  url: string;
  publishedAt: Date;
  /** The thread parts the network took (the last one not stored yet: publishing stores the others as they go). */
  parts: StoredPart[];
}

/**
 * `sending -> published` for several deliveries in one statement, guarded like transitionDelivery, with
 * the thread parts of those that changed stored by the same statement (parts already stored stay);
 * returns the rows that changed (another worker or click may have changed the others first). A
 * delivery listed twice is taken once, with its first row's parts.
 */
export async function markPublished(tx: Executor, rows: PublishedRow[]): Promise<Delivery[]> {
  // Reversed, so the first row of an id is the one its map entry keeps.
  const unique = [...new Map(rows.toReversed().map((r) => [r.deliveryId, r] as const)).values()];
  if (unique.length === 0) return [];
  const values = JSON.stringify(
    unique.map((r) => ({
      id: r.deliveryId,
      external_id: r.externalId,
      url: r.url,
      published_at: r.publishedAt.toISOString(),
      parts: r.parts.map((p) => ({ position: p.position, external_id: p.externalId, url: p.url })),
    })),
  );
  return runPrepared(
    tx,
    sql<Delivery>`
    WITH v AS (
      SELECT * FROM jsonb_to_recordset(${values}::jsonb) AS v(id uuid, external_id text, url text, published_at timestamptz, parts jsonb)),
    changed AS (
      UPDATE deliveries d
      SET state = 'published', external_id = v.external_id, url = v.url, published_at = v.published_at, last_error = NULL, updated_at = now()
      FROM v
      -- The ids as an array too: joined to the recordset alone, the planner (which guesses 100 rows for
      -- it and few in 'sending') scanned the whole deliveries table for each batch (issue 18).
      WHERE d.id = v.id AND d.id = ANY(${unique.map((r) => r.deliveryId)}::uuid[]) AND d.state = 'sending'
      RETURNING d.*),
    saved AS (
      INSERT INTO delivery_parts (delivery_id, position, external_id, url)
      SELECT c.id, p.position, p.external_id, p.url
      FROM changed c JOIN v ON v.id = c.id, jsonb_to_recordset(v.parts) AS p(position integer, external_id text, url text)
      ON CONFLICT (delivery_id, position) DO NOTHING)
    SELECT * FROM changed`.compile(tx),
  );
}

/**
 * A published delivery whose address Greenlight did not know ("It is live") gets the one found on the
 * network; an address already there stays.
 */
export async function saveFoundAddress(tx: Executor, deliveryId: string, found: { externalId: string; url: string }): Promise<Delivery | undefined> {
  return tx
    .updateTable('deliveries')
    .set({ external_id: found.externalId, url: found.url, updated_at: sql<Date>`now()` })
    .where('id', '=', deliveryId)
    .where('state', '=', 'published')
    .where('external_id', 'is', null)
    .returningAll()
    .executeTakeFirst();
}

/**
 * The state of every delivery of the given posts (the posts' outcomes are derived from them): only the
 * two columns settling needs, in a prepared statement (every recorded batch settles its posts; issue 18).
 */
export function deliveryStatesOfPosts(tx: Executor, postIds: string[]): Promise<Pick<Delivery, 'post_id' | 'state'>[]> {
  if (postIds.length === 0) return Promise.resolve([]);
  return runPrepared(tx, tx.selectFrom('deliveries').select(['post_id', 'state']).where('post_id', '=', anyUuid(postIds)).compile());
}

/** Due deliveries in `pending` whose time passed more than `graceSeconds` ago: candidates for a lost job. */
export function findOverdue(tx: Executor, now: Date, graceSeconds: number, limit: number): Promise<Pick<Delivery, 'id' | 'network' | 'due_at'>[]> {
  return tx
    .selectFrom('deliveries')
    .select(['id', 'network', 'due_at'])
    .where('state', '=', 'pending')
    .where('due_at', '<=', new Date(now.getTime() - graceSeconds * 1000))
    .orderBy('due_at')
    .limit(limit)
    .execute();
}

/**
 * The distinct due times of pending deliveries in the next `aheadMs` (and the last second, for one that
 * fell due while the previous look was under way), per network, with the database's own clock: the
 * queue compares due times with the database's now(), so the alarm must too. An index range scan.
 */
export async function dueSoon(tx: Executor, aheadMs: number, limit: number): Promise<{ databaseNow: Date; due: { network: Network; dueAt: Date }[] }> {
  // One statement, also when nothing is due: the alarm runs it every second in every process.
  const { rows } = await sql<{ database_now: Date; due: { network: Network; due_at: string }[] }>`
    SELECT now() AS database_now, (
      SELECT coalesce(json_agg(d ORDER BY d.due_at), '[]'::json) FROM (
        SELECT network, due_at FROM deliveries
        WHERE state = 'pending' AND due_at > now() - interval '1 second' AND due_at <= now() + make_interval(secs => ${aheadMs / 1000})
        GROUP BY network, due_at ORDER BY due_at LIMIT ${limit}
      ) d
    ) AS due`.execute(tx);
  const row = rows[0]!;
  return { databaseNow: row.database_now, due: row.due.map((d) => ({ network: d.network, dueAt: new Date(d.due_at) })) };
}

/** Deliveries left in `sending` longer than `staleSeconds`: their worker died mid-attempt. */
export function findStuckSending(tx: Executor, now: Date, staleSeconds: number, limit: number): Promise<Pick<Delivery, 'id'>[]> {
  return tx
    .selectFrom('deliveries')
    .select(['id'])
    .where('state', '=', 'sending')
    .where('sending_started_at', '<=', new Date(now.getTime() - staleSeconds * 1000))
    .orderBy('due_at')
    .limit(limit)
    .execute();
}

/** Whose queued deliveries `holdDeliveries` holds: one account's (but `except`), or a whole workspace's. */
export type HoldScope = { accountId: string; except?: string | undefined } | { workspaceId: string };

// Only queued deliveries are held: one already sending finishes its attempt.
const HOLD_FROM: DeliveryState[] = ['pending'];
for (const from of HOLD_FROM) assertDeliveryTransition(from, 'held');

/**
 * `pending -> held` for the queued deliveries of an account (it needs a reconnect, the operator disconnected
 * it) or of a workspace (paused), in one statement guarded like transitionDelivery. Returns the held rows.
 */
export function holdDeliveries(tx: Executor, scope: HoldScope): Promise<{ id: string; post_id: string; network: Network }[]> {
  let held = tx.updateTable('deliveries').set({ state: 'held', updated_at: sql<Date>`now()` }).where('state', 'in', HOLD_FROM);
  if ('workspaceId' in scope) {
    held = held.where('post_id', 'in', tx.selectFrom('posts').select('id').where('workspace_id', '=', scope.workspaceId));
  } else {
    held = held.where('account_id', '=', scope.accountId);
    if (scope.except) held = held.where('id', '!=', scope.except);
  }
  return held.returning(['id', 'post_id', 'network']).execute();
}

/** A paused workspace's held deliveries whose account is connected: what resuming lets go. */
export function heldDeliveriesOfWorkspace(tx: Executor, workspaceId: string) {
  return tx
    .selectFrom('deliveries')
    .innerJoin('posts', 'posts.id', 'deliveries.post_id')
    .innerJoin('social_accounts', 'social_accounts.id', 'deliveries.account_id')
    .select(['deliveries.id', 'deliveries.post_id', 'deliveries.due_at', 'deliveries.network'])
    .where('posts.workspace_id', '=', workspaceId)
    .where('deliveries.state', '=', 'held')
    .where('social_accounts.status', '=', 'connected')
    .execute();
}

/** An account's deliveries that wait for it to be connected again: held ones, and the failed `needs_reconnect` ones. */
export function deliveriesAwaitingReconnect(tx: Executor, accountId: string) {
  return tx
    .selectFrom('deliveries')
    .select(['id', 'post_id', 'due_at', 'state', 'network'])
    .where('account_id', '=', accountId)
    .where('state', 'in', ['held', 'needs_reconnect'])
    .orderBy('due_at')
    .execute();
}

/**
 * `sending -> pending` for an attempt whose worker stopped (started before `staleBefore`), marked as an
 * unknown outcome so the next attempt looks first. Guarded: a live attempt that finishes first wins.
 */
export function recoverStuckDelivery(tx: Executor, deliveryId: string, now: Date, staleBefore: Date): Promise<Delivery | undefined> {
  return tx
    .updateTable('deliveries')
    .set({
      state: 'pending',
      due_at: now,
      maybe_sent_at: now,
      updated_at: sql<Date>`now()`,
      last_error: JSON.stringify({ class: 'unknown_outcome', message: 'the worker stopped during the attempt' }),
    })
    .where('id', '=', deliveryId)
    .where('state', 'in', RECOVER_FROM)
    .where('sending_started_at', '<=', staleBefore)
    .returningAll()
    .executeTakeFirst();
}
const RECOVER_FROM: DeliveryState[] = ['sending'];
for (const from of RECOVER_FROM) assertDeliveryTransition(from, 'pending');

/** A lookup found no trace of the earlier attempt: the attempt under way is a first post. */
export async function clearMaybeSent(tx: Executor, deliveryId: string): Promise<void> {
  await tx.updateTable('deliveries').set({ maybe_sent_at: null }).where('id', '=', deliveryId).where('state', '=', 'sending').execute();
}

/** An edited post's unsent deliveries (queued, held, or held at approval) go: the new version is approved afresh. */
export async function deleteUnsentDeliveries(tx: Executor, postId: string): Promise<void> {
  await tx.deleteFrom('deliveries').where('post_id', '=', postId).where('state', 'in', ['pending', 'held', 'skipped']).execute();
}
