import { sql } from 'kysely';
import type { Executor } from './database.ts';

/** Typed values kept between a chat form's steps; owned by one user of one workspace. */
export interface ComposeDraft {
  id: string;
  workspaceId: string;
  userId: string;
  /** The post this draft edits, or null for a new post. */
  postId: string | null;
  channelId: string;
  /** The form's values as the chat edge stored them (it reads them back). */
  input: Record<string, unknown>;
}

/** Drafts untouched this long are forgotten (the next insert sweeps them). */
const KEEP_DAYS = 7;

export async function insertDraft(tx: Executor, draft: Omit<ComposeDraft, 'id'>): Promise<ComposeDraft> {
  await tx.deleteFrom('compose_drafts').where('updated_at', '<', sql<Date>`now() - make_interval(days => ${KEEP_DAYS})`).execute();
  const row = await tx
    .insertInto('compose_drafts')
    .values({ workspace_id: draft.workspaceId, user_id: draft.userId, post_id: draft.postId, channel_id: draft.channelId, input: JSON.stringify(draft.input) })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { ...draft, id: row.id };
}

/** The draft, only for the user who owns it in that workspace (a forged id finds nothing). */
export async function findDraft(tx: Executor, id: string, owner: { workspaceId: string; userId: string }): Promise<ComposeDraft | undefined> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
  const row = await tx
    .selectFrom('compose_drafts')
    .selectAll()
    .where('id', '=', id)
    .where('workspace_id', '=', owner.workspaceId)
    .where('user_id', '=', owner.userId)
    .executeTakeFirst();
  if (!row) return undefined;
  return { id: row.id, workspaceId: row.workspace_id, userId: row.user_id, postId: row.post_id, channelId: row.channel_id, input: row.input };
}

/** Writes the form's values; false when the draft is gone (a Send removed it meanwhile), so nothing was saved. */
export async function saveDraftInput(tx: Executor, id: string, input: Record<string, unknown>): Promise<boolean> {
  const result = await tx
    .updateTable('compose_drafts')
    .set({ input: JSON.stringify(input), updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function deleteDraft(tx: Executor, id: string): Promise<void> {
  await tx.deleteFrom('compose_drafts').where('id', '=', id).execute();
}
