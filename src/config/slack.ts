import type { Config, Parsed } from './schema.ts';

/**
 * Slack's part of the configuration: one bot token for one workspace (SLACK_BOT_TOKEN, the default), or
 * OAuth installs for several (SLACK_CLIENT_ID and SLACK_CLIENT_SECRET, HTTP mode only).
 */

/** Which way the bot gets its token: one SLACK_BOT_TOKEN, or OAuth installs (SLACK_CLIENT_ID/SECRET). */
export function slackAuthProblems(e: Parsed): string[] {
  const problems: string[] = [];
  if (Boolean(e.SLACK_CLIENT_ID) !== Boolean(e.SLACK_CLIENT_SECRET)) {
    problems.push(
      'SLACK_CLIENT_ID and SLACK_CLIENT_SECRET: set both (from "Basic Information" > App Credentials) for workspaces to install by OAuth, or neither for one workspace with SLACK_BOT_TOKEN',
    );
  }
  if (e.SLACK_CLIENT_ID) {
    if (e.SLACK_BOT_TOKEN) problems.push("SLACK_BOT_TOKEN: leave unset with SLACK_CLIENT_ID (each workspace's bot token comes from its OAuth installation)");
    if (e.SLACK_APP_TOKEN)
      problems.push(
        'SLACK_APP_TOKEN: OAuth installs (SLACK_CLIENT_ID) run in HTTP mode only; unset SLACK_APP_TOKEN, or use one SLACK_BOT_TOKEN with Socket Mode',
      );
    if (!e.SLACK_SIGNING_SECRET) problems.push('SLACK_SIGNING_SECRET: required with SLACK_CLIENT_ID (OAuth installs run in HTTP mode)');
    // Team ids (T…) allow a workspace's install; an Enterprise Grid organization's id (E…) its org-wide install.
    if (e.SLACK_ALLOWED_TEAMS && teamList(e.SLACK_ALLOWED_TEAMS).some((id) => !/^[TE][A-Z0-9]{2,}$/.test(id))) {
      problems.push(
        'SLACK_ALLOWED_TEAMS: expected comma-separated Slack team ids such as T01ABCDEF (or organization ids such as E01ABCDEF for org-wide installs)',
      );
    }
    return problems;
  }
  if (e.SLACK_STATE_SECRET && !e.SLACK_CLIENT_ID) problems.push('SLACK_STATE_SECRET: only used with SLACK_CLIENT_ID (OAuth installs); set both or neither');
  if (e.SLACK_ALLOWED_TEAMS && !e.SLACK_CLIENT_ID) problems.push('SLACK_ALLOWED_TEAMS: only used with SLACK_CLIENT_ID (OAuth installs)');
  if (e.SLACK_BOT_TOKEN && !e.SLACK_SIGNING_SECRET && !e.SLACK_APP_TOKEN) {
    problems.push('SLACK_SIGNING_SECRET: required with SLACK_BOT_TOKEN in HTTP mode (or set SLACK_APP_TOKEN for Socket Mode)');
  }
  if ((e.SLACK_SIGNING_SECRET || e.SLACK_APP_TOKEN) && !e.SLACK_BOT_TOKEN) {
    problems.push(
      'SLACK_BOT_TOKEN: required when Slack is configured (the xoxb- token from "OAuth & Permissions"), or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET for OAuth installs',
    );
  }
  return problems;
}

const teamList = (value: string) =>
  value
    .split(',')
    .map((id) => id.trim())
    .filter(Boolean);

export function slackConfig(e: Parsed): Config['slack'] {
  if (e.SLACK_CLIENT_ID && e.SLACK_CLIENT_SECRET) {
    const allowedTeams = e.SLACK_ALLOWED_TEAMS ? teamList(e.SLACK_ALLOWED_TEAMS) : undefined;
    return {
      mode: 'oauth',
      signingSecret: e.SLACK_SIGNING_SECRET!,
      clientId: e.SLACK_CLIENT_ID,
      clientSecret: e.SLACK_CLIENT_SECRET,
      stateSecret: e.SLACK_STATE_SECRET,
      allowedTeams,
      apiUrl: e.SLACK_API_URL,
    };
  }
  if (!e.SLACK_BOT_TOKEN) return undefined;
  if (e.SLACK_APP_TOKEN) {
    return { mode: 'socket', signingSecret: e.SLACK_SIGNING_SECRET, botToken: e.SLACK_BOT_TOKEN, appToken: e.SLACK_APP_TOKEN, apiUrl: e.SLACK_API_URL };
  }
  return { mode: 'http', signingSecret: e.SLACK_SIGNING_SECRET!, botToken: e.SLACK_BOT_TOKEN, apiUrl: e.SLACK_API_URL };
}
