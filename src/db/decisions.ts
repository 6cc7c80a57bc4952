import { sql } from 'kysely';
import type { Executor } from './database.ts';
import type { Decision, DecisionKind } from './schema.ts';

export function listDecisions(tx: Executor, postId: string): Promise<Decision[]> {
  return tx.selectFrom('decisions').selectAll().where('post_id', '=', postId).orderBy('created_at').execute();
}

export async function insertDecision(tx: Executor, d: { postId: string; actorId: string; kind: DecisionKind; comment: string | null; contentHash: string }): Promise<void> {
  await tx.insertInto('decisions').values({ post_id: d.postId, actor_id: d.actorId, kind: d.kind, comment: d.comment, content_hash: d.contentHash }).execute();
}

/** Voids every live approval of the post; returns how many there were. */
export async function voidApprovals(tx: Executor, postId: string): Promise<number> {
  const rows = await tx
    .updateTable('decisions')
    .set({ voided_at: sql<Date>`now()` })
    .where('post_id', '=', postId)
    .where('kind', '=', 'approve')
    .where('voided_at', 'is', null)
    .returning('id')
    .execute();
  return rows.length;
}
