import { Writable } from 'node:stream';
import { fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGreenlight, type Greenlight } from '../../src/service/start-service.ts';
import { loadConfig } from '../../src/config/load.ts';
import { findSlackInstallation } from '../../src/db/slack-installations.ts';
import { greenlightCore } from '../../src/service/wire-greenlight.ts';
import { createLogger } from '../../src/log.ts';
import { createMastodonAdapter } from '../../src/networks/mastodon.ts';
import { startMastodonEmulator } from '../../emulators/mastodon.ts';
import { SlackEmulator } from '../../emulators/slack.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { approveAndAwaitPublished, browse, connectMastodonIn, draftIn, workspaceOf } from '../helpers/slack-installs.ts';
import { freePort } from '../oauth/oauth-stack.ts';

/**
 * An Enterprise Grid organization installs Greenlight once, org-wide (Bolt's installer against the
 * emulator's consent page; oauth.v2.access answers `team: null`, `enterprise`, `is_enterprise_install:
 * true`). Two of its workspaces, with no installation of their own, each draft and approve a post: the
 * cards and receipts, sent by background jobs, reach each workspace's approvals channel with the one
 * org token (the emulator refuses it in a workspace the app was not added to). Then the org uninstalls.
 */

const ORG = { id: 'E0ORG', name: 'Org Inc' };
const TEAMS = {
  a: { id: 'T0A', name: 'Org A', author: 'U0AAUTHOR', manager: 'U0AMGR', channel: 'C0AMKT', approvals: 'C0AAPPR' },
  b: { id: 'T0B', name: 'Org B', author: 'U0BAUTHOR', manager: 'U0BMGR', channel: 'C0BMKT', approvals: 'C0BAPPR' },
} as const;
const ORG_ADMIN = 'U0ORGADMIN';

let testDb: TestDatabase;
let slack: SlackEmulator;
let mastodon: Awaited<ReturnType<typeof startMastodonEmulator>>;
let app: Greenlight;
let publicUrl: string;
let logged = '';

beforeAll(async () => {
  testDb = await createTestDatabase();
  slack = await SlackEmulator.start({ teamId: 'T0EMULATOR' });
  mastodon = await startMastodonEmulator();
  slack.addEnterprise(ORG);
  slack.addEnterprise({ id: 'E0OTHER', name: 'Other Org' });
  slack.addTeam({ id: 'T0C', name: 'Org C', enterpriseId: ORG.id });
  slack.addUser({ id: ORG_ADMIN, name: 'org-admin', tz: 'UTC', teamId: TEAMS.a.id, isAdmin: true });
  for (const team of Object.values(TEAMS)) {
    slack.addTeam({ id: team.id, name: team.name, enterpriseId: ORG.id });
    slack.addUser({ id: team.author, name: `${team.id}-author`, tz: 'Europe/Berlin', teamId: team.id });
    slack.addUser({ id: team.manager, name: `${team.id}-manager`, tz: 'Europe/Berlin', teamId: team.id, isAdmin: true });
    slack.addChannel({ id: team.channel, name: 'marketing', teamId: team.id });
    slack.addChannel({ id: team.approvals, name: 'approvals', teamId: team.id });
  }
  const port = await freePort();
  publicUrl = `http://127.0.0.1:${port}`;
  slack.oauth.redirectUrls = [`${publicUrl}/slack/oauth_redirect`];
  const config = loadConfig({
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_URL: publicUrl,
    DATABASE_URL: testDb.url,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    GREENLIGHT_DATA_DIR: '.greenlight/test-data',
    SLACK_CLIENT_ID: slack.oauth.clientId,
    SLACK_CLIENT_SECRET: slack.oauth.clientSecret,
    SLACK_SIGNING_SECRET: slack.signingSecret,
    SLACK_STATE_SECRET: 'slack-state-secret-0123456789abcdef',
    OUTBOUND_ALLOW_PRIVATE: '127.0.0.0/8',
    SLACK_API_URL: slack.apiUrl,
    SLACK_ALLOWED_TEAMS: ORG.id,
  });
  app = await startGreenlight({
    config,
    log: createLogger(
      { level: 'debug' },
      new Writable({
        write(chunk, _encoding, done) {
          logged += String(chunk);
          done();
        },
      }) as never,
    ),
    extensions: [greenlightCore(config, { adapters: { mastodon: createMastodonAdapter({ timeoutMs: 2_000 }) }, retryDelays: { baseMs: 100, maxMs: 1_000 } })],
  });
  slack.setAppUrl(`${app.url}/slack/events`);
});

afterAll(async () => {
  await app?.stop();
  await Promise.all([slack?.stop(), mastodon?.stop()]);
  await testDb?.drop();
});

describe("Slack org-wide install (Enterprise Grid): one token for the organization's workspaces", () => {
  it('refuses an org-wide install from an organization not in SLACK_ALLOWED_TEAMS, storing nothing', async () => {
    slack.addUser({ id: 'U0OTHERADMIN', name: 'other-admin', tz: 'UTC' });
    slack.oauth.signIn({ enterpriseId: 'E0OTHER', userId: 'U0OTHERADMIN' });
    const page = await browse(`${publicUrl}/slack/install`);
    expect(page.status).toBe(403);
    expect(page.body).toContain('add organization E0OTHER to SLACK_ALLOWED_TEAMS');
    expect(await app.db.selectFrom('slack_installations').select('installation_key').execute()).toEqual([]);
  });

  it('refuses a workspace-level install from a team of the listed organization: the list names the org-wide install', async () => {
    slack.oauth.signIn({ teamId: TEAMS.a.id, userId: TEAMS.a.manager });
    const page = await browse(`${publicUrl}/slack/install`);
    expect(page.status).toBe(403);
    expect(page.body).toContain(`add team ${TEAMS.a.id} to SLACK_ALLOWED_TEAMS`);
    expect(await app.db.selectFrom('slack_installations').select('installation_key').execute()).toEqual([]);
  });

  it('installs org-wide: Slack answers team null and the organization, stored under enterprise:E0ORG', async () => {
    slack.oauth.signIn({ enterpriseId: ORG.id, userId: ORG_ADMIN });
    const page = await browse(`${publicUrl}/slack/install`);
    expect(page.hops.map((h) => new URL(h.url).pathname)).toEqual(['/slack/install', '/oauth/v2/authorize', '/slack/oauth_redirect']);
    expect(page.status).toBe(200);
    expect(page.body).toContain(`Greenlight is installed for ${ORG.name}`);
    const answer = slack.callsTo('oauth.v2.access').at(-1)!.response;
    expect(answer).toMatchObject({ ok: true, team: null, enterprise: ORG, is_enterprise_install: true });
    const stored = await findSlackInstallation(app.db, app.cipher, `enterprise:${ORG.id}`);
    expect(stored).toMatchObject({ isEnterpriseInstall: true, enterpriseId: ORG.id, teamId: undefined });
    expect(stored?.bot?.token).toBe(slack.botTokenOf(ORG.id));
    // No workspace yet: an org-wide install names none.
    expect(await app.db.selectFrom('workspaces').select('external_id').where('chat', '=', 'slack').execute()).toEqual([]);
    slack.addOrgAppToTeams(ORG.id, [TEAMS.a.id, TEAMS.b.id]);
  });

  it("sends each workspace's cards and receipts to its own approvals channel with the org token", async () => {
    const accounts: Record<string, string> = {};
    for (const team of [TEAMS.a, TEAMS.b]) {
      // The first command makes the workspace and records its organization.
      await slack.slashCommand({ command: '/post', text: '', userId: team.author, channelId: team.channel });
      await slack.waitFor(() => slack.ephemerals(team.author).find((e) => e.text.includes('No social accounts')), { what: `the first answer in ${team.id}` });
      const workspace = (await workspaceOf(app, team))!;
      expect(workspace.enterprise_id).toBe(ORG.id);
      accounts[team.id] = await connectMastodonIn(app, mastodon, workspace.id, team);
    }
    const cards = {
      a: await draftIn(slack, TEAMS.a, accounts[TEAMS.a.id]!, 'A launches today'),
      b: await draftIn(slack, TEAMS.b, accounts[TEAMS.b.id]!, 'B says hello'),
    };
    expect(JSON.stringify(cards.a.blocks)).toContain('A launches today');
    expect(JSON.stringify(cards.b.blocks)).toContain('B says hello');
    for (const [team, card] of [
      [TEAMS.a, cards.a],
      [TEAMS.b, cards.b],
    ] as const)
      await approveAndAwaitPublished(slack, team, card);
    expect(mastodon.posts.map((p) => p.text).sort()).toEqual(['A launches today', 'B says hello']);

    // Every card, update and receipt went with the org token (the emulator records its organization).
    const posts = slack.requests.filter((c) => c.method === 'chat.postMessage' || c.method === 'chat.update');
    expect(posts.length).toBeGreaterThanOrEqual(8);
    for (const call of posts) {
      expect(call.enterpriseId, `${call.method} to ${String(call.args.channel)}`).toBe(ORG.id);
      expect(call.teamId).toBeUndefined();
      expect(call.response.ok).toBe(true);
    }
    expect(slack.requests.filter((c) => c.response.ok === false).map((c) => `${c.method}: ${String(c.response.error)}`)).toEqual([]);
  });

  it('the org token works only in the workspaces the org admins added the app to', async () => {
    slack.addChannel({ id: 'C0CAPPR', name: 'approvals', teamId: 'T0C' });
    const res = await fetch(`${slack.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${slack.botTokenOf(ORG.id)!}`, 'content-type': 'application/json' },
      body: JSON.stringify({ channel: 'C0CAPPR', text: 'not here' }),
    });
    expect(await res.json()).toMatchObject({ ok: false, error: 'channel_not_found' });
  });

  it('an org uninstall deletes the installation and stops both workspaces', async () => {
    const answers = await slack.uninstallApp(ORG.id);
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    await slack.waitFor(async () => (await findSlackInstallation(app.db, app.cipher, `enterprise:${ORG.id}`)) === undefined, {
      what: 'the org installation to go',
    });
    expect(await app.db.selectFrom('slack_installations').select('installation_key').execute()).toEqual([]);
    for (const team of [TEAMS.a, TEAMS.b]) {
      const modals = slack.openModals(team.author).length;
      await slack.slashCommand({ command: '/post', text: '', userId: team.author, channelId: team.channel });
      await slack.waitFor(() => slack.ephemerals(team.author).find((e) => e.text.includes('not installed')), {
        what: `the not-installed answer in ${team.id}`,
      });
      expect(slack.openModals(team.author)).toHaveLength(modals);
    }
  });

  it('logs no org token', () => {
    expect(logged).toContain('Slack app installed');
    for (const token of slack.tokensOf(ORG.id)) expect(logged.includes(token)).toBe(false);
  });
});
