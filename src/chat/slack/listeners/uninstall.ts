import type { App } from '@slack/bolt';
import type { GreenlightInstallationStore } from '../installation-store.ts';

/**
 * OAuth installs only. Slack says when a workspace removes the app (`app_uninstalled`) or revokes its
 * tokens (`tokens_revoked`): the installation goes, and with it the token nothing may use any more.
 * Bolt delivers both events without authorizing them (the token may already be dead).
 */
export function registerUninstall(app: App, store: GreenlightInstallationStore): void {
  app.event('app_uninstalled', async ({ context }) => {
    await store.deleteInstallation({
      teamId: context.teamId,
      enterpriseId: context.enterpriseId,
      isEnterpriseInstall: context.isEnterpriseInstall === true,
    } as never);
  });
  app.event('tokens_revoked', async ({ event, context }) => {
    const query = { teamId: context.teamId, enterpriseId: context.enterpriseId, isEnterpriseInstall: context.isEnterpriseInstall === true };
    if ((event.tokens.bot ?? []).length > 0) await store.deleteInstallation(query as never);
    else if ((event.tokens.oauth ?? []).length > 0) await store.dropUserToken(query as never);
  });
}
