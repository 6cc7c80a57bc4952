import { fetch } from 'undici';
import { expect } from 'vitest';
import type { Greenlight } from '../../src/service/start-service.ts';
import { connectAccount } from '../../src/db/accounts.ts';
import { updateWorkspaceSettings } from '../../src/db/workspaces.ts';
import type { startMastodonEmulator } from '../../emulators/mastodon.ts';
import type { SlackEmulator } from '../../emulators/slack.ts';

/** What the OAuth install tests (one workspace per install, and org-wide) need of a Slack team. */
export interface InstallTeam {
  id: string;
  author: string;
  manager: string;
  /** Where the author runs /post. */
  channel: string;
  approvals: string;
}

export interface Hop {
  status: number;
  url: string;
}

/**
 * A browser: follows redirects by hand and keeps cookies per host, as the install's state cookie needs.
 * `onHop` sees every URL on the way (the tests collect the OAuth codes to scan the logs for them).
 */
export async function browse(start: string, onHop: (url: URL) => void = () => {}): Promise<{ hops: Hop[]; status: number; body: string }> {
  const jar = new Map<string, Map<string, string>>();
  const hops: Hop[] = [];
  let url = start;
  for (let i = 0; i < 10; i++) {
    const host = new URL(url).host;
    const cookies = [...(jar.get(host) ?? new Map())].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(url, { redirect: 'manual', headers: cookies ? { cookie: cookies } : {} });
    for (const line of res.headers.getSetCookie()) {
      const [name, value = ''] = line.split(';')[0]!.split('=');
      const forHost = jar.get(host) ?? new Map<string, string>();
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(line)) forHost.delete(name!.trim());
      else forHost.set(name!.trim(), value);
      jar.set(host, forHost);
    }
    hops.push({ status: res.status, url });
    onHop(new URL(url));
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      await res.body?.cancel();
      url = new URL(location, url).toString();
      continue;
    }
    return { hops, status: res.status, body: await res.text() };
  }
  throw new Error(`too many redirects from ${start}`);
}

export function workspaceOf(app: Greenlight, team: InstallTeam) {
  return app.db.selectFrom('workspaces').selectAll().where('chat', '=', 'slack').where('external_id', '=', team.id).executeTakeFirst();
}

/** The author's /post, filled and submitted; returns once the card is in the team's approvals channel. */
export async function draftIn(slack: SlackEmulator, team: InstallTeam, accountId: string, text: string) {
  await slack.slashCommand({ command: '/post', text: '', userId: team.author, channelId: team.channel });
  const view = await slack.waitFor(() => slack.openModals(team.author)[0], { what: `the compose form in ${team.id}` });
  await slack.submitView({
    userId: team.author,
    viewId: view.id,
    values: {
      text: { value: { type: 'plain_text_input', value: text } },
      targets: { value: { type: 'checkboxes', selected_options: [{ value: accountId }] } },
      when: { value: { type: 'plain_text_input', value: 'now' } },
      zone: { value: { type: 'plain_text_input', value: 'Europe/Berlin' } },
    },
  });
  return slack.waitFor(() => slack.channelMessages(team.approvals)[0], { what: `the card in ${team.id}'s approvals channel` });
}

/** Sets the workspace's approvals channel and connects a Mastodon account its manager owns; returns the account id. */
export async function connectMastodonIn(
  app: Greenlight,
  mastodon: Awaited<ReturnType<typeof startMastodonEmulator>>,
  workspaceId: string,
  team: InstallTeam,
): Promise<string> {
  await updateWorkspaceSettings(app.db, workspaceId, { approvals_channel_id: team.approvals });
  const user = mastodon.createAccount(`greenlight-${team.id.toLowerCase()}`);
  const account = await connectAccount(app.db, app.cipher, {
    workspaceId,
    network: 'mastodon',
    externalAccountId: user.accountId,
    displayName: `@${team.id}`,
    instanceUrl: mastodon.url,
    connectedBy: team.manager,
    credentials: { accessToken: user.accessToken },
  });
  return account.id;
}

/** The manager clicks Approve on the card; resolves once the publish job's receipt is in the card's thread. */
export async function approveAndAwaitPublished(slack: SlackEmulator, team: InstallTeam, card: { ts: string; blocks?: unknown }): Promise<void> {
  const approve = (card.blocks as { elements?: { action_id?: string; value?: string }[] }[])
    .flatMap((b) => b.elements ?? [])
    .find((e) => e.action_id === 'approve');
  expect(approve, `an Approve button on ${team.id}'s card`).toBeDefined();
  await slack.clickButton({ userId: team.manager, actionId: 'approve', value: approve!.value!, channelId: team.approvals, messageTs: card.ts });
  // The receipt comes from the publish job, outside any Slack request.
  await slack.waitFor(() => slack.threadReplies(team.approvals, card.ts).find((m) => m.text.startsWith('Published to Mastodon')), {
    what: `the published receipt in ${team.id}`,
    timeoutMs: 10_000,
  });
}
