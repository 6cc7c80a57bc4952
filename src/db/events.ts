import { sql } from 'kysely';
import { type Executor, runPrepared } from './database.ts';
import { SUBSCRIBED_TO_EVENT } from './webhooks.ts';

export interface NewEvent {
  workspaceId: string;
  postId?: string | null;
  deliveryId?: string | null;
  kind: string;
  actor?: string | null;
  data?: Record<string, unknown>;
}

/** Appends to the audit log; returns the event id (thread receipts are rendered from it). */
export async function appendEvent(tx: Executor, event: NewEvent): Promise<number> {
  return (await appendEvents(tx, [event]))[0]!;
}

/** Appends several events in one statement; returns their ids in the same order. */
export async function appendEvents(tx: Executor, events: NewEvent[]): Promise<number[]> {
  if (events.length === 0) return [];
  const rows = await tx
    .insertInto('events')
    .values(
      events.map((event) => ({
        workspace_id: event.workspaceId,
        post_id: event.postId ?? null,
        delivery_id: event.deliveryId ?? null,
        kind: event.kind,
        actor: event.actor ?? null,
        data: JSON.stringify(event.data ?? {}),
      })),
    )
    .returning('id')
    .execute();
  // Ids come from one sequence in VALUES order; sorting restores it whatever order RETURNING used.
  return rows.map((r) => Number(r.id)).sort((a, b) => a - b);
}

/**
 * Events about posts, each with its thread receipt still to post (the outbox row) and a delivery row
 * per matching webhook subscription, all in one statement (the publish worker records a batch of
 * outcomes at once; three round trips were one per table). Returns the event ids in the events' order
 * and the new webhook delivery rows' ids in event order.
 */
export async function appendPostEvents(tx: Executor, events: (NewEvent & { postId: string })[]): Promise<{ eventIds: number[]; webhookDeliveryIds: string[] }> {
  if (events.length === 0) return { eventIds: [], webhookDeliveryIds: [] };
  const column = <T>(pick: (e: NewEvent & { postId: string }) => T) => events.map(pick);
  const rows = await runPrepared(
    tx,
    sql<{ event_ids: string[]; hook_ids: string[] }>`
    WITH input AS (
      SELECT * FROM unnest(${column((e) => e.workspaceId)}::uuid[], ${column((e) => e.postId)}::uuid[], ${column((e) => e.deliveryId ?? null)}::uuid[],
        ${column((e) => e.kind)}::text[], ${column((e) => e.actor ?? null)}::text[], ${column((e) => JSON.stringify(e.data ?? {}))}::jsonb[])
        WITH ORDINALITY AS i(workspace_id, post_id, delivery_id, kind, actor, data, n)),
    e AS (
      INSERT INTO events (workspace_id, post_id, delivery_id, kind, actor, data)
      SELECT workspace_id, post_id, delivery_id, kind, actor, data FROM input ORDER BY n
      RETURNING id, workspace_id, post_id, kind),
    receipts AS (
      INSERT INTO thread_receipts (event_id, post_id) SELECT id, post_id FROM e ON CONFLICT DO NOTHING),
    hooks AS (
      INSERT INTO webhook_deliveries (subscription_id, event_id)
      SELECT s.id, e.id FROM e ${SUBSCRIBED_TO_EVENT}
      ON CONFLICT DO NOTHING
      RETURNING id, event_id)
    SELECT (SELECT array_agg(id ORDER BY id) FROM e)::text[] AS event_ids,
      (SELECT coalesce(array_agg(id ORDER BY event_id, id), '{}') FROM hooks)::text[] AS hook_ids`.compile(tx),
  );
  // Ids come from one sequence in insertion order (ORDER BY n), so sorted ids follow the events' order.
  return { eventIds: rows[0]!.event_ids.map(Number), webhookDeliveryIds: rows[0]!.hook_ids };
}

export function findEvent(tx: Executor, id: number) {
  return tx.selectFrom('events').selectAll().where('id', '=', String(id)).executeTakeFirst();
}

export function listPostEvents(tx: Executor, postId: string) {
  return tx.selectFrom('events').selectAll().where('post_id', '=', postId).orderBy('id').execute();
}

/** Whether the post's event of this kind was already recorded for this version (a retried job says it once). */
export async function hasVersionEvent(tx: Executor, postId: string, kind: string, version: number): Promise<boolean> {
  const said = await tx
    .selectFrom('events')
    .select('id')
    .where('post_id', '=', postId)
    .where('kind', '=', kind)
    .where(sql<string>`data->>'version'`, '=', String(version))
    .executeTakeFirst();
  return said !== undefined;
}
