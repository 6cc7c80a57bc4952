import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decryptCredentials } from '../../src/db/accounts.ts';
import { ADMIN, draft } from '../helpers/greenlight.ts';
import { approve, waitForDelivery } from '../helpers/engine.ts';
import { startPds, type TestPds } from '../helpers/pds.ts';
import { startLinkedInEmulator } from '../../emulators/linkedin.ts';
import { browse, chatLink, formToken, oauthStack, submitForm } from './oauth-stack.ts';

let stack: Awaited<ReturnType<typeof oauthStack>>;
let pds: TestPds;

beforeAll(async () => {
  [stack, pds] = await Promise.all([oauthStack(), startPds()]);
});
afterAll(async () => {
  await Promise.all([stack?.stop(), pds?.stop()]);
});

describe('the Mastodon form', () => {
  it('asks for the server, registers Greenlight there once, runs the OAuth flow with PKCE, and the account publishes', async () => {
    const form = await browse(await chatLink(stack, ADMIN, 'mastodon'));
    expect(form.status).toBe(200);
    expect(form.body).toContain('<form method="post" action="/connect/mastodon">');
    const t = formToken(form.body);

    stack.mastodon.consent = { accountId: stack.mastodon.createAccount('newsdesk').accountId };
    const page = await submitForm(`${stack.publicUrl}/connect/mastodon`, { t, instance: stack.mastodon.url });
    expect(page.hops.map((h) => new URL(h.url).pathname)).toEqual(['/connect/mastodon', '/oauth/authorize']);
    const authorize = new URL(page.hops[0]!.location);
    expect(authorize.origin).toBe(stack.mastodon.url);
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${stack.publicUrl}/oauth/callback/mastodon`);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    const host = new URL(stack.mastodon.url).host;
    expect(page.status).toBe(200);
    expect(page.body).toContain(`Connected Mastodon as @newsdesk@${host}`);

    expect(stack.mastodon.registeredApps()).toEqual([
      { clientId: authorize.searchParams.get('client_id'), redirectUri: `${stack.publicUrl}/oauth/callback/mastodon` },
    ]);
    const client = await stack.testDb.db.selectFrom('oauth_clients').selectAll().executeTakeFirstOrThrow();
    expect(client).toMatchObject({ network: 'mastodon', instance_url: stack.mastodon.url, client_id: authorize.searchParams.get('client_id') });
    expect(client.client_secret).toMatch(/^v1\./);
    for (const secret of stack.mastodon.issued) expect(client.client_secret).not.toContain(secret);

    const account = await stack.testDb.db.selectFrom('social_accounts').selectAll().where('display_name', '=', `@newsdesk@${host}`).executeTakeFirstOrThrow();
    expect(account.instance_url).toBe(stack.mastodon.url);
    expect(stack.mastodon.issued).toContain(decryptCredentials(stack.app.cipher, account).accessToken);

    // A second connect on the same server reuses the registered app.
    stack.mastodon.consent = {};
    const again = await submitForm(`${stack.publicUrl}/connect/mastodon`, { t, instance: stack.mastodon.url });
    expect(again.status).toBe(200);
    expect(stack.mastodon.registeredApps()).toHaveLength(1);

    await draft(stack, { text: 'Toot from the newsdesk.', accounts: [account.id] });
    const post = await stack.testDb.db.selectFrom('posts').select('id').where('text', '=', 'Toot from the newsdesk.').executeTakeFirstOrThrow();
    await approve(stack, post.id);
    await waitForDelivery(stack, post.id, 'mastodon', 'published');
    expect(stack.mastodon.posts.filter((p) => p.text === 'Toot from the newsdesk.').map((p) => p.accountId)).toEqual([account.external_account_id]);
  });

  it('shows the form again for a server address it cannot use, and refuses a form without a valid token', async () => {
    const t = formToken((await browse(await chatLink(stack, ADMIN, 'mastodon'))).body);
    for (const instance of ['javascript:alert(1)', 'ftp://mastodon.example', 'https://user:pw@mastodon.example', `${stack.mastodon.url}/some/path`, '']) {
      const page = await submitForm(`${stack.publicUrl}/connect/mastodon`, { t, instance });
      expect(page.status).toBe(400);
      expect(page.hops).toHaveLength(0);
      expect(page.body).toContain('Enter the address of your Mastodon server');
    }
    const forged = await submitForm(`${stack.publicUrl}/connect/mastodon`, { t: `${t.slice(0, -2)}AA`, instance: stack.mastodon.url });
    expect(forged.status).toBe(400);
    expect(forged.body).toContain('This link is not valid');
  });
});

describe('the Bluesky form', () => {
  it('connects with a handle and an app password against a real PDS, storing the session, never the password', async () => {
    const ana = await pds.createAccount('ana');
    const form = await browse(await chatLink(stack, ADMIN, 'bluesky'));
    expect(form.status).toBe(200);
    expect(form.body).toContain('type="password"');
    const t = formToken(form.body);

    const wrong = await submitForm(`${stack.publicUrl}/connect/bluesky`, { t, identifier: ana.handle, password: 'aaaa-bbbb-cccc-dddd', service: pds.url });
    expect(wrong.status).toBe(400);
    expect(wrong.body).toContain('Bluesky did not accept the sign-in: Check the handle and the app password.');
    expect(wrong.body).not.toContain('aaaa-bbbb-cccc-dddd');

    const page = await submitForm(`${stack.publicUrl}/connect/bluesky`, { t, identifier: `@${ana.handle}`, password: ana.appPassword, service: pds.url });
    expect(page.status).toBe(200);
    expect(page.body).toContain(`Connected Bluesky as @${ana.handle}`);
    const account = await stack.testDb.db.selectFrom('social_accounts').selectAll().where('network', '=', 'bluesky').executeTakeFirstOrThrow();
    expect(account).toMatchObject({ external_account_id: ana.did, display_name: `@${ana.handle}`, instance_url: pds.url, connected_by: ADMIN });
    expect(account.credentials).not.toContain(ana.appPassword);
    const credentials = decryptCredentials(stack.app.cipher, account);
    expect(credentials.refreshToken).toBeTruthy();
    expect(JSON.stringify(credentials)).not.toContain(ana.appPassword);
  });
});

describe('LinkedIn', () => {
  it('exchanges the code (client secret in the form, no PKCE) and names the member from /v2/userinfo', async () => {
    const linkedin = await startLinkedInEmulator();
    const li = await oauthStack({
      env: () => ({
        LINKEDIN_CLIENT_ID: 'client-1',
        LINKEDIN_CLIENT_SECRET: 'secret-1',
        LINKEDIN_AUTH_URL: `${linkedin.url}/oauth/v2`,
        LINKEDIN_API_URL: linkedin.url,
      }),
    });
    try {
      const start = await fetch(await chatLink(li, ADMIN, 'linkedin'), { redirect: 'manual' });
      const authorize = new URL(start.headers.get('location')!);
      expect(`${authorize.origin}${authorize.pathname}`).toBe(`${linkedin.url}/oauth/v2/authorization`);
      expect(authorize.searchParams.get('scope')).toBe('openid profile w_member_social');
      expect(authorize.searchParams.has('code_challenge')).toBe(false);
      // LinkedIn's consent screen is not emulated: the code it would hand out, sent back as LinkedIn would.
      const redirectUri = authorize.searchParams.get('redirect_uri')!;
      const code = linkedin.issueCode('urn:li:person:ana42', { redirectUri });
      const page = await browse(`${redirectUri}?code=${code}&state=${encodeURIComponent(authorize.searchParams.get('state')!)}`);
      expect(page.status).toBe(200);
      expect(page.body).toContain('Connected LinkedIn as Test Member');
      const account = await li.testDb.db.selectFrom('social_accounts').selectAll().where('network', '=', 'linkedin').executeTakeFirstOrThrow();
      expect(account.external_account_id).toBe('urn:li:person:ana42');
      expect(decryptCredentials(li.app.cipher, account).refreshToken).toBeTruthy();
    } finally {
      await Promise.all([li.stop(), linkedin.stop()]);
    }
  });
});
