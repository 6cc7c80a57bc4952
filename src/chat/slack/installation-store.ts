import type { Installation, InstallationQuery, InstallationStore } from '@slack/bolt';
import type { TokenCipher } from '../../crypto/token-cipher.ts';
import type { Db } from '../../db/database.ts';
import {
  deleteSlackInstallation,
  dropSlackUserToken,
  findSlackInstallation,
  installationKey,
  saveSlackInstallation,
  type SlackTokens,
} from '../../db/slack-installations.ts';
import { inTransaction } from '../../db/transaction.ts';
import { findOrCreateWorkspace } from '../../db/workspaces.ts';
import type { Logger } from '../../log.ts';
import { createTtlCache, type TtlCacheOptions } from './installation-cache.ts';

/** Bolt's store, plus the one change Greenlight makes outside Bolt: the installing user revoked their token. */
export interface GreenlightInstallationStore extends InstallationStore {
  deleteInstallation: NonNullable<InstallationStore['deleteInstallation']>;
  dropUserToken(query: InstallationQuery<boolean>): Promise<void>;
}

/**
 * Installations read in the last minute, in this process. Bolt's authorize fetches the installation
 * (a query and two decryptions) for every request before the listener can ack it; the cache takes that
 * off the ack's path. A write here (install, uninstall, revoked user token) forgets the entry at once.
 * Another replica's writes reach this one only when the entry expires, which is safe: until then a
 * request from a workspace that uninstalled (or reinstalled, getting a new token) elsewhere runs with
 * the old token, and Slack refuses every call made with it (token_revoked). Nothing is posted with a
 * dead token; the person sees their command or click do nothing (the failure is logged) for at most
 * the TTL, and then the "not installed" answer, or a working Greenlight after a reinstall.
 */
export const INSTALLATION_CACHE: TtlCacheOptions = { ttlMs: 60_000, maxEntries: 1_000 };

/**
 * Bolt's installation store, on our Postgres: Bolt's OAuth flow saves here what Slack answered at
 * install, and its `authorize` reads the installing workspace's bot token here for every request.
 * The workspace's row is made at install, so settings can be set before anyone has used /post.
 */
export function createInstallationStore(db: Db, cipher: TokenCipher, log: Logger, cacheOptions = INSTALLATION_CACHE): GreenlightInstallationStore {
  const cache = createTtlCache<Installation>(cacheOptions);
  return {
    async storeInstallation(installation) {
      const key = installationKey({
        teamId: installation.team?.id,
        enterpriseId: installation.enterprise?.id,
        isEnterpriseInstall: installation.isEnterpriseInstall === true,
      });
      await inTransaction(db, async (tx) => {
        const workspace = installation.team
          ? await findOrCreateWorkspace(tx, 'slack', installation.team.id, { name: installation.team.name, enterpriseId: installation.enterprise?.id })
          : undefined;
        await saveSlackInstallation(tx, cipher, {
          key,
          teamId: installation.team?.id,
          enterpriseId: installation.enterprise?.id,
          isEnterpriseInstall: installation.isEnterpriseInstall === true,
          workspaceId: workspace?.id,
          bot: tokensOf(installation.bot),
          user: tokensOf(installation.user),
          details: withoutTokens(installation),
        });
      });
      cache.forget(key);
      log.info({ installation: key }, 'Slack app installed');
    },

    fetchInstallation(query) {
      const key = keyOf(query);
      return cache.get(key, () => loadInstallation(db, cipher, key));
    },

    async deleteInstallation(query) {
      const key = keyOf(query);
      const deleted = await deleteSlackInstallation(db, key);
      cache.forget(key);
      if (deleted) log.info({ installation: key }, 'Slack app uninstalled: installation deleted');
    },

    async dropUserToken(query) {
      const key = keyOf(query);
      await dropSlackUserToken(db, key);
      cache.forget(key);
    },
  };
}

async function loadInstallation(db: Db, cipher: TokenCipher, key: string): Promise<Installation> {
  const found = await findSlackInstallation(db, cipher, key);
  if (!found) throw new Error(`Greenlight is not installed in Slack ${key.replace(':', ' ')}: install it from $PUBLIC_URL/slack/install`);
  const details = found.details as unknown as Installation;
  return {
    ...details,
    ...(details.bot && found.bot ? { bot: { ...details.bot, ...found.bot } } : {}),
    user: { ...details.user, token: found.user?.token, ...(found.user?.refreshToken ? { refreshToken: found.user.refreshToken } : {}) },
  } as Installation;
}

function keyOf(query: InstallationQuery<boolean>): string {
  return installationKey({ teamId: query.teamId, enterpriseId: query.enterpriseId, isEnterpriseInstall: query.isEnterpriseInstall === true });
}

function tokensOf(side: { token?: string | undefined; refreshToken?: string | undefined } | undefined): SlackTokens | undefined {
  if (!side?.token) return undefined;
  return side.refreshToken ? { token: side.token, refreshToken: side.refreshToken } : { token: side.token };
}

/** What Slack answered, minus every token: those go to their encrypted columns only. */
function withoutTokens(installation: Installation): Record<string, unknown> {
  // incomingWebhook's URL is a credential too; Greenlight asks for no incoming-webhook scope.
  const { bot, user, incomingWebhook: _webhook, ...rest } = installation;
  const strip = <T extends { token?: unknown; refreshToken?: unknown }>(side: T) => {
    const { token: _token, refreshToken: _refresh, ...kept } = side;
    return kept;
  };
  return { ...rest, ...(bot ? { bot: strip(bot) } : {}), user: strip(user) };
}
