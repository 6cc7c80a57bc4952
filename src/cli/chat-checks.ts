import type { Config } from '../config/load.ts';
import { errorText, type Check } from './output.ts';

/** `doctor`'s chat token checks: one cheap authenticated call each, the token only ever in a header. */

const TIMEOUT_MS = 10_000;

export async function checkSlack(config: Config): Promise<Check> {
  const slack = config.slack;
  if (!slack) return { name: 'slack', status: 'skip', detail: 'not configured (SLACK_BOT_TOKEN unset)' };
  // Each workspace's token comes from its installation, checked by Slack at every request.
  if (slack.mode === 'oauth')
    return { name: 'slack', status: 'ok', detail: 'OAuth installs: workspaces install at $PUBLIC_URL/slack/install (no single bot token to check)' };
  const url = new URL('auth.test', slack.apiUrl.endsWith('/') ? slack.apiUrl : `${slack.apiUrl}/`);
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${slack.botToken}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    const body = (await res.json().catch(() => ({}))) as { ok?: boolean; error?: string; team?: string; user?: string };
    if (body.ok)
      return { name: 'slack', status: 'ok', detail: `auth.test: bot token works (team ${body.team ?? '?'}, bot @${body.user ?? '?'}, ${slack.mode} mode)` };
    return {
      name: 'slack',
      status: 'fail',
      detail: `Slack refused the bot token: ${body.error ?? `HTTP ${res.status}`}`,
      hint: 'set SLACK_BOT_TOKEN to the xoxb- token on the app\'s "OAuth & Permissions" page (reinstall the app if it was revoked)',
    };
  } catch (error) {
    return {
      name: 'slack',
      status: 'fail',
      detail: `cannot reach Slack at ${url.origin}: ${errorText(error)}`,
      hint: "check this machine's outbound network (and SLACK_API_URL)",
    };
  }
}

export async function checkDiscord(config: Config): Promise<Check> {
  const discord = config.discord;
  if (!discord) return { name: 'discord', status: 'skip', detail: 'not configured (DISCORD_BOT_TOKEN unset)' };
  const url = `${discord.apiUrl}/v10/users/@me`;
  try {
    const res = await fetch(url, { headers: { authorization: `Bot ${discord.botToken}` }, signal: AbortSignal.timeout(TIMEOUT_MS) });
    const body = (await res.json().catch(() => ({}))) as { id?: string; username?: string; message?: string };
    if (res.ok)
      return { name: 'discord', status: 'ok', detail: `GET /users/@me: bot token works (bot ${body.username ?? '?'} ${body.id ?? ''}, ${discord.mode} mode)` };
    return {
      name: 'discord',
      status: 'fail',
      detail: `Discord refused the bot token: ${body.message ?? `HTTP ${res.status}`}`,
      hint: "set DISCORD_BOT_TOKEN to the token on the portal's Bot page (Reset Token if it leaked)",
    };
  } catch (error) {
    return {
      name: 'discord',
      status: 'fail',
      detail: `cannot reach Discord at ${new URL(url).origin}: ${errorText(error)}`,
      hint: "check this machine's outbound network (and DISCORD_API_URL)",
    };
  }
}
