import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAccount } from '../../src/db/accounts.ts';
import { insertDeliveries } from '../../src/db/deliveries.ts';
import { insertPost } from '../../src/db/posts.ts';
import type { SocialAccount } from '../../src/db/schema.ts';
import { findOrCreateWorkspace } from '../../src/db/workspaces.ts';
import { startFacebookEmulator, type FacebookEmulator } from '../../emulators/facebook.ts';
import { startLinkedInEmulator, type LinkedInEmulator } from '../../emulators/linkedin.ts';
import { startMastodonEmulator, type MastodonEmulator } from '../../emulators/mastodon.ts';
import { startThreadsEmulator, type ThreadsEmulator } from '../../emulators/threads.ts';
import { startXEmulator, type XEmulator } from '../../emulators/x.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { startPds, type TestAccount, type TestPds } from '../helpers/pds.ts';
import { jwtExpiry } from '../../src/networks/bluesky.ts';
import { operatorName, runCli, testKeys, type CliRun } from './run-cli.ts';

const keys = testKeys();
let testDb: TestDatabase;
let x: XEmulator;
let mastodon: MastodonEmulator;
let linkedin: LinkedInEmulator;
let facebook: FacebookEmulator;
let threads: ThreadsEmulator;
let pds: TestPds;
let bskyDesk: TestAccount;
let env: Record<string, string>;
const secrets: string[] = [];
const accounts: Record<'x' | 'mastodon' | 'linkedin' | 'facebook' | 'threads' | 'bluesky', SocialAccount> = {} as never;

beforeAll(async () => {
  testDb = await createTestDatabase();
  [x, mastodon, linkedin, facebook, threads, pds] = await Promise.all([
    startXEmulator(),
    startMastodonEmulator(),
    startLinkedInEmulator(),
    startFacebookEmulator(),
    startThreadsEmulator(),
    startPds(),
  ]);
  bskyDesk = await pds.createAccount('desk');
  env = {
    DATABASE_URL: testDb.url,
    X_API_URL: x.url,
    LINKEDIN_API_URL: linkedin.url,
    FACEBOOK_API_URL: facebook.url,
    THREADS_API_URL: threads.url,
    ...keys.env,
  };
  const workspace = await findOrCreateWorkspace(testDb.db, 'slack', 'T0CLIACCOUNTS');
  const xUser = x.issueToken('2001');
  const mUser = mastodon.createAccount('desk');
  const liPage = linkedin.issueToken('urn:li:organization:4242');
  const fbPage = facebook.issueToken('104200');
  const thUser = threads.issueToken('7100', 'desk');
  secrets.push(xUser.accessToken, xUser.refreshToken, mUser.accessToken, liPage.accessToken, liPage.refreshToken, fbPage.accessToken, thUser.accessToken);
  const base = { workspaceId: workspace.id, connectedBy: 'U0ADMIN' };
  accounts.x = await connectAccount(testDb.db, keys.cipher, {
    ...base,
    network: 'x',
    externalAccountId: xUser.userId,
    displayName: '@desk',
    credentials: { accessToken: xUser.accessToken, refreshToken: xUser.refreshToken },
  });
  accounts.mastodon = await connectAccount(testDb.db, keys.cipher, {
    ...base,
    network: 'mastodon',
    externalAccountId: mUser.accountId,
    displayName: '@desk@mastodon.test',
    instanceUrl: mastodon.url,
    credentials: { accessToken: mUser.accessToken },
  });
  accounts.linkedin = await connectAccount(testDb.db, keys.cipher, {
    ...base,
    network: 'linkedin',
    externalAccountId: liPage.author,
    displayName: 'Desk Inc.',
    credentials: { accessToken: liPage.accessToken, expiresAt: new Date(Date.now() + 86_400_000) },
  });
  accounts.facebook = await connectAccount(testDb.db, keys.cipher, {
    ...base,
    network: 'facebook',
    externalAccountId: fbPage.pageId,
    displayName: 'Desk Page',
    credentials: { accessToken: fbPage.accessToken },
  });
  accounts.threads = await connectAccount(testDb.db, keys.cipher, {
    ...base,
    network: 'threads',
    externalAccountId: thUser.userId,
    displayName: '@desk',
    credentials: { accessToken: thUser.accessToken },
  });
  // The account's PDS is stored with it (instance_url), as when it is connected: the CLI needs no BLUESKY_SERVICE_URL.
  accounts.bluesky = await connectAccount(testDb.db, keys.cipher, {
    ...base,
    network: 'bluesky',
    externalAccountId: bskyDesk.did,
    displayName: '@desk.test',
    instanceUrl: pds.url,
    credentials: { accessToken: bskyDesk.accessJwt, refreshToken: bskyDesk.refreshJwt, expiresAt: jwtExpiry(bskyDesk.accessJwt) },
  });
});

afterAll(async () => {
  await Promise.all([x?.stop(), mastodon?.stop(), linkedin?.stop(), facebook?.stop(), threads?.stop(), pds?.stop()]);
  await testDb?.drop();
});

function expectNoSecret(run: CliRun): void {
  for (const secret of [...secrets, ...pds.issued]) expect(run.stdout + run.stderr).not.toContain(secret);
}

describe('greenlight accounts', () => {
  it('list prints one row per account, never a token, and filters by status and workspace', async () => {
    const all = await runCli(['accounts', 'list'], env);
    expect(all).toMatchObject({ code: 0, stderr: '' });
    expect(all.stdout.split('\n')[0]).toMatch(/^ID\s+WORKSPACE\s+NETWORK\s+NAME\s+STATUS\s+TOKEN EXPIRES\s+LAST ERROR$/);
    for (const a of Object.values(accounts)) expect(all.stdout).toContain(a.id);
    expect(all.stdout).toContain('slack:T0CLIACCOUNTS');
    expectNoSecret(all);

    const json = await runCli(['accounts', 'list', '--workspace', 'T0CLIACCOUNTS', '--json'], env);
    const rows = JSON.parse(json.stdout) as { id: string; network: string; status: string }[];
    expect(rows.map((r) => r.network).sort()).toEqual(['bluesky', 'facebook', 'linkedin', 'mastodon', 'threads', 'x']);
    expect(json.stdout).not.toContain('credentials');
    expectNoSecret(json);

    const none = await runCli(['accounts', 'list', '--status', 'needs_reconnect'], env);
    expect(none).toMatchObject({ code: 0, stdout: 'no accounts\n' });
    expect((await runCli(['accounts', 'list', '--status', 'sleepy'], env)).code).toBe(2);
    expect((await runCli(['accounts', 'list', '--workspace', 'T0NOWHERE'], env)).code).toBe(1);
  });

  it('check tries each token at its network: ✓ for working ones', async () => {
    const run = await runCli(['accounts', 'check'], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`✓ X @desk ${accounts.x.id}: token works (X says @user2001)`);
    expect(run.stdout).toContain(`✓ Mastodon @desk@mastodon.test ${accounts.mastodon.id}: token works (Mastodon says @desk)`);
    expect(run.stdout).toContain(`✓ LinkedIn Desk Inc. ${accounts.linkedin.id}: token works (LinkedIn says urn:li:organization:4242)`);
    expect(run.stdout).toContain(`✓ Facebook Desk Page ${accounts.facebook.id}: token works (Facebook says Page 104200)`);
    expect(run.stdout).toContain(`✓ Threads @desk ${accounts.threads.id}: token works (Threads says @desk)`);
    expect(run.stdout).toContain(`✓ Bluesky @desk.test ${accounts.bluesky.id}: token works (Bluesky says @desk.test)`);
    expect(linkedin.requests.some((r) => r.method === 'GET' && r.path === '/rest/posts' && r.query.count === '1')).toBe(true);
    expect(x.requests.some((r) => r.method === 'GET' && r.path === '/2/users/me')).toBe(true);
    expectNoSecret(run);
  });

  it('a revoked token is ✗ in the network’s own words, with exit 1; one account can be checked alone', async () => {
    mastodon.revokeToken(secrets[2]!);
    const one = await runCli(['accounts', 'check', accounts.mastodon.id], env);
    expect(one.code).toBe(1);
    expect(one.stdout).toBe(
      `✗ Mastodon @desk@mastodon.test ${accounts.mastodon.id}: Mastodon refused the token: The access token was revoked — reconnect it: /greenlight connect mastodon\n`,
    );

    x.revokeToken(secrets[0]!);
    facebook.revokeToken(secrets[5]!);
    // Deactivating a Bluesky account needs the login password, not the app password Greenlight holds.
    const login = await pds.xrpc('POST', 'com.atproto.server.createSession', { body: { identifier: bskyDesk.handle, password: bskyDesk.password } });
    expect((await pds.xrpc('POST', 'com.atproto.server.deactivateAccount', { token: String(login.json.accessJwt), body: {} })).status).toBe(200);
    const json = await runCli(['accounts', 'check', '--json'], env);
    expect(json.code).toBe(1);
    const checks = JSON.parse(json.stdout) as { accountId: string; status: string; detail: string }[];
    expect(checks.find((c) => c.accountId === accounts.x.id)).toMatchObject({ status: 'fail', detail: 'X refused the token: Unauthorized' });
    expect(checks.find((c) => c.accountId === accounts.facebook.id)).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(/^Facebook refused the token: /),
    });
    expect(checks.find((c) => c.accountId === accounts.bluesky.id)).toMatchObject({
      status: 'fail',
      detail: 'Bluesky refused the token: the account is deactivated',
    });
    expectNoSecret(json);
    expectNoSecret(one);
    expect((await runCli(['accounts', 'check', 'not-an-id'], env)).code).toBe(2);
  });

  it('disconnect refuses without a terminal or --yes; with --yes it holds the account’s queued deliveries', async () => {
    const workspaceId = accounts.mastodon.workspace_id;
    const post = await insertPost(testDb.db, {
      workspaceId,
      authorId: 'U0AUTHOR',
      state: 'scheduled',
      text: 'queued for later',
      note: null,
      originChannelId: 'C0',
      publishAt: new Date(Date.now() + 3_600_000),
      zone: 'UTC',
      contentHash: 'h',
      accountIds: [accounts.mastodon.id],
      variants: {},
      media: [],
    });
    const [delivery] = await insertDeliveries(testDb.db, post.id, [{ accountId: accounts.mastodon.id, network: 'mastodon' }], post.publish_at);

    const refused = await runCli(['accounts', 'disconnect', accounts.mastodon.id], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('pass --yes');
    expect((await testDb.db.selectFrom('social_accounts').select('status').where('id', '=', accounts.mastodon.id).executeTakeFirstOrThrow()).status).toBe(
      'connected',
    );

    const done = await runCli(['accounts', 'disconnect', accounts.mastodon.id, '--yes'], env);
    expect(done).toMatchObject({
      code: 0,
      stdout: 'accounts: Mastodon account @desk@mastodon.test is disconnected; 1 queued delivery waits until it is connected again.\n',
    });
    expect((await testDb.db.selectFrom('social_accounts').select('status').where('id', '=', accounts.mastodon.id).executeTakeFirstOrThrow()).status).toBe(
      'disconnected',
    );
    expect((await testDb.db.selectFrom('deliveries').select('state').where('id', '=', delivery!.id).executeTakeFirstOrThrow()).state).toBe('held');
    const event = await testDb.db.selectFrom('events').selectAll().where('post_id', '=', post.id).executeTakeFirstOrThrow();
    expect(event).toMatchObject({ kind: 'account_disconnected', actor: operatorName(), delivery_id: delivery!.id });

    const again = await runCli(['accounts', 'disconnect', accounts.mastodon.id, '--yes'], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('is already disconnected');
    const listed = await runCli(['accounts', 'list', '--status', 'disconnected', '--json'], env);
    expect((JSON.parse(listed.stdout) as { id: string }[]).map((a) => a.id)).toEqual([accounts.mastodon.id]);
  });
});
