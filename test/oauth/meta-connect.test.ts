import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decryptCredentials } from '../../src/db/accounts.ts';
import type { Network } from '../../src/domain/networks.ts';
import { createInstagramAdapter } from '../../src/networks/instagram.ts';
import { ADMIN, draft } from '../helpers/greenlight.ts';
import { approve, waitForDelivery } from '../helpers/engine.ts';
import { startFacebookEmulator, type FacebookEmulator } from '../../emulators/facebook.ts';
import { startInstagramEmulator, type InstagramEmulator } from '../../emulators/instagram.ts';
import { startThreadsEmulator, type ThreadsEmulator } from '../../emulators/threads.ts';
import { browse, chatLink, oauthStack } from './oauth-stack.ts';

/**
 * Connecting Meta's networks with a real HTTP client following every redirect: chat link → /connect/<network>
 * → Meta's dialog (emulated) → /oauth/callback/<network> → the closing page, then a post through the stored
 * long-lived token. Facebook and Instagram go through Facebook Login (a Page token from /me/accounts),
 * Threads through its own sign-in and th_exchange_token.
 */
let stack: Awaited<ReturnType<typeof oauthStack>>;
let facebook: FacebookEmulator;
let instagram: InstagramEmulator;
let threads: ThreadsEmulator;

beforeAll(async () => {
  [facebook, instagram, threads] = await Promise.all([
    startFacebookEmulator({ clientId: 'fb-app', clientSecret: 'fb-app-secret-0123' }),
    startInstagramEmulator(),
    startThreadsEmulator({ clientId: 'th-app', clientSecret: 'th-app-secret-0123' }),
  ]);
  stack = await oauthStack({
    env: () => ({
      FACEBOOK_CLIENT_ID: 'fb-app',
      FACEBOOK_CLIENT_SECRET: 'fb-app-secret-0123',
      FACEBOOK_AUTH_URL: `${facebook.url}/v24.0/dialog/oauth`,
      FACEBOOK_API_URL: facebook.url,
      THREADS_CLIENT_ID: 'th-app',
      THREADS_CLIENT_SECRET: 'th-app-secret-0123',
      THREADS_AUTH_URL: `${threads.url}/oauth/authorize`,
      THREADS_API_URL: threads.url,
    }),
    adapters: { instagram: createInstagramAdapter({ baseUrl: instagram.url, timeoutMs: 2_000 }) },
  });
});
afterAll(async () => {
  await stack?.stop();
  await Promise.all([facebook?.stop(), instagram?.stop(), threads?.stop()]);
});

/** Runs the whole flow for `network`; returns the hops' paths, the closing page and the stored account. */
async function connect(network: Network) {
  const page = await browse(await chatLink(stack, ADMIN, network));
  const account = await stack.testDb.db
    .selectFrom('social_accounts')
    .selectAll()
    .where('network', '=', network)
    .where('workspace_id', '=', stack.workspaceId)
    .orderBy('created_at', 'desc')
    .executeTakeFirst();
  return { page, paths: page.hops.map((h) => new URL(h.url).pathname), authorize: page.hops[0] ? new URL(page.hops[0].location) : undefined, account };
}

async function publish(text: string, accountId: string, network: Network, media?: string[]) {
  expect((await draft(stack, { text, accounts: [accountId], ...(media ? { media } : {}) })).body).toBeUndefined();
  const post = await stack.testDb.db.selectFrom('posts').select('id').where('text', '=', text).executeTakeFirstOrThrow();
  await approve(stack, post.id);
  await waitForDelivery(stack, post.id, network, 'published');
}

describe('connecting Facebook Pages', () => {
  it('exchanges the code, then for a long-lived user token, and stores the Page token of the first Page that can post', async () => {
    const user = facebook.login.addUser('Ana Ruiz', [
      { name: 'Read-only Page', tasks: ['ANALYZE'] },
      { name: 'Greenlight News', tasks: ['ANALYZE', 'ADVERTISE', 'CREATE_CONTENT', 'MODERATE', 'MANAGE'] },
    ]);
    facebook.login.consent = { userId: user.userId };
    const { page, paths, authorize, account } = await connect('facebook');
    expect(paths).toEqual(['/connect/facebook', '/v24.0/dialog/oauth']);
    expect(Object.fromEntries(authorize!.searchParams)).toMatchObject({
      client_id: 'fb-app',
      redirect_uri: `${stack.publicUrl}/oauth/callback/facebook`,
      response_type: 'code',
      scope: 'pages_show_list,pages_manage_posts,pages_read_engagement',
    });
    expect(page.status).toBe(200);
    expect(page.body).toContain('Connected Facebook as Greenlight News');

    const tokenCalls = facebook.requests.filter((r) => r.path.endsWith('/oauth/access_token'));
    // The code exchange (with the exact redirect URI), then the swap for a long-lived user token.
    expect(tokenCalls.map((r) => r.query.grant_type)).toEqual(['authorization_code', 'fb_exchange_token']);
    expect(tokenCalls[0]!.query).toMatchObject({ client_id: 'fb-app', redirect_uri: `${stack.publicUrl}/oauth/callback/facebook` });
    expect(facebook.requests.filter((r) => r.path.endsWith('/me/accounts'))).toHaveLength(1);
    const pageOf = user.pages[1]!;
    expect(account).toMatchObject({
      external_account_id: pageOf.id,
      display_name: 'Greenlight News',
      status: 'connected',
      connected_by: ADMIN,
      token_expires_at: null,
    });
    expect(decryptCredentials(stack.app.cipher, account!).accessToken).toBe(pageOf.accessToken);

    await publish('Page post after a real sign-in.', account!.id, 'facebook');
    expect(facebook.posts.map((p) => [p.pageId, p.message])).toEqual([[pageOf.id, 'Page post after a real sign-in.']]);
  });

  it('shows a denied consent plainly and connects nothing', async () => {
    const before = await stack.testDb.db.selectFrom('social_accounts').select('id').where('network', '=', 'facebook').execute();
    facebook.login.consent = { error: 'access_denied' };
    const { page } = await connect('facebook');
    expect(page.status).toBe(400);
    expect(page.body).toContain('access_denied');
    expect(await stack.testDb.db.selectFrom('social_accounts').select('id').where('network', '=', 'facebook').execute()).toEqual(before);
  });
});

describe('connecting Instagram', () => {
  it('connects the Instagram professional account linked to a Page, with that Page token, and publishes an image', async () => {
    const user = facebook.login.addUser('Ana Ruiz', [
      { name: 'No Instagram', tasks: ['CREATE_CONTENT'] },
      { name: 'Greenlight Studio', tasks: ['CREATE_CONTENT'], instagram: { id: '17841400000000001', username: 'greenlight.studio' } },
    ]);
    facebook.login.consent = { userId: user.userId };
    const { page, paths, authorize, account } = await connect('instagram');
    expect(paths).toEqual(['/connect/instagram', '/v24.0/dialog/oauth']);
    expect(authorize!.searchParams.get('scope')).toBe('instagram_basic,instagram_content_publish,pages_show_list,pages_read_engagement');
    expect(page.status).toBe(200);
    expect(page.body).toContain('Connected Instagram as @greenlight.studio');
    expect(page.body).toContain('Connected through the Facebook Page Greenlight Studio');
    expect(account).toMatchObject({ external_account_id: '17841400000000001', display_name: '@greenlight.studio' });
    const token = decryptCredentials(stack.app.cipher, account!).accessToken;
    expect(token).toBe(user.pages[1]!.accessToken);

    instagram.trustToken(token, '17841400000000001', 'greenlight.studio');
    await publish('Studio picture after a real sign-in.', account!.id, 'instagram', [instagram.imageUrl]);
    expect(instagram.media.map((m) => m.caption)).toEqual(['Studio picture after a real sign-in.']);
  });

  it('says so when no Page has an Instagram account', async () => {
    facebook.login.consent = { userId: facebook.login.addUser('Omar', [{ name: 'Plain Page', tasks: ['CREATE_CONTENT'] }]).userId };
    const { page } = await connect('instagram');
    expect(page.status).toBe(502);
    expect(page.body).toContain('no Instagram professional account linked to a Facebook Page this login manages');
  });
});

describe('connecting Threads', () => {
  it('exchanges the code, swaps the short-lived token for a 60-day one, and publishes with it', async () => {
    threads.login.consent = { userId: '27000000001', username: 'greenlight.threads' };
    const { page, paths, authorize, account } = await connect('threads');
    expect(paths).toEqual(['/connect/threads', '/oauth/authorize']);
    expect(Object.fromEntries(authorize!.searchParams)).toMatchObject({
      client_id: 'th-app',
      redirect_uri: `${stack.publicUrl}/oauth/callback/threads`,
      scope: 'threads_basic,threads_content_publish',
    });
    expect(page.status).toBe(200);
    expect(page.body).toContain('Connected Threads as @greenlight.threads');

    const exchange = threads.requests.find((r) => r.path === '/oauth/access_token');
    expect(exchange?.method).toBe('POST');
    const longLived = threads.requests.find((r) => r.path === '/access_token');
    expect(longLived).toBeDefined();
    expect(account).toMatchObject({ external_account_id: '27000000001', display_name: '@greenlight.threads' });
    expect(account!.token_expires_at!.getTime()).toBeGreaterThan(Date.now() + 59 * 86_400_000);
    // The stored token is the long-lived one, the last the emulator issued, not the short-lived one.
    expect(decryptCredentials(stack.app.cipher, account!).accessToken).toBe(threads.issued.at(-1));

    await publish('Thread after a real sign-in.', account!.id, 'threads');
    expect(threads.posts.map((p) => [p.userId, p.text])).toEqual([['27000000001', 'Thread after a real sign-in.']]);
  });

  it("refuses a code sent back to another redirect URI, with the network's words", async () => {
    threads.login.consent = { userId: '27000000002' };
    const start = await fetch(await chatLink(stack, ADMIN, 'threads'), { redirect: 'manual' });
    const authorize = new URL(start.headers.get('location')!);
    const consent = await fetch(
      authorize
        .toString()
        .replace(encodeURIComponent(`${stack.publicUrl}/oauth/callback/threads`), encodeURIComponent(`${stack.publicUrl}/oauth/callback/threads?x=1`)),
      { redirect: 'manual' },
    );
    const back = new URL(consent.headers.get('location')!);
    const page = await browse(`${stack.publicUrl}/oauth/callback/threads?${back.searchParams}`);
    expect(page.status).toBe(502);
    expect(page.body).toContain('Threads did not complete the sign-in');
    expect(page.body).toContain('redirect_uri is identical');
  });
});
