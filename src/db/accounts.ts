import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { TokenCipher } from '../crypto/token-cipher.ts';
import type { Network } from '../domain/networks.ts';
import type { CountOptions } from '../domain/text-rules.ts';
import type { Credentials } from '../domain/credentials.ts';
import type { Executor } from './database.ts';
import type { SocialAccount } from './schema.ts';

/** The associated data that binds a credentials ciphertext to its row: copied elsewhere, it fails. */
const aad = (accountId: string) => `social_account:${accountId}`;
export const credentialsAad = aad;

interface StoredCredentials {
  accessToken: string;
  refreshToken?: string;
  expiresAt?: string;
}

export interface ConnectAccountInput {
  workspaceId: string;
  network: Network;
  externalAccountId: string;
  displayName: string;
  instanceUrl?: string;
  /** The server's own post length limit, where it declares one (Mastodon). */
  maxCharacters?: number;
  connectedBy: string;
  credentials: Omit<Credentials, 'accountId' | 'instanceUrl'>;
}

/** Stores (or reconnects) an account with its credentials encrypted; reconnecting clears `needs_reconnect`. */
export async function connectAccount(tx: Executor, cipher: TokenCipher, input: ConnectAccountInput): Promise<SocialAccount> {
  const existing = await tx
    .selectFrom('social_accounts')
    .select('id')
    .where('workspace_id', '=', input.workspaceId)
    .where('network', '=', input.network)
    .where('external_account_id', '=', input.externalAccountId)
    .executeTakeFirst();
  const id = existing?.id ?? randomUUID();
  const credentials = cipher.encrypt(JSON.stringify(toStored(input.credentials)), aad(id));
  const values = {
    display_name: input.displayName,
    instance_url: input.instanceUrl ?? null,
    max_characters: input.maxCharacters ?? null,
    status: 'connected' as const,
    credentials,
    token_expires_at: input.credentials.expiresAt ?? null,
    connected_by: input.connectedBy,
    last_error: null,
  };
  if (existing) {
    return tx
      .updateTable('social_accounts')
      .set({ ...values, updated_at: sql<Date>`now()` })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
  }
  return tx
    .insertInto('social_accounts')
    .values({ id, workspace_id: input.workspaceId, network: input.network, external_account_id: input.externalAccountId, ...values })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export function decryptCredentials(cipher: TokenCipher, account: SocialAccount): Credentials {
  const stored = JSON.parse(cipher.decrypt(account.credentials, aad(account.id))) as StoredCredentials;
  return {
    accessToken: stored.accessToken,
    ...(stored.refreshToken ? { refreshToken: stored.refreshToken } : {}),
    ...(stored.expiresAt ? { expiresAt: new Date(stored.expiresAt) } : {}),
    accountId: account.external_account_id,
    ...(account.instance_url ? { instanceUrl: account.instance_url } : {}),
  };
}

export async function saveRefreshedCredentials(tx: Executor, cipher: TokenCipher, account: SocialAccount, credentials: Credentials): Promise<void> {
  await tx
    .updateTable('social_accounts')
    .set({
      credentials: cipher.encrypt(JSON.stringify(toStored(credentials)), aad(account.id)),
      token_expires_at: credentials.expiresAt ?? null,
      updated_at: sql<Date>`now()`,
    })
    .where('id', '=', account.id)
    .execute();
}

/** The limit validation and counts use for this account: its server's own, else the network's default. */
export function countOptionsOf(account: { max_characters: number | null }): CountOptions {
  return account.max_characters ? { limit: account.max_characters } : {};
}

export function findAccount(tx: Executor, accountId: string): Promise<SocialAccount | undefined> {
  return tx.selectFrom('social_accounts').selectAll().where('id', '=', accountId).executeTakeFirst();
}

export function listAccounts(tx: Executor, workspaceId: string): Promise<SocialAccount[]> {
  return tx
    .selectFrom('social_accounts')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('status', '!=', 'disconnected')
    .orderBy('network')
    .orderBy('display_name')
    .execute();
}

/** Returns true when this call changed the status (so exactly one Reconnect prompt goes out). */
export async function markNeedsReconnect(tx: Executor, accountId: string, reason: string): Promise<boolean> {
  const changed = await tx
    .updateTable('social_accounts')
    .set({ status: 'needs_reconnect', last_error: reason, updated_at: sql<Date>`now()` })
    .where('id', '=', accountId)
    .where('status', '=', 'connected')
    .returning('id')
    .executeTakeFirst();
  return changed !== undefined;
}

function toStored(credentials: Omit<Credentials, 'accountId' | 'instanceUrl'>): StoredCredentials {
  return {
    accessToken: credentials.accessToken,
    ...(credentials.refreshToken ? { refreshToken: credentials.refreshToken } : {}),
    ...(credentials.expiresAt ? { expiresAt: credentials.expiresAt.toISOString() } : {}),
  };
}

/** The row, locked until the transaction ends (a refresh or a reconnect that must not race another). */
export function lockAccount(tx: Executor, accountId: string): Promise<SocialAccount | undefined> {
  return tx.selectFrom('social_accounts').selectAll().where('id', '=', accountId).forUpdate().executeTakeFirst();
}

/** The workspace's account for this identity on the network, locked: a connect decides "new or reconnected" once. */
export function lockAccountByIdentity(tx: Executor, key: { workspaceId: string; network: Network; externalAccountId: string }) {
  return tx
    .selectFrom('social_accounts')
    .select(['id', 'status'])
    .where('workspace_id', '=', key.workspaceId)
    .where('network', '=', key.network)
    .where('external_account_id', '=', key.externalAccountId)
    .forUpdate()
    .executeTakeFirst();
}

/** Connected accounts on these networks whose token expires before `before`, soonest first. */
export function accountsExpiringBefore(tx: Executor, networks: Network[], before: Date): Promise<SocialAccount[]> {
  if (networks.length === 0) return Promise.resolve([]);
  return tx
    .selectFrom('social_accounts')
    .selectAll()
    .where('status', '=', 'connected')
    .where('network', 'in', networks)
    .where('token_expires_at', 'is not', null)
    .where('token_expires_at', '<', before)
    .orderBy('token_expires_at')
    .execute();
}

/** The accounts a post's deliveries go to (for its thread's Reconnect links). */
export function accountsOfPost(tx: Executor, postId: string) {
  return tx
    .selectFrom('deliveries')
    .innerJoin('social_accounts', 'social_accounts.id', 'deliveries.account_id')
    .select(['social_accounts.id', 'social_accounts.workspace_id', 'social_accounts.network', 'social_accounts.connected_by', 'social_accounts.status'])
    .where('deliveries.post_id', '=', postId)
    .execute();
}

/** The Mastodon servers Greenlight posts to (each once). */
export async function mastodonInstances(tx: Executor): Promise<string[]> {
  const rows = await tx
    .selectFrom('social_accounts')
    .select('instance_url')
    .distinct()
    .where('network', '=', 'mastodon')
    .where('status', '!=', 'disconnected')
    .where('instance_url', 'is not', null)
    .execute();
  return rows.flatMap((r) => (r.instance_url ? [r.instance_url] : []));
}

/** Stores a Mastodon server's post length on its accounts; returns how many changed. */
export async function setInstanceLimit(tx: Executor, instanceUrl: string, limit: number): Promise<number> {
  const updated = await tx
    .updateTable('social_accounts')
    .set({ max_characters: limit })
    .where('network', '=', 'mastodon')
    .where('instance_url', '=', instanceUrl)
    .where((eb) => eb.or([eb('max_characters', 'is', null), eb('max_characters', '!=', limit)]))
    .executeTakeFirst();
  return Number(updated.numUpdatedRows);
}

/** The operator's disconnect; true when this call changed the status. */
export async function disconnectAccount(tx: Executor, accountId: string): Promise<boolean> {
  const changed = await tx
    .updateTable('social_accounts')
    .set({ status: 'disconnected', updated_at: sql<Date>`now()` })
    .where('id', '=', accountId)
    .where('status', '!=', 'disconnected')
    .returning('id')
    .executeTakeFirst();
  return changed !== undefined;
}

/** Accounts not disconnected, in all workspaces. */
export async function countLiveAccounts(tx: Executor): Promise<number> {
  const counted = await tx
    .selectFrom('social_accounts')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', '!=', 'disconnected')
    .executeTakeFirstOrThrow();
  return counted.n;
}

/** Accounts by network and status (the metrics endpoint's gauge). */
export function countAccountsByStatus(tx: Executor) {
  return tx
    .selectFrom('social_accounts')
    .select(['network', 'status', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy(['network', 'status'])
    .execute();
}
