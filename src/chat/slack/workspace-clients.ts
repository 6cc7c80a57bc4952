import { webApi } from '@slack/bolt';
import type { Workspace } from '../../db/schema.ts';

type WebClient = webApi.WebClient;

/**
 * The Web API client that speaks for one workspace, for work that runs outside a Slack request (cards
 * and receipts from the workers, announcements, digests). Listeners use the `client` Bolt hands them
 * instead: Bolt's authorize has already put the workspace's token in it.
 */
export interface WorkspaceClients {
  forWorkspace(workspace: Workspace): Promise<WebClient>;
}

/** One bot token for one workspace: always the app's own client. */
export function singleTokenClients(client: WebClient): WorkspaceClients {
  return { forWorkspace: async () => client };
}

/** Bolt's OAuth authorize: the installation store's token for a team (refreshed first if it rotates). */
export type InstallAuthorize = (source: { teamId: string; enterpriseId: undefined; isEnterpriseInstall: false }) => Promise<{ botToken?: string }>;

/**
 * OAuth installs: the installing workspace's bot token, through the same authorize Bolt runs for every
 * request, so a removed installation is noticed at once and a rotating token is refreshed before use. A
 * client is kept per workspace while its token stays the same, so its rate-limit queue carries over.
 */
export function installedClients(authorize: InstallAuthorize, options: webApi.WebClientOptions): WorkspaceClients {
  const cache = new Map<string, { token: string; client: WebClient }>();
  return {
    async forWorkspace(workspace) {
      const { botToken } = await authorize({ teamId: workspace.external_id, enterpriseId: undefined, isEnterpriseInstall: false });
      if (!botToken) throw new Error(`the Slack installation of team ${workspace.external_id} (workspace ${workspace.id}) has no bot token: reinstall from $PUBLIC_URL/slack/install`);
      const kept = cache.get(workspace.external_id);
      if (kept?.token === botToken) return kept.client;
      const client = new webApi.WebClient(botToken, options);
      cache.set(workspace.external_id, { token: botToken, client });
      return client;
    },
  };
}
