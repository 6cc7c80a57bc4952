import type { Installation, InstallationQuery, InstallationStore } from '@slack/bolt';
import type { TokenCipher } from '../../crypto/token-cipher.ts';
import type { Db } from '../../db/database.ts';
import { deleteSlackInstallation, findSlackInstallation, installationKey, saveSlackInstallation, type SlackTokens } from '../../db/slack-installations.ts';
import { inTransaction } from '../../db/transaction.ts';
import { findOrCreateWorkspace } from '../../db/workspaces.ts';
import type { Logger } from '../../log.ts';

/**
 * Bolt's installation store, on our Postgres: Bolt's OAuth flow saves here what Slack answered at
 * install, and its `authorize` reads the installing workspace's bot token here for every request.
 * The workspace's row is made at install, so settings can be set before anyone has used /post.
 */
export function createInstallationStore(db: Db, cipher: TokenCipher, log: Logger): InstallationStore {
  return {
    async storeInstallation(installation) {
      const key = installationKey({ teamId: installation.team?.id, enterpriseId: installation.enterprise?.id, isEnterpriseInstall: installation.isEnterpriseInstall === true });
      await inTransaction(db, async (tx) => {
        const workspace = installation.team ? await findOrCreateWorkspace(tx, 'slack', installation.team.id, installation.team.name) : undefined;
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
      log.info({ installation: key }, 'Slack app installed');
    },

    async fetchInstallation(query) {
      const key = keyOf(query);
      const found = await findSlackInstallation(db, cipher, key);
      if (!found) throw new Error(`Greenlight is not installed in Slack ${key.replace(':', ' ')}: install it from $PUBLIC_URL/slack/install`);
      const details = found.details as unknown as Installation;
      return {
        ...details,
        ...(details.bot && found.bot ? { bot: { ...details.bot, ...found.bot } } : {}),
        user: { ...details.user, token: found.user?.token, ...(found.user?.refreshToken ? { refreshToken: found.user.refreshToken } : {}) },
      } as Installation;
    },

    async deleteInstallation(query) {
      const key = keyOf(query);
      if (await deleteSlackInstallation(db, key)) log.info({ installation: key }, 'Slack app uninstalled: installation deleted');
    },
  };
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
