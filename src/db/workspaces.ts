import { sql } from 'kysely';
import type { Executor } from './database.ts';
import type { DigestDay } from '../domain/digest-schedule.ts';
import type { Chat, MemberRole, Workspace } from './schema.ts';

/**
 * A Slack team or Discord guild becomes a workspace the first time anyone uses Greenlight there. A Slack
 * request names the team's Enterprise Grid organization, if any: it is kept (and changed when a later
 * request names another), so work outside a request can find an org-wide installation's token. A request
 * naming none leaves it as it was.
 */
export async function findOrCreateWorkspace(
  tx: Executor,
  chat: Chat,
  externalId: string,
  details: { name?: string; enterpriseId?: string | undefined } = {},
): Promise<Workspace> {
  const existing = await tx.selectFrom('workspaces').selectAll().where('chat', '=', chat).where('external_id', '=', externalId).executeTakeFirst();
  if (existing && (details.enterpriseId === undefined || existing.enterprise_id === details.enterpriseId)) return existing;
  if (existing)
    return tx
      .updateTable('workspaces')
      .set({ enterprise_id: details.enterpriseId!, updated_at: sql<Date>`now()` })
      .where('id', '=', existing.id)
      .returningAll()
      .executeTakeFirstOrThrow();
  await tx
    .insertInto('workspaces')
    .values({ chat, external_id: externalId, name: details.name ?? null, enterprise_id: details.enterpriseId ?? null })
    .onConflict((oc) => oc.columns(['chat', 'external_id']).doNothing())
    .execute();
  return tx.selectFrom('workspaces').selectAll().where('chat', '=', chat).where('external_id', '=', externalId).executeTakeFirstOrThrow();
}

export function findWorkspace(tx: Executor, workspaceId: string): Promise<Workspace | undefined> {
  return tx.selectFrom('workspaces').selectAll().where('id', '=', workspaceId).executeTakeFirst();
}

export interface WorkspaceSettings {
  approvals_channel_id?: string | null;
  approver_group_id?: string | null;
  approvals_required?: number;
  allow_self_approval?: boolean;
  default_zone?: string;
  reminder_after_minutes?: number;
  digest_day?: DigestDay | null;
  digest_hour?: number;
  digest_channel_id?: string | null;
  require_alt_text?: boolean;
}

export function updateWorkspaceSettings(tx: Executor, workspaceId: string, settings: WorkspaceSettings): Promise<Workspace> {
  return tx
    .updateTable('workspaces')
    .set({ ...settings, updated_at: sql<Date>`now()` })
    .where('id', '=', workspaceId)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export function setPaused(tx: Executor, workspaceId: string, pausedBy: string | null): Promise<Workspace> {
  return tx
    .updateTable('workspaces')
    .set({ paused_at: pausedBy ? sql<Date>`now()` : null, paused_by: pausedBy, updated_at: sql<Date>`now()` })
    .where('id', '=', workspaceId)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function memberRole(tx: Executor, workspaceId: string, userId: string): Promise<MemberRole | undefined> {
  const row = await tx.selectFrom('members').select('role').where('workspace_id', '=', workspaceId).where('chat_user_id', '=', userId).executeTakeFirst();
  return row?.role;
}

export async function setMemberRole(tx: Executor, workspaceId: string, userId: string, role: MemberRole): Promise<void> {
  await tx
    .insertInto('members')
    .values({ workspace_id: workspaceId, chat_user_id: userId, role })
    .onConflict((oc) => oc.columns(['workspace_id', 'chat_user_id']).doUpdateSet({ role }))
    .execute();
}

/**
 * Records an inbound chat request by its unique key; false when it was seen before. Slack and
 * Discord both may deliver the same request twice, and a retry must change nothing.
 */
export async function firstSighting(tx: Executor, source: string, key: string): Promise<boolean> {
  const inserted = await tx
    .insertInto('inbound_requests')
    .values({ source, request_key: key })
    .onConflict((oc) => oc.columns(['source', 'request_key']).doNothing())
    .returning('request_key')
    .executeTakeFirst();
  return inserted !== undefined;
}

/** The chat user ids of the workspace's admins. */
export async function adminIds(tx: Executor, workspaceId: string): Promise<string[]> {
  const rows = await tx.selectFrom('members').select('chat_user_id').where('workspace_id', '=', workspaceId).where('role', '=', 'admin').execute();
  return rows.map((r) => r.chat_user_id);
}

/** The time zone set for a member, if any. */
export async function memberZone(tx: Executor, workspaceId: string, userId: string): Promise<string | undefined> {
  const row = await tx.selectFrom('members').select('zone').where('workspace_id', '=', workspaceId).where('chat_user_id', '=', userId).executeTakeFirst();
  return row?.zone ?? undefined;
}
