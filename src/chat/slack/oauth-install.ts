import type { HTTPReceiverOptions, InstallationStore } from '@slack/bolt';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../../config/load.ts';
import { html, sendPage } from '../../http/page.ts';
import type { Logger } from '../../log.ts';

type OAuthSlack = Extract<NonNullable<Config['slack']>, { mode: 'oauth' }>;

/** The bot scopes a workspace grants at install; manifests/slack.yaml declares the same (a test checks). */
export const BOT_SCOPES = ['commands', 'chat:write', 'chat:write.public', 'files:read', 'files:write', 'users:read', 'usergroups:read', 'channels:read'];

export const INSTALL_PATH = '/slack/install';
export const REDIRECT_PATH = '/slack/oauth_redirect';

/**
 * Bolt's own OAuth v2 install flow, served by its HTTP receiver beside /slack/events: /slack/install
 * redirects to Slack's consent page with a signed state (also set as a cookie, so the callback must come
 * back to the same browser), /slack/oauth_redirect exchanges the code (oauth.v2.access) and saves the
 * installation in our store.
 */
export function oauthReceiverOptions(
  slack: OAuthSlack,
  store: InstallationStore,
  publicUrl: string,
  stateSecret: string,
  log: Logger,
): Partial<HTTPReceiverOptions> {
  return {
    clientId: slack.clientId,
    clientSecret: slack.clientSecret,
    stateSecret,
    installationStore: store,
    scopes: BOT_SCOPES,
    redirectUri: `${publicUrl}${REDIRECT_PATH}`,
    installerOptions: {
      installPath: INSTALL_PATH,
      redirectUriPath: REDIRECT_PATH,
      directInstall: true,
      stateVerification: true,
      authorizationUrl: authorizationUrl(slack.apiUrl),
      clientOptions: { slackApiUrl: slack.apiUrl },
      callbackOptions: {
        // The token Slack just issued is dropped unsaved: Greenlight never acts in that workspace.
        // An org-wide install (Enterprise Grid) is allowed by its organization's id (E…), any other by its team's (T…).
        afterInstallation: async (installation, _options, _req, res) => {
          const orgWide = installation.isEnterpriseInstall === true;
          const id = (orgWide ? installation.enterprise?.id : installation.team?.id) ?? '';
          if (!slack.allowedTeams || slack.allowedTeams.includes(id)) return true;
          log.warn(
            { [orgWide ? 'enterpriseId' : 'teamId']: id },
            `a Slack install from ${orgWide ? 'an organization' : 'a workspace'} not in SLACK_ALLOWED_TEAMS was refused`,
          );
          sendPage(
            res,
            403,
            'Install refused',
            html`<p>This Greenlight serves only the workspaces its operator lists. Ask them to add ${orgWide ? 'organization' : 'team'} ${id} to SLACK_ALLOWED_TEAMS, then install again.</p>`,
          );
          return false;
        },
        success: (installation, _options, _req, res) => {
          const next = html`Invite @Greenlight to your approvals channel, then run <code>/greenlight settings approvals_channel=#approvals</code> there.`;
          if (installation.isEnterpriseInstall === true) {
            // Slack adds an org-wide app to no workspace by itself: the org's admins pick them.
            const name = installation.enterprise?.name ?? 'your organization';
            sendPage(
              res,
              200,
              'Greenlight is installed',
              html`<p>Greenlight is installed for ${name}. An org admin now adds it to the workspaces that use it (in Slack's admin pages, under Integrations → Installed apps). In each: ${next}</p>`,
            );
            return;
          }
          const name = installation.team?.name ?? 'your workspace';
          sendPage(res, 200, 'Greenlight is installed', html`<p>Greenlight is installed in ${name}. ${next}</p>`);
        },
        failure: (error, _options, _req: IncomingMessage, res: ServerResponse) => {
          // Slack's error code (invalid_code, access_denied, a stale state); never a token or the code itself.
          const reason = (error as { code?: string; data?: { error?: string } }).data?.error ?? (error as { code?: string }).code ?? 'unknown';
          log.warn({ reason }, 'a Slack install did not finish');
          sendPage(
            res,
            400,
            'Install not finished',
            html`<p>The Slack install did not finish (${reason.slice(0, 100)}). Start again from <a href="${INSTALL_PATH}">${INSTALL_PATH}</a>.</p>`,
          );
        },
      },
    },
  };
}

/** Slack's consent page sits beside its Web API: https://slack.com/api/ → https://slack.com/oauth/v2/authorize. */
export function authorizationUrl(apiUrl: string): string {
  return new URL('../oauth/v2/authorize', apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`).toString();
}
