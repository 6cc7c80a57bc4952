import { sql } from 'kysely';
import { Writable } from 'node:stream';
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
 * Two Slack workspaces install one Greenlight by OAuth (Bolt's installer against the emulator's consent
 * page and oauth.v2.access), each drafts and approves a post, and every card and receipt reaches its own
 * workspace's approvals channel with its own bot token; the emulator refuses a token used on another
 * team's channel, user or trigger. Then one workspace uninstalls.
 */

const TEAMS = {
  alpha: { id: 'T0ALPHA', name: 'Greenlight Emulator', author: 'U0ALPHAAUTHOR', manager: 'U0ALPHAMGR', channel: 'C0ALPHAMKT', approvals: 'C0ALPHAAPPR' },
  bravo: { id: 'T0BRAVO', name: 'Bravo Ltd', author: 'U0BRAVOAUTHOR', manager: 'U0BRAVOMGR', channel: 'C0BRAVOMKT', approvals: 'C0BRAVOAPPR' },
} as const;
type Team = (typeof TEAMS)[keyof typeof TEAMS];

let testDb: TestDatabase;
let slack: SlackEmulator;
let mastodon: Awaited<ReturnType<typeof startMastodonEmulator>>;
let app: Greenlight;
let publicUrl: string;
/** Everything Greenlight logged, at debug level, to look for secrets in. */
let logged = '';
const STATE_SECRET = 'slack-state-secret-0123456789abcdef';
const codes: string[] = [];

beforeAll(async () => {
  testDb = await createTestDatabase();
  slack = await SlackEmulator.start({ teamId: TEAMS.alpha.id }); // its first team is named 'Greenlight Emulator'
  mastodon = await startMastodonEmulator();
  slack.addTeam({ id: TEAMS.bravo.id, name: TEAMS.bravo.name });
  for (const team of Object.values(TEAMS)) {
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
    SLACK_STATE_SECRET: STATE_SECRET,
    OUTBOUND_ALLOW_PRIVATE: '127.0.0.0/8',
    SLACK_API_URL: slack.apiUrl,
    SLACK_ALLOWED_TEAMS: `${TEAMS.alpha.id},${TEAMS.bravo.id}`,
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

async function install(team: Team) {
  slack.oauth.signIn({ teamId: team.id, userId: team.manager });
  return browse(`${publicUrl}/slack/install`, collectCode);
}

/** Every OAuth code on the way, to scan the logs for them. */
function collectCode(url: URL): void {
  const code = url.searchParams.get('code');
  if (code) codes.push(code);
}

describe('Slack OAuth installs: several workspaces, one Greenlight', () => {
  it('a cancelled consent installs nothing and says so on the page', async () => {
    slack.oauth.denyNext();
    const page = await install(TEAMS.alpha);
    expect(page.status).toBe(400);
    expect(page.body).toContain('The Slack install did not finish');
    expect(await app.db.selectFrom('slack_installations').select('installation_key').execute()).toEqual([]);
  });

  it('installs two workspaces through /slack/install → consent → /slack/oauth_redirect, making each workspace', async () => {
    for (const team of [TEAMS.alpha, TEAMS.bravo]) {
      const page = await install(team);
      expect(page.hops.map((h) => [h.status, new URL(h.url).pathname])).toEqual([
        [302, '/slack/install'],
        [302, '/oauth/v2/authorize'],
        [200, '/slack/oauth_redirect'],
      ]);
      expect(page.body).toContain(`Greenlight is installed in ${team.name}`);
      expect(await workspaceOf(app, team)).toMatchObject({ external_id: team.id, name: team.name });
    }
    expect(slack.callsTo('oauth.v2.access').map((c) => c.response.ok)).toEqual([true, true]);
    const alphaToken = slack.botTokenOf(TEAMS.alpha.id)!;
    const bravoToken = slack.botTokenOf(TEAMS.bravo.id)!;
    expect(alphaToken).not.toBe(bravoToken);
    expect((await findSlackInstallation(app.db, app.cipher, `team:${TEAMS.alpha.id}`))?.bot?.token).toBe(alphaToken);
    expect((await findSlackInstallation(app.db, app.cipher, `team:${TEAMS.bravo.id}`))?.bot?.token).toBe(bravoToken);
  });

  it('refuses an install from a workspace not in SLACK_ALLOWED_TEAMS, storing nothing', async () => {
    slack.addTeam({ id: 'T0CHARLIE', name: 'Charlie Inc' });
    slack.addUser({ id: 'U0CHARLIE', name: 'carl', tz: 'UTC', teamId: 'T0CHARLIE' });
    slack.oauth.signIn({ teamId: 'T0CHARLIE', userId: 'U0CHARLIE' });
    const page = await browse(`${publicUrl}/slack/install`, collectCode);
    expect(page.status).toBe(403);
    expect(page.body).toContain('add team T0CHARLIE to SLACK_ALLOWED_TEAMS');
    expect(await app.db.selectFrom('slack_installations').select('installation_key').where('team_id', '=', 'T0CHARLIE').execute()).toEqual([]);
    expect(await app.db.selectFrom('workspaces').select('id').where('external_id', '=', 'T0CHARLIE').execute()).toEqual([]);
  });

  it('stores no token in plain text', async () => {
    const rows = await sql<{ row: string }>`SELECT t::text AS row FROM slack_installations t`.execute(app.db);
    expect(rows.rows).toHaveLength(2);
    const everything = rows.rows.map((r) => r.row).join('\n');
    const tokens = [...slack.tokensOf(TEAMS.alpha.id), ...slack.tokensOf(TEAMS.bravo.id)];
    expect(tokens.length).toBeGreaterThanOrEqual(2);
    for (const token of tokens) expect(everything).not.toContain(token);
    for (const token of tokens) expect(everything).not.toContain(token.split('-').at(-1));
    const envelopes = await app.db.selectFrom('slack_installations').select('bot_token').execute();
    for (const { bot_token } of envelopes) expect(bot_token).toMatch(/^v1\.[a-z0-9_-]+\./);
  });

  it("sends each workspace's cards and receipts to its own approvals channel with its own token", async () => {
    const accounts: Record<string, string> = {};
    for (const team of [TEAMS.alpha, TEAMS.bravo]) accounts[team.id] = await connectMastodonIn(app, mastodon, (await workspaceOf(app, team))!.id, team);
    const cards = {
      alpha: await draftIn(slack, TEAMS.alpha, accounts[TEAMS.alpha.id]!, 'Alpha launches today'),
      bravo: await draftIn(slack, TEAMS.bravo, accounts[TEAMS.bravo.id]!, 'Bravo says hello'),
    };
    expect(JSON.stringify(cards.alpha.blocks)).toContain('Alpha launches today');
    expect(JSON.stringify(cards.bravo.blocks)).toContain('Bravo says hello');
    for (const [team, card] of [
      [TEAMS.alpha, cards.alpha],
      [TEAMS.bravo, cards.bravo],
    ] as const)
      await approveAndAwaitPublished(slack, team, card);
    expect(mastodon.posts.map((p) => p.text).sort()).toEqual(['Alpha launches today', 'Bravo says hello']);

    // Every message to a team's channel went with that team's token (the emulator refuses any other).
    const posts = slack.requests.filter((c) => c.method === 'chat.postMessage' || c.method === 'chat.update');
    expect(posts.length).toBeGreaterThanOrEqual(8);
    for (const call of posts) {
      const team = Object.values(TEAMS).find((t) => t.approvals === call.args.channel)!;
      expect(call.teamId, `${call.method} to ${String(call.args.channel)}`).toBe(team.id);
      expect(call.response.ok).toBe(true);
    }
    expect(slack.requests.filter((c) => c.response.ok === false).map((c) => `${c.method}: ${String(c.response.error)}`)).toEqual([]);
  });

  it('answers from the installation read in the last minute: the row gone behind its back, /post still opens the form', async () => {
    const key = `team:${TEAMS.alpha.id}`;
    await slack.slashCommand({ command: '/post', text: 'cached one', userId: TEAMS.alpha.author, channelId: TEAMS.alpha.channel });
    await slack.waitFor(() => slack.openModals(TEAMS.alpha.author).find((v) => JSON.stringify(v.blocks).includes('cached one')), {
      what: "alpha's first compose form",
    });
    const row = await app.db.selectFrom('slack_installations').selectAll().where('installation_key', '=', key).executeTakeFirstOrThrow();
    await app.db.deleteFrom('slack_installations').where('installation_key', '=', key).execute();
    try {
      await slack.slashCommand({ command: '/post', text: 'cached two', userId: TEAMS.alpha.author, channelId: TEAMS.alpha.channel });
      await slack.waitFor(() => slack.openModals(TEAMS.alpha.author).find((v) => JSON.stringify(v.blocks).includes('cached two')), {
        what: "alpha's second compose form, without its row",
      });
      expect(slack.ephemerals(TEAMS.alpha.author).filter((e) => e.text.includes('not installed'))).toEqual([]);
    } finally {
      await app.db
        .insertInto('slack_installations')
        .values({ ...row, installation: JSON.stringify(row.installation) })
        .execute();
    }
  });

  it('deletes the installation when a workspace uninstalls, and keeps the other', async () => {
    // Bravo's installation is in the cache now; the uninstall below must drop it there too.
    await slack.slashCommand({ command: '/post', text: 'before uninstall', userId: TEAMS.bravo.author, channelId: TEAMS.bravo.channel });
    await slack.waitFor(() => slack.openModals(TEAMS.bravo.author).find((v) => JSON.stringify(v.blocks).includes('before uninstall')), {
      what: "bravo's compose form before the uninstall",
    });
    const answers = await slack.uninstallApp(TEAMS.bravo.id);
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    await slack.waitFor(async () => (await findSlackInstallation(app.db, app.cipher, `team:${TEAMS.bravo.id}`)) === undefined, {
      what: 'the installation to go',
    });
    expect((await app.db.selectFrom('slack_installations').select('installation_key').execute()).map((r) => r.installation_key)).toEqual([
      `team:${TEAMS.alpha.id}`,
    ]);
    // The workspace itself (settings, posts) stays for a reinstall.
    expect(await workspaceOf(app, TEAMS.bravo)).toBeDefined();

    // Someone there still types /post: no form, and an answer saying why and where to reinstall.
    const modals = slack.openModals(TEAMS.bravo.author).length;
    expect((await slack.slashCommand({ command: '/post', text: '', userId: TEAMS.bravo.author, channelId: TEAMS.bravo.channel })).status).toBe(200);
    const told = await slack.waitFor(() => slack.ephemerals(TEAMS.bravo.author).find((e) => e.text.includes('not installed')), {
      what: 'the not-installed answer',
    });
    expect(told.text).toBe(`Greenlight is not installed in this workspace (any more). A workspace admin can install it from ${publicUrl}/slack/install.`);
    expect(slack.openModals(TEAMS.bravo.author)).toHaveLength(modals);
    // Alpha carries on.
    await slack.slashCommand({ command: '/post', text: 'still here', userId: TEAMS.alpha.author, channelId: TEAMS.alpha.channel });
    await slack.waitFor(() => slack.openModals(TEAMS.alpha.author).find((v) => JSON.stringify(v.blocks).includes('still here')), {
      what: "alpha's compose form",
    });
  });

  it('takes a reinstall: a new token, the same workspace and its settings', async () => {
    const before = (await workspaceOf(app, TEAMS.bravo))!;
    const revoked = slack.tokensOf(TEAMS.bravo.id);
    const page = await install(TEAMS.bravo);
    expect(page.status).toBe(200);
    const token = slack.botTokenOf(TEAMS.bravo.id)!;
    expect(revoked).not.toContain(token);
    expect((await findSlackInstallation(app.db, app.cipher, `team:${TEAMS.bravo.id}`))?.bot?.token).toBe(token);
    expect(await workspaceOf(app, TEAMS.bravo)).toMatchObject({ id: before.id, approvals_channel_id: TEAMS.bravo.approvals });
    await slack.slashCommand({ command: '/post', text: 'back again', userId: TEAMS.bravo.author, channelId: TEAMS.bravo.channel });
    await slack.waitFor(() => slack.openModals(TEAMS.bravo.author).find((v) => JSON.stringify(v.blocks).includes('back again')), {
      what: "bravo's compose form after the reinstall",
    });
  });

  it('logs no secret, even at debug level: client secret, state secret, OAuth codes, tokens', () => {
    expect(logged).toContain('Slack app installed');
    expect(logged).toContain('oauth.v2.access'); // the installer's debug lines were there to leak
    const secrets = [
      slack.oauth.clientSecret,
      STATE_SECRET,
      slack.signingSecret,
      ...codes,
      ...slack.tokensOf(TEAMS.alpha.id),
      ...slack.tokensOf(TEAMS.bravo.id),
      ...slack.tokensOf('T0CHARLIE'),
    ];
    expect(codes).toHaveLength(4);
    for (const secret of secrets) expect(logged.includes(secret), `a secret starting ${secret.slice(0, 6)} is in the log`).toBe(false);
  });
});
