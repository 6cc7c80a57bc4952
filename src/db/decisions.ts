import { sql } from 'kysely';
import type { Executor } from './database.ts';
import type { Network } from '../domain/networks.ts';
import type { Decision, DecisionKind } from './schema.ts';

export function listDecisions(tx: Executor, postId: string): Promise<Decision[]> {
  return tx.selectFrom('decisions').selectAll().where('post_id', '=', postId).orderBy('created_at').execute();
}

/** `network`: the one network this decision is about (per-network approvals and holds); absent for the whole post. */
export async function insertDecision(
  tx: Executor,
  d: { postId: string; actorId: string; kind: DecisionKind; comment: string | null; contentHash: string; network?: Network | null },
): Promise<void> {
  await tx
    .insertInto('decisions')
    .values({ post_id: d.postId, actor_id: d.actorId, kind: d.kind, comment: d.comment, content_hash: d.contentHash, network: d.network ?? null })
    .execute();
}

/** The held networks of the post's current version (decisions of kind `hold` not voided by an edit). */
export async function listCurrentHolds(tx: Executor, postId: string, contentHash: string): Promise<Network[]> {
  const rows = await tx
    .selectFrom('decisions')
    .select('network')
    .distinct()
    .where('post_id', '=', postId)
    .where('kind', '=', 'hold')
    .where('voided_at', 'is', null)
    .where('content_hash', '=', contentHash)
    .execute();
  return rows.flatMap((r) => (r.network ? [r.network] : []));
}

/** Voids every live approval (and hold: it was part of an approval) of the post; returns how many approvals there were. */
export async function voidApprovals(tx: Executor, postId: string): Promise<number> {
  const rows = await tx
    .updateTable('decisions')
    .set({ voided_at: sql<Date>`now()` })
    .where('post_id', '=', postId)
    .where('kind', 'in', ['approve', 'hold'])
    .where('voided_at', 'is', null)
    .returning('kind')
    .execute();
  return rows.filter((r) => r.kind === 'approve').length;
}
