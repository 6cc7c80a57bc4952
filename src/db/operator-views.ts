import { sql } from 'kysely';
import type { Network } from '../domain/networks.ts';
import type { PostState } from '../domain/post-state.ts';
import type { Executor } from './database.ts';
import type { AccountStatus, Chat, Workspace } from './schema.ts';

/**
 * The operator's views (`greenlight accounts list`, `posts list`): across workspaces, with filters,
 * bounded by a limit. Account rows never carry the credentials column.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (value: string): boolean => UUID.test(value);

/** A workspace by its id, or by the chat's own id (Slack team id, Discord guild id). */
export function findWorkspaceByRef(tx: Executor, ref: string): Promise<Workspace | undefined> {
  const query = tx.selectFrom('workspaces').selectAll();
  return (isUuid(ref) ? query.where('id', '=', ref) : query.where('external_id', '=', ref)).orderBy('created_at').executeTakeFirst();
}

export interface AccountRow {
  id: string;
  workspace: string;
  chat: Chat;
  network: Network;
  name: string;
  status: AccountStatus;
  tokenExpiresAt: Date | null;
  lastError: string | null;
  updatedAt: Date;
}

export function listAccountRows(tx: Executor, filter: { workspaceId?: string; status?: AccountStatus; accountId?: string }): Promise<AccountRow[]> {
  let query = tx
    .selectFrom('social_accounts as a')
    .innerJoin('workspaces as w', 'w.id', 'a.workspace_id')
    .select([
      'a.id',
      'w.external_id as workspace',
      'w.chat',
      'a.network',
      'a.display_name as name',
      'a.status',
      'a.token_expires_at as tokenExpiresAt',
      'a.last_error as lastError',
      'a.updated_at as updatedAt',
    ]);
  if (filter.workspaceId) query = query.where('a.workspace_id', '=', filter.workspaceId);
  if (filter.status) query = query.where('a.status', '=', filter.status);
  if (filter.accountId) query = query.where('a.id', '=', filter.accountId);
  return query.orderBy('w.external_id').orderBy('a.network').orderBy('a.display_name').execute();
}

export interface PostRow {
  id: string;
  workspace: string;
  chat: Chat;
  state: PostState;
  authorId: string;
  publishAt: Date;
  updatedAt: Date;
  text: string;
  /** `network:state` per delivery, e.g. `mastodon:published x:failed`. */
  deliveries: string;
}

export interface PostFilter {
  workspaceId?: string;
  state?: PostState;
  /** Posts changed at or after this time. */
  since?: Date;
  limit: number;
}

/** Most recently changed first. */
export function listPostRows(tx: Executor, filter: PostFilter): Promise<PostRow[]> {
  let query = tx
    .selectFrom('posts as p')
    .innerJoin('workspaces as w', 'w.id', 'p.workspace_id')
    .select([
      'p.id',
      'w.external_id as workspace',
      'w.chat',
      'p.state',
      'p.author_id as authorId',
      'p.publish_at as publishAt',
      'p.updated_at as updatedAt',
      'p.text',
    ])
    .select(
      sql<string>`coalesce((SELECT string_agg(d.network || ':' || d.state, ' ' ORDER BY d.network) FROM deliveries d WHERE d.post_id = p.id), '')`.as(
        'deliveries',
      ),
    );
  if (filter.workspaceId) query = query.where('p.workspace_id', '=', filter.workspaceId);
  if (filter.state) query = query.where('p.state', '=', filter.state);
  if (filter.since) query = query.where('p.updated_at', '>=', filter.since);
  return query.orderBy('p.updated_at', 'desc').limit(filter.limit).execute();
}

/** The post's deliveries with the account each goes to (for `posts show`). */
export function listDeliveryRows(tx: Executor, postId: string) {
  return tx
    .selectFrom('deliveries as d')
    .innerJoin('social_accounts as a', 'a.id', 'd.account_id')
    .select([
      'd.id',
      'd.network',
      'a.display_name as account',
      'd.state',
      'd.due_at as dueAt',
      'd.attempts',
      'd.last_error as lastError',
      'd.url',
      'd.published_at as publishedAt',
    ])
    .select((eb) =>
      eb
        .selectFrom('delivery_parts as dp')
        .select(
          sql<{ position: number; url: string }[]>`coalesce(json_agg(json_build_object('position', dp.position, 'url', dp.url) ORDER BY dp.position), '[]')`.as(
            'parts',
          ),
        )
        .whereRef('dp.delivery_id', '=', 'd.id')
        .as('parts'),
    )
    .where('d.post_id', '=', postId)
    .orderBy('d.network')
    .execute();
}

/** Accounts whose tokens `accounts check` and `doctor` try: one, or every account not disconnected. */
export function accountsToCheck(tx: Executor, accountId?: string) {
  const query = tx.selectFrom('social_accounts').selectAll();
  return (accountId ? query.where('id', '=', accountId) : query.where('status', '!=', 'disconnected')).orderBy('network').orderBy('display_name').execute();
}
