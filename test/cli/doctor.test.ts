import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAccount } from '../../src/db/accounts.ts';
import { findOrCreateWorkspace } from '../../src/db/workspaces.ts';
import { DiscordEmulator } from '../../emulators/discord.ts';
import { startMastodonEmulator, type MastodonEmulator } from '../../emulators/mastodon.ts';
import { SlackEmulator } from '../../emulators/slack.ts';
import { startXEmulator, type XEmulator } from '../../emulators/x.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { olderNode, runCli, testKeys, type CliRun } from './run-cli.ts';
import { fakeSlackToken } from '../helpers/log-buffer.ts';

const keys = testKeys();
let testDb: TestDatabase;
let slack: SlackEmulator;
let discord: DiscordEmulator;
let x: XEmulator;
let mastodon: MastodonEmulator;
let env: Record<string, string>;
let secrets: string[];

beforeAll(async () => {
  testDb = await createTestDatabase();
  [slack, discord, x, mastodon] = await Promise.all([SlackEmulator.start(), DiscordEmulator.start(), startXEmulator(), startMastodonEmulator()]);
  env = {
    DATABASE_URL: testDb.url,
    ...keys.env,
    SLACK_BOT_TOKEN: slack.botToken,
    SLACK_SIGNING_SECRET: slack.signingSecret,
    SLACK_API_URL: slack.apiUrl,
    DISCORD_BOT_TOKEN: discord.botToken,
    DISCORD_APPLICATION_ID: discord.applicationId,
    DISCORD_API_URL: discord.apiBase,
    DISCORD_MODE: 'gateway',
    X_API_URL: x.url,
  };
  const workspace = await findOrCreateWorkspace(testDb.db, 'slack', slack.teamId);
  const xUser = x.issueToken('3001');
  const mUser = mastodon.createAccount('doc');
  secrets = [
    slack.botToken,
    slack.signingSecret,
    discord.botToken,
    xUser.accessToken,
    xUser.refreshToken,
    mUser.accessToken,
    keys.env.ENCRYPTION_KEYS.split(':')[1]!,
  ];
  await connectAccount(testDb.db, keys.cipher, {
    workspaceId: workspace.id,
    network: 'x',
    externalAccountId: xUser.userId,
    displayName: '@doc',
    connectedBy: 'U0',
    credentials: { accessToken: xUser.accessToken, refreshToken: xUser.refreshToken },
  });
  await connectAccount(testDb.db, keys.cipher, {
    workspaceId: workspace.id,
    network: 'mastodon',
    externalAccountId: mUser.accountId,
    displayName: '@doc@mastodon.test',
    instanceUrl: mastodon.url,
    connectedBy: 'U0',
    credentials: { accessToken: mUser.accessToken },
  });
});

afterAll(async () => {
  await Promise.all([slack?.stop(), discord?.stop(), x?.stop(), mastodon?.stop()]);
  await testDb?.drop();
});

function expectNoSecret(run: CliRun): void {
  for (const secret of secrets) expect(run.stdout + run.stderr).not.toContain(secret);
}

const lines = (run: CliRun) => run.stdout.trimEnd().split('\n');

describe('greenlight doctor', () => {
  it('with a good configuration every check passes, one line each, and the exit code is 0', async () => {
    const run = await runCli(['doctor'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const out = lines(run);
    for (const name of ['config', 'database', 'migrations', 'queue', 'workers', 'clock', 'slack', 'discord']) {
      expect(
        out.find((l) => l.startsWith(`✓ ${name}: `)),
        name,
      ).toBeDefined();
    }
    expect(out.filter((l) => /^✓ account (X @doc|Mastodon @doc@mastodon\.test) .*: token works/.test(l))).toHaveLength(2);
    expect(out).toContain('- public url: http://localhost:3000 (checked in production only; NODE_ENV=test)');
    expect(out.every((l) => /^[✓✗!-] /.test(l))).toBe(true);
    expectNoSecret(run);
  });

  it('--json gives the same checks for scripts; --offline calls no one outside', async () => {
    const requestsBefore = x.requests.length;
    const run = await runCli(['doctor', '--offline', '--json'], env);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as { ok: boolean; checks: { name: string; status: string }[] };
    expect(report.ok).toBe(true);
    expect(report.checks.find((c) => c.name === 'accounts')).toMatchObject({ status: 'skip' });
    expect(report.checks.find((c) => c.name === 'slack, discord')).toMatchObject({ status: 'skip' });
    expect(x.requests.length).toBe(requestsBefore);
  });

  it('a revoked chat token or account token fails its line with the service’s words', async () => {
    const run = await runCli(['doctor'], { ...env, SLACK_BOT_TOKEN: fakeSlackToken('bot', '0000-0000-revoked'), DISCORD_BOT_TOKEN: 'not.a.token' });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^✗ slack: Slack refused the bot token: invalid_auth — /m);
    expect(run.stdout).toMatch(/^✗ discord: Discord refused the bot token: 401: Unauthorized — /m);
    expectNoSecret(run);
  });

  it('a database it cannot reach is ✗ database (no password shown), the checks that need it are skipped, exit 1', async () => {
    const run = await runCli(['doctor'], { ...env, DATABASE_URL: 'postgres://greenlight:hunter2-secret@127.0.0.1:1/greenlight' });
    expect(run.code).toBe(1);
    const out = lines(run);
    expect(out[0]).toMatch(/^✓ config: /);
    expect(out[1]).toMatch(/^✗ database: cannot use PostgreSQL at 127\.0\.0\.1:1\/greenlight: .*ECONNREFUSED.* — check DATABASE_URL/);
    expect(out[2]).toBe('- migrations, queue, clock, accounts: need the database');
    expect(run.stdout).not.toContain('hunter2');
  });

  it('a configuration that does not parse is ✗ config with the variable named, exit 1', async () => {
    const run = await runCli(['doctor'], { ...env, PORT: 'eighty', NODE_ENV: 'production' });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('✗ config: PORT: ');
    expect(run.stdout).toContain('- everything else: not checked until the configuration parses');
  });

  it('production wants an https PUBLIC_URL that is not this machine', async () => {
    const prod = { ...env, NODE_ENV: 'production', STATE_SECRET: 's'.repeat(40) };
    const local = await runCli(['doctor', '--offline'], { ...prod, PUBLIC_URL: 'http://localhost:3000' });
    expect(local.code).toBe(1);
    expect(local.stdout).toMatch(/^✗ public url: http:\/\/localhost:3000 is not https — /m);
    const good = await runCli(['doctor', '--offline'], { ...prod, PUBLIC_URL: 'https://greenlight.example.com' });
    expect(good.stdout).toContain(
      '✓ public url: https://greenlight.example.com; OAuth redirect URIs are https://greenlight.example.com/oauth/callback/<network>',
    );
    expect(good.code).toBe(0);
  });
});

describe('greenlight usage', () => {
  it('help prints the usage and exits 0; no command, unknown commands or options print it and exit 2', async () => {
    const help = await runCli(['help'], {});
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('usage: greenlight <command>');
    const none = await runCli([], {});
    expect(none.code).toBe(2);
    const unknown = await runCli(['frobnicate'], {});
    expect(unknown).toMatchObject({ code: 2 });
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
    expect((await runCli(['doctor', '--verbose'], env)).code).toBe(2);
    expect((await runCli(['accounts', 'delete'], env)).code).toBe(2);
    expect((await runCli(['posts'], env)).code).toBe(2);
    expect((await runCli(['keys', 'spin'], env)).code).toBe(2);
  });

  it('without DATABASE_URL or an embedded database it says where the CLI works, exit 2', async () => {
    const run = await runCli(['posts', 'list'], {});
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("DATABASE_URL is not set. The CLI works on the server's database");
  });

  it('bin/greenlight.mjs runs the CLI in-process under Node 24', async () => {
    const run = await runCli(['keys', 'generate', 'k2030'], {}, { bin: true });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^k2030:[A-Za-z0-9+/]{43}=\n$/);
  });

  it.runIf(olderNode())('under an older Node, bin/greenlight.mjs re-runs the CLI with node_modules/.bin/node and passes its exit code on', async () => {
    const run = await runCli(['posts', 'show', 'nope'], env, { bin: true, node: olderNode()! });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('"nope" is not a post id');
    expect((await runCli(['keys', 'generate', 'k2031'], {}, { bin: true, node: olderNode()! })).stdout).toMatch(/^k2031:/);
  });
});
