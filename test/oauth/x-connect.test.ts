import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decryptCredentials } from '../../src/db/accounts.ts';
import { signLink } from '../../src/workflow/accounts/connect-link.ts';
import { createState } from '../../src/crypto/signed-state.ts';
import { ADMIN, draft, type Stack } from '../helpers/greenlight.ts';
import { approve, waitForDelivery, waitForReply } from '../helpers/engine.ts';
import { browse, chatLink, oauthStack, X_CLIENT } from './oauth-stack.ts';

let stack: Awaited<ReturnType<typeof oauthStack>>;

beforeAll(async () => {
  stack = await oauthStack();
});
afterAll(async () => {
  await stack?.stop();
});

/** Follows a chat link to the X authorize redirect and stops there: returns X's authorize URL. */
async function startAtX(link: string): Promise<URL> {
  const first = await fetch(link, { redirect: 'manual' });
  expect(first.status).toBe(302);
  return new URL(first.headers.get('location')!);
}

const stateRows = (s: Stack) => s.testDb.db.selectFrom('oauth_states').selectAll().execute();

describe('connecting X', () => {
  it('runs the whole OAuth flow with a real HTTP client, stores the tokens encrypted, and publishes with them', async () => {
    const link = await chatLink(stack, ADMIN, 'x');
    expect(link).toMatch(new RegExp(`^${stack.publicUrl}/connect/x\\?workspace=${stack.workspaceId}&t=[\\w-]+\\.[\\w-]+$`));
    expect(link).not.toContain(ADMIN); // who it is for is inside the signed token, not a parameter anyone can change

    stack.x.consent = { userId: '2002' };
    const page = await browse(link);
    // chat link → /connect/x → X's consent screen → /oauth/callback/x → the closing page
    expect(page.hops.map((h) => new URL(h.url).pathname)).toEqual(['/connect/x', '/i/oauth2/authorize']);
    const authorize = new URL(page.hops[0]!.location);
    expect(authorize.origin).toBe(stack.x.url);
    expect(Object.fromEntries(authorize.searchParams)).toMatchObject({
      response_type: 'code',
      client_id: X_CLIENT.id,
      redirect_uri: `${stack.publicUrl}/oauth/callback/x`,
      scope: 'tweet.read tweet.write users.read media.write offline.access',
      code_challenge_method: 'S256',
    });
    expect(authorize.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(page.url.startsWith(`${stack.publicUrl}/oauth/callback/x?`)).toBe(true);
    expect(page.status).toBe(200);
    expect(page.body).toContain('Connected X as @user2002');
    expect(page.body).toContain('Connected. You can return to Slack.');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');

    // The code exchange used PKCE and the client's basic auth.
    const exchange = stack.x.requests.find((r) => r.path === '/2/oauth2/token' && (r.body as Record<string, string>).grant_type === 'authorization_code');
    expect(exchange?.body).toMatchObject({
      redirect_uri: `${stack.publicUrl}/oauth/callback/x`,
      client_id: X_CLIENT.id,
      code_verifier: expect.stringMatching(/^[\w-]{43}$/),
    });

    const account = await stack.testDb.db.selectFrom('social_accounts').selectAll().where('external_account_id', '=', '2002').executeTakeFirstOrThrow();
    expect(account).toMatchObject({ workspace_id: stack.workspaceId, network: 'x', display_name: '@user2002', status: 'connected', connected_by: ADMIN });
    const credentials = decryptCredentials(stack.app.cipher, account);
    expect(stack.x.issued).toContain(credentials.accessToken);
    expect(stack.x.issued).toContain(credentials.refreshToken);
    expect(account.credentials).toMatch(/^v1\.[a-z0-9_-]+\./);
    for (const secret of [credentials.accessToken, credentials.refreshToken!]) {
      expect(account.credentials).not.toContain(secret);
      expect(JSON.stringify(account)).not.toContain(secret);
    }
    expect(account.token_expires_at!.getTime()).toBeGreaterThan(Date.now() + 7_000_000);
    const [state] = (await stateRows(stack)).filter((r) => r.network === 'x');
    expect(state!.used_at).not.toBeNull();
    expect(state!.code_verifier).toMatch(/^v1\./);
    expect(state!.code_verifier).not.toContain(exchange!.body && (exchange!.body as Record<string, string>).code_verifier);

    await draft(stack, { text: 'Hello from the freshly connected account.', accounts: [account.id] });
    const post = await stack.testDb.db
      .selectFrom('posts')
      .select('id')
      .where('text', '=', 'Hello from the freshly connected account.')
      .executeTakeFirstOrThrow();
    await approve(stack, post.id);
    await waitForDelivery(stack, post.id, 'x', 'published');
    expect(stack.x.posts.filter((p) => p.text === 'Hello from the freshly connected account.').map((p) => p.authorId)).toEqual(['2002']);
    await waitForReply(stack, post.id, 'the receipt', (t) => t.startsWith('Published to X'));
  });

  it('refuses a forged state, an expired state and a reused state, each with a page that says so', async () => {
    stack.x.consent = { userId: '2003' };
    const done = await browse(await chatLink(stack, ADMIN, 'x'));
    expect(done.status).toBe(200);
    const callback = new URL(done.url);

    // Reused: the same callback again (a replayed redirect).
    const reused = await browse(callback.toString());
    expect(reused.status).toBe(409);
    expect(reused.body).toContain('This sign-in was already used');

    // Forged: a state signed with another secret, and one whose body was changed.
    const forged = new URL(callback);
    forged.searchParams.set(
      'state',
      createState({ workspaceId: stack.workspaceId, userId: ADMIN, network: 'x', nonce: 'n1' }, 'someone-else-s-secret-0123456789abcdef', new Date()),
    );
    const tampered = new URL(callback);
    tampered.searchParams.set('state', `e30${callback.searchParams.get('state')!.slice(3)}`);
    for (const url of [forged, tampered]) {
      const refused = await browse(url.toString());
      expect(refused.status).toBe(400);
      expect(refused.body).toContain('This sign-in is not valid');
    }

    // Expired: the row's expires_at backdated while the person is at X's consent screen.
    const authorize = await startAtX(await chatLink(stack, ADMIN, 'x'));
    await sql`UPDATE oauth_states SET expires_at = now() - interval '1 second' WHERE used_at IS NULL`.execute(stack.testDb.db);
    const expired = await browse(authorize.toString());
    expect(expired.hops).toHaveLength(1);
    expect(expired.status).toBe(410);
    expect(expired.body).toContain('This sign-in has expired');
    // None of the refused callbacks exchanged a code.
    const exchanges = stack.x.requests.filter((r) => r.path === '/2/oauth2/token' && (r.body as Record<string, string>).grant_type === 'authorization_code');
    expect(exchanges).toHaveLength(2);
  });

  it('refuses a connect link that is forged, expired, used as a state, or changed', async () => {
    const link = new URL(await chatLink(stack, ADMIN, 'x'));
    const secret = 'not-greenlight-s-secret-0123456789abcdef';
    const cases: [string, number, string][] = [
      [
        `${stack.publicUrl}/connect/x?t=${signLink(secret, { workspaceId: stack.workspaceId, userId: ADMIN, network: 'x' }, new Date(), 600)}`,
        400,
        'This link is not valid',
      ],
      [`${stack.publicUrl}/connect/x`, 400, 'This link is incomplete'],
      [`${stack.publicUrl}/connect/linkedin?${link.searchParams}`, 400, 'This link is not valid'],
      [`${stack.publicUrl}/connect/x?workspace=00000000-0000-0000-0000-000000000000&t=${link.searchParams.get('t')}`, 400, 'This link is not valid'],
    ];
    // An OAuth state (even a genuine one) is not a connect link.
    const authorize = await startAtX(link.toString());
    cases.push([`${stack.publicUrl}/connect/x?t=${authorize.searchParams.get('state')}`, 400, 'This link is not valid']);
    for (const [url, status, text] of cases) {
      const page = await browse(url);
      expect([url, page.status]).toEqual([url, status]);
      expect(page.body).toContain(text);
      expect(page.hops).toHaveLength(0);
    }
  });

  it('shows the network’s error plainly when the person denies access, and connects nothing', async () => {
    const before = await stack.testDb.db.selectFrom('social_accounts').select('id').execute();
    stack.x.consent = { error: 'access_denied', errorDescription: 'The user <b>denied</b> the request.' };
    const page = await browse(await chatLink(stack, ADMIN, 'x'));
    stack.x.consent = {};
    expect(page.status).toBe(400);
    expect(page.body).toContain('X was not connected');
    expect(page.body).toContain('<strong>access_denied</strong>: The user &lt;b&gt;denied&lt;/b&gt; the request.');
    expect(await stack.testDb.db.selectFrom('social_accounts').select('id').execute()).toHaveLength(before.length);
  });

  it('answers a network without an app with the variables to set', async () => {
    const page = await browse(await chatLink(stack, ADMIN, 'linkedin'));
    expect(page.status).toBe(503);
    expect(page.body).toContain('LinkedIn is not set up on this Greenlight');
    expect(page.body).toContain('<code>LINKEDIN_CLIENT_ID</code> and <code>LINKEDIN_CLIENT_SECRET</code>');
    expect(page.body).toContain(`${stack.publicUrl}/oauth/callback/linkedin`);
  });
});
