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

/** Bolt's OAuth authorize: the installation store's token for a team or an organization (refreshed first if it rotates). */
export type InstallAuthorize = (source: { teamId: string; enterpriseId: string | undefined; isEnterpriseInstall: boolean }) => Promise<{ botToken?: string }>;

/**
 * OAuth installs: the bot token of the workspace's own installation or, when it has none and belongs to
 * an Enterprise Grid organization, of the org-wide installation (one token that works in every
 * workspace the org's admins added the app to), through the same authorize Bolt runs for every request,
 * so a removed installation is noticed at once and a rotating token is refreshed before use. A client is
 * kept per installation while its token stays the same, so its rate-limit queue carries over.
 */
export function installedClients(authorize: InstallAuthorize, options: webApi.WebClientOptions): WorkspaceClients {
  const cache = new Map<string, { token: string; client: WebClient }>();
  return {
    async forWorkspace(workspace) {
      const { key, botToken } = await installationToken(authorize, workspace);
      if (!botToken)
        throw new Error(
          `the Slack installation of team ${workspace.external_id} (workspace ${workspace.id}) has no bot token: reinstall from $PUBLIC_URL/slack/install`,
        );
      const kept = cache.get(key);
      if (kept?.token === botToken) return kept.client;
      const client = new webApi.WebClient(botToken, options);
      cache.set(key, { token: botToken, client });
      return client;
    },
  };
}

/** The team's own installation first (a workspace install inside an org wins), then its organization's. */
async function installationToken(authorize: InstallAuthorize, workspace: Workspace): Promise<{ key: string; botToken?: string | undefined }> {
  const teamId = workspace.external_id;
  const enterpriseId = workspace.enterprise_id ?? undefined;
  try {
    return { key: `team:${teamId}`, ...(await authorize({ teamId, enterpriseId, isEnterpriseInstall: false })) };
  } catch (error) {
    if (enterpriseId === undefined) throw error;
    try {
      return { key: `enterprise:${enterpriseId}`, ...(await authorize({ teamId, enterpriseId, isEnterpriseInstall: true })) };
    } catch {
      // Neither: the team's own error says what to do (install), and names no organization it may not know.
      throw error;
    }
  }
}
