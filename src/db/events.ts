import { sql } from 'kysely';
import type { Executor } from './database.ts';

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
