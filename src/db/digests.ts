import { sql } from 'kysely';
import type { Executor } from './database.ts';
import type { Workspace } from './schema.ts';

/** Workspaces with a digest day set: the hourly check looks at each (a few per server). */
export function digestWorkspaces(db: Executor): Promise<Workspace[]> {
  return db.selectFrom('workspaces').selectAll().where('digest_day', 'is not', null).execute();
}

/** Records the week's digest as due; false when it was recorded before (this week's is then on its way or sent). */
export async function insertDigest(tx: Executor, workspaceId: string, dueAt: Date, channelId: string): Promise<boolean> {
  const row = await tx
    .insertInto('digests')
    .values({ workspace_id: workspaceId, due_at: dueAt, channel_id: channelId })
    .onConflict((oc) => oc.columns(['workspace_id', 'due_at']).doNothing())
    .returning('workspace_id')
    .executeTakeFirst();
  return row !== undefined;
}

export function findDigest(db: Executor, workspaceId: string, dueAt: Date) {
  return db.selectFrom('digests').selectAll().where('workspace_id', '=', workspaceId).where('due_at', '=', dueAt).executeTakeFirst();
}

export async function markDigestSent(db: Executor, workspaceId: string, dueAt: Date): Promise<void> {
  await db.updateTable('digests').set({ sent_at: sql<Date>`now()` }).where('workspace_id', '=', workspaceId).where('due_at', '=', dueAt).execute();
}
