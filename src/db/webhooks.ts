import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { TokenCipher } from '../crypto/token-cipher.ts';
import type { Executor } from './database.ts';

/** The associated data binding a subscription's encrypted secret to its row. */
export const webhookSecretAad = (id: string) => `webhook:${id}`;

export interface WebhookSubscription {
  id: string;
  url: string;
  events: string[];
  createdBy: string;
  createdAt: Date;
}

export interface SubscriptionSummary extends WebhookSubscription {
  lastState: string | null;
  lastStatus: number | null;
  lastAt: Date | null;
  failedLastDay: number;
}

export async function insertSubscription(
  tx: Executor,
  cipher: TokenCipher,
  s: { workspaceId: string; url: string; events: string[]; createdBy: string; secret: string },
): Promise<WebhookSubscription> {
  const id = randomUUID();
  const row = await tx
    .insertInto('webhook_subscriptions')
    .values({ id, workspace_id: s.workspaceId, url: s.url, events: s.events, secret: cipher.encrypt(s.secret, webhookSecretAad(id)), created_by: s.createdBy })
    .returning(['id', 'url', 'events', 'created_by', 'created_at'])
    .executeTakeFirstOrThrow();
  return { id: row.id, url: row.url, events: row.events, createdBy: row.created_by, createdAt: row.created_at };
}

/** The workspace's live subscriptions, each with its latest delivery and how many failed in the last day. */
export async function listSubscriptions(tx: Executor, workspaceId: string): Promise<SubscriptionSummary[]> {
  const { rows } = await sql<{
    id: string;
    url: string;
    events: string[];
    created_by: string;
    created_at: Date;
    last_state: string | null;
    last_status: number | null;
    last_at: Date | null;
    failed_last_day: number;
  }>`
    SELECT s.id, s.url, s.events, s.created_by, s.created_at, last.state AS last_state, last.response_status AS last_status, last.updated_at AS last_at,
      (SELECT count(*) FROM webhook_deliveries f WHERE f.subscription_id = s.id AND f.state = 'failed' AND f.updated_at > now() - interval '1 day')::int AS failed_last_day
    FROM webhook_subscriptions s
    LEFT JOIN LATERAL (SELECT d.state, d.response_status, d.updated_at FROM webhook_deliveries d WHERE d.subscription_id = s.id ORDER BY d.created_at DESC LIMIT 1) last ON true
    WHERE s.workspace_id = ${workspaceId} AND s.removed_at IS NULL
    ORDER BY s.created_at`.execute(tx);
  return rows.map((r) => ({
    id: r.id,
    url: r.url,
    events: r.events,
    createdBy: r.created_by,
    createdAt: r.created_at,
    lastState: r.last_state,
    lastStatus: r.last_status,
    lastAt: r.last_at,
    failedLastDay: r.failed_last_day,
  }));
}

/** Removes the live subscription whose id starts with `idPrefix` (as the list shows it); the ids it matched. */
export async function removeSubscription(tx: Executor, workspaceId: string, idPrefix: string): Promise<string[]> {
  const matches = await tx
    .selectFrom('webhook_subscriptions')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('removed_at', 'is', null)
    .where(sql<boolean>`starts_with(id::text, ${idPrefix.toLowerCase()})`)
    .execute();
  if (matches.length !== 1) return matches.map((m) => m.id);
  await tx.updateTable('webhook_subscriptions').set({ removed_at: sql<Date>`now()` }).where('id', '=', matches[0]!.id).execute();
  return [matches[0]!.id];
}

/**
 * One delivery row per live subscription of the workspace whose filter takes this event kind (an exact
 * kind, a prefix ending in `*`, or no filter at all), in one statement; returns the new rows' ids.
 */
export async function insertEventDeliveries(tx: Executor, event: { id: number; workspaceId: string; kind: string }): Promise<string[]> {
  return insertEventsDeliveries(tx, [event]);
}

/**
 * Joins each event `e` (columns workspace_id and kind) to the live subscriptions `s` of its workspace
 * whose filter takes its kind (an exact kind, a prefix ending in `*`, or no filter at all).
 */
export const SUBSCRIBED_TO_EVENT = sql`JOIN webhook_subscriptions s ON s.workspace_id = e.workspace_id AND s.removed_at IS NULL
      WHERE cardinality(s.events) = 0 OR EXISTS (
        SELECT 1 FROM unnest(s.events) AS f(pattern)
        WHERE f.pattern = e.kind OR (right(f.pattern, 1) = '*' AND starts_with(e.kind, left(f.pattern, -1))))`;

/**
 * insertEventDeliveries for several events in one statement (a batch of recorded outcomes): one row
 * per event and matching live subscription. Returns the new rows' ids, in event order.
 */
export async function insertEventsDeliveries(tx: Executor, events: { id: number; workspaceId: string; kind: string }[]): Promise<string[]> {
  if (events.length === 0) return [];
  const { rows } = await sql<{ id: string }>`
    WITH ins AS (
      INSERT INTO webhook_deliveries (subscription_id, event_id)
      SELECT s.id, e.id
      FROM unnest(${events.map((e) => e.id)}::bigint[], ${events.map((e) => e.workspaceId)}::uuid[], ${events.map((e) => e.kind)}::text[]) AS e(id, workspace_id, kind)
      ${SUBSCRIBED_TO_EVENT}
      ON CONFLICT DO NOTHING
      RETURNING id, event_id)
    SELECT id FROM ins ORDER BY event_id, id`.execute(tx);
  return rows.map((r) => r.id);
}
