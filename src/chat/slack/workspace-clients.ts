import { webApi } from '@slack/bolt';
import type { TokenCipher } from '../../crypto/token-cipher.ts';
import type { Db } from '../../db/database.ts';
import { findSlackInstallation, installationKey } from '../../db/slack-installations.ts';
import type { Workspace } from '../../db/schema.ts';

type WebClient = webApi.WebClient;

/**
 * The Web API client that speaks for one workspace, for work that runs outside a Slack request (cards
 * and receipts from the workers, announcements). Listeners use the `client` Bolt hands them instead:
 * Bolt's authorize has already put the workspace's token in it.
 */
export interface WorkspaceClients {
  forWorkspace(workspace: Workspace): Promise<WebClient>;
}

/** One bot token for one workspace: always the app's own client. */
export function singleTokenClients(client: WebClient): WorkspaceClients {
  return { forWorkspace: async () => client };
}

/**
 * OAuth installs: the installing workspace's bot token, read from the installation store each time (an
 * uninstall or a reinstall on another replica takes effect at once). A client is kept per workspace while
 * its token stays the same, so its rate-limit queue carries over between calls.
 */
export function installedClients(db: Db, cipher: TokenCipher, options: webApi.WebClientOptions): WorkspaceClients {
  const cache = new Map<string, { token: string; client: WebClient }>();
  return {
    async forWorkspace(workspace) {
      const key = installationKey({ teamId: workspace.external_id, isEnterpriseInstall: false });
      const token = (await findSlackInstallation(db, cipher, key))?.bot?.token;
      if (!token) throw new Error(`Greenlight is not installed in Slack team ${workspace.external_id} (workspace ${workspace.id}): reinstall it from $PUBLIC_URL/slack/install`);
      const kept = cache.get(workspace.external_id);
      if (kept?.token === token) return kept.client;
      const client = new webApi.WebClient(token, options);
      cache.set(workspace.external_id, { token, client });
      return client;
    },
  };
}
