import { sql } from 'kysely';
import type { TokenCipher } from '../crypto/token-cipher.ts';
import type { Executor } from './database.ts';

/**
 * Slack OAuth installs, one row per workspace (`team:<id>`) or org-wide install (`enterprise:<id>`).
 * Tokens sit encrypted, each envelope bound to its row and side, so a copied envelope never decrypts.
 */

export type TokenSide = 'bot' | 'user';
export interface SlackTokens {
  token: string;
  refreshToken?: string;
}

export interface SlackInstallationRecord {
  key: string;
  teamId: string | undefined;
  enterpriseId: string | undefined;
  isEnterpriseInstall: boolean;
  workspaceId: string | undefined;
  bot: SlackTokens | undefined;
  user: SlackTokens | undefined;
  /** The rest of what Slack answered (ids, scopes, app id), without any token. */
  details: Record<string, unknown>;
}

export const slackTokenAad = (key: string, side: TokenSide) => `slack_installation:${key}:${side}`;

/** An org-wide install is found by its enterprise, any other by its team (as Bolt queries it). */
export function installationKey(query: { teamId?: string | undefined; enterpriseId?: string | undefined; isEnterpriseInstall: boolean }): string {
  if (query.isEnterpriseInstall) {
    if (!query.enterpriseId) throw new Error('Slack org-wide installation without an enterprise id');
    return `enterprise:${query.enterpriseId}`;
  }
  if (!query.teamId) throw new Error('Slack installation without a team id');
  return `team:${query.teamId}`;
}

const seal = (cipher: TokenCipher, key: string, side: TokenSide, tokens: SlackTokens | undefined) =>
  tokens ? cipher.encrypt(JSON.stringify(tokens), slackTokenAad(key, side)) : null;

const open = (cipher: TokenCipher, key: string, side: TokenSide, envelope: string | null): SlackTokens | undefined =>
  envelope === null ? undefined : (JSON.parse(cipher.decrypt(envelope, slackTokenAad(key, side))) as SlackTokens);

/** A reinstall (new scopes, a new token) replaces the row. */
export async function saveSlackInstallation(tx: Executor, cipher: TokenCipher, record: SlackInstallationRecord): Promise<void> {
  const values = {
    team_id: record.teamId ?? null,
    enterprise_id: record.enterpriseId ?? null,
    is_enterprise_install: record.isEnterpriseInstall,
    workspace_id: record.workspaceId ?? null,
    bot_token: seal(cipher, record.key, 'bot', record.bot),
    user_token: seal(cipher, record.key, 'user', record.user),
    installation: JSON.stringify(record.details),
  };
  await tx
    .insertInto('slack_installations')
    .values({ installation_key: record.key, ...values })
    .onConflict((oc) => oc.column('installation_key').doUpdateSet({ ...values, updated_at: sql<Date>`now()` }))
    .execute();
}

export async function findSlackInstallation(tx: Executor, cipher: TokenCipher, key: string): Promise<SlackInstallationRecord | undefined> {
  const row = await tx.selectFrom('slack_installations').selectAll().where('installation_key', '=', key).executeTakeFirst();
  if (!row) return undefined;
  return {
    key,
    teamId: row.team_id ?? undefined,
    enterpriseId: row.enterprise_id ?? undefined,
    isEnterpriseInstall: row.is_enterprise_install,
    workspaceId: row.workspace_id ?? undefined,
    bot: open(cipher, key, 'bot', row.bot_token),
    user: open(cipher, key, 'user', row.user_token),
    details: row.installation,
  };
}

/** True when there was an installation to delete (Slack may tell us twice). */
export async function deleteSlackInstallation(tx: Executor, key: string): Promise<boolean> {
  const result = await tx.deleteFrom('slack_installations').where('installation_key', '=', key).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** The installing user revoked their own token: the bot's installation stays. */
export async function dropSlackUserToken(tx: Executor, key: string): Promise<void> {
  await tx.updateTable('slack_installations').set({ user_token: null, updated_at: sql<Date>`now()` }).where('installation_key', '=', key).execute();
}
