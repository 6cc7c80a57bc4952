import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import { request } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Credentials } from '../../src/networks/adapter.ts';
import { failure, mentions, publishRequest } from '../helpers/network-harness.ts';
import { createXAdapter } from '../../src/networks/x.ts';
import { startXEmulator, type XEmulator } from '../../emulators/x.ts';

let emu: XEmulator;
beforeEach(async () => {
  emu = await startXEmulator({ clientId: 'client-1', clientSecret: 'secret-1' });
});
afterEach(async () => {
  await emu.stop();
});

function setup(timeoutMs = 5000, now?: () => Date) {
  const t = emu.issueToken();
  const creds: Credentials = { accessToken: t.accessToken, refreshToken: t.refreshToken, accountId: t.userId };
  const adapter = createXAdapter({ baseUrl: emu.url, timeoutMs, clientId: 'client-1', clientSecret: 'secret-1', now });
  return { adapter, creds };
}

describe('X adapter against the emulator', () => {
  it('publishes a text post', async () => {
    const { adapter, creds } = setup();
    const { req, reported } = publishRequest(['Hello from Greenlight']);
    const result = await adapter.publish(req, creds);
    expect(emu.posts).toHaveLength(1);
    const post = emu.posts[0]!;
    expect(post).toMatchObject({ text: 'Hello from Greenlight', authorId: creds.accountId, replyTo: undefined });
    expect(result.externalId).toBe(post.id);
    expect(result.url).toBe(`https://x.com/i/web/status/${post.id}`);
    expect(reported).toEqual([{ position: 0, externalId: post.id, url: result.url }]);
  });

  it('publishes a thread of three as a reply chain', async () => {
    const { adapter, creds } = setup();
    const { req, reported } = publishRequest(['one', 'two', 'three']);
    const result = await adapter.publish(req, creds);
    const [a, b, c] = emu.posts;
    expect(emu.posts.map((p) => p.text)).toEqual(['one', 'two', 'three']);
    expect([a!.replyTo, b!.replyTo, c!.replyTo]).toEqual([undefined, a!.id, b!.id]);
    expect(result.parts.map((p) => p.externalId)).toEqual([a!.id, b!.id, c!.id]);
    expect(reported.map((p) => p.position)).toEqual([0, 1, 2]);
  });

  it('resumes a thread after a failure on part 2 without duplicating part 1', async () => {
    const { adapter, creds } = setup();
    const first = publishRequest(['one', 'two', 'three'], {
      onPartPublished: async (part) => {
        first.reported.push(part);
        if (part.position === 0) emu.failNext({ kind: '5xx' });
      },
    });
    const error = await failure(adapter.publish(first.req, creds));
    expect(error.errorClass).toBe('transient');
    expect(first.reported).toHaveLength(1);
    expect(emu.posts).toHaveLength(1);

    const again = publishRequest(['one', 'two', 'three'], { publishedParts: first.reported });
    const result = await adapter.publish(again.req, creds);
    expect(emu.posts.map((p) => p.text)).toEqual(['one', 'two', 'three']);
    expect(emu.posts[1]!.replyTo).toBe(emu.posts[0]!.id);
    expect(emu.posts[2]!.replyTo).toBe(emu.posts[1]!.id);
    expect(again.reported.map((p) => p.position)).toEqual([1, 2]);
    expect(result.externalId).toBe(emu.posts[0]!.id);
    expect(result.parts.map((p) => p.position)).toEqual([0, 1, 2]);
  });

  it('downloads an image, uploads it with alt text and attaches it to the first part only', async () => {
    const { adapter, creds } = setup();
    const { req } = publishRequest(['look', 'more'], { media: [{ url: emu.imageUrl, alt: 'A green dot' }] });
    await adapter.publish(req, creds);
    expect(emu.media).toHaveLength(1);
    expect(emu.media[0]).toMatchObject({ authorId: creds.accountId, contentType: 'image/png', category: 'tweet_image', altText: 'A green dot' });
    expect(emu.posts[0]!.mediaIds).toEqual([emu.media[0]!.id]);
    expect(emu.posts[1]!.mediaIds).toEqual([]);
  });

  it('a missing image is a permanent error and nothing is posted', async () => {
    const { adapter, creds } = setup();
    const { req } = publishRequest(['look'], { media: [{ url: `${emu.url}/media/missing.png` }] });
    const error = await failure(adapter.publish(req, creds));
    expect(error.errorClass).toBe('permanent');
    expect(emu.posts).toHaveLength(0);
  });

  it('5xx is transient', async () => {
    const { adapter, creds } = setup();
    emu.failNext({ kind: '5xx' });
    const error = await failure(adapter.publish(publishRequest(['hi']).req, creds));
    expect(error).toMatchObject({ errorClass: 'transient', status: 503, network: 'x' });
    expect(emu.posts).toHaveLength(0);
  });

  it('429 is rate_limited with retryAt from x-rate-limit-reset', async () => {
    const { adapter, creds } = setup();
    emu.failNext({ kind: '429', resetInSeconds: 120 });
    const before = Math.floor(Date.now() / 1000);
    const error = await failure(adapter.publish(publishRequest(['hi']).req, creds));
    const after = Math.floor(Date.now() / 1000);
    expect(error.errorClass).toBe('rate_limited');
    const reset = error.retryAt!.getTime() / 1000;
    expect(reset).toBeGreaterThanOrEqual(before + 120);
    expect(reset).toBeLessThanOrEqual(after + 120);
  });

  it('the emulator enforces its own post limit with a 429 and reset header', async () => {
    const limited = await startXEmulator({ postLimit: 1 });
    try {
      const t = limited.issueToken();
      const adapter = createXAdapter({ baseUrl: limited.url });
      const creds = { accessToken: t.accessToken, accountId: t.userId };
      await adapter.publish(publishRequest(['first']).req, creds);
      const error = await failure(adapter.publish(publishRequest(['second']).req, creds));
      expect(error.errorClass).toBe('rate_limited');
      expect(error.retryAt!.getTime()).toBeGreaterThan(Date.now());
      expect(limited.posts).toHaveLength(1);
    } finally {
      await limited.stop();
    }
  });

  it('a timeout after the post was created is unknown_outcome, and recentPosts finds the post', async () => {
    const { adapter, creds } = setup(300);
    const since = new Date();
    emu.failNext({ kind: 'timeout_after' });
    const error = await failure(adapter.publish(publishRequest(['did it go out?']).req, creds));
    expect(error.errorClass).toBe('unknown_outcome');
    expect(emu.posts).toHaveLength(1);
    const recent = await adapter.recentPosts(creds, since, new AbortController().signal);
    expect(recent).toEqual([expect.objectContaining({ externalId: emu.posts[0]!.id, text: 'did it go out?' })]);
    expect(emu.requests.at(-1)!.query).toMatchObject({ 'tweet.fields': 'created_at', max_results: '100' });
  });

  it('a timeout before anything was created is also unknown_outcome to the client; recentPosts finds nothing', async () => {
    const { adapter, creds } = setup(300);
    const since = new Date();
    emu.failNext({ kind: 'timeout_before' });
    const error = await failure(adapter.publish(publishRequest(['maybe']).req, creds));
    expect(error.errorClass).toBe('unknown_outcome');
    expect(await adapter.recentPosts(creds, since, new AbortController().signal)).toEqual([]);
  });

  it('a refused connection (nothing sent) is transient', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const adapter = createXAdapter({ baseUrl: `http://127.0.0.1:${port}` });
    const error = await failure(adapter.publish(publishRequest(['hi']).req, { accessToken: 'tok-abcdef', accountId: '1' }));
    expect(error.errorClass).toBe('transient');
  });

  it('a revoked token is auth, and the token appears nowhere in the error', async () => {
    const { adapter, creds } = setup();
    emu.revokeToken(creds.accessToken);
    const error = await failure(adapter.publish(publishRequest(['hi']).req, creds));
    expect(error).toMatchObject({ errorClass: 'auth', status: 401, networkMessage: 'Unauthorized' });
    expect(mentions(error, creds.accessToken)).toBe(false);
  });

  it('a scripted revoked answer is auth', async () => {
    const { adapter, creds } = setup();
    emu.failNext({ kind: 'revoked' });
    expect((await failure(adapter.publish(publishRequest(['hi']).req, creds))).errorClass).toBe('auth');
  });

  it('duplicate content is permanent and keeps X words', async () => {
    const { adapter, creds } = setup();
    await adapter.publish(publishRequest(['same words']).req, creds);
    const error = await failure(adapter.publish(publishRequest(['same words'], { deliveryId: 'delivery-2' }).req, creds));
    expect(error).toMatchObject({ errorClass: 'permanent', status: 403, networkCode: 'duplicate' });
    expect(error.networkMessage).toBe('You are not allowed to create a Tweet with duplicate content.');
    expect(emu.posts).toHaveLength(1);
  });

  it('rejected content is permanent', async () => {
    const { adapter, creds } = setup();
    emu.failNext({ kind: 'rejected' });
    const error = await failure(adapter.publish(publishRequest(['hi']).req, creds));
    expect(error).toMatchObject({ errorClass: 'permanent', status: 403 });
  });

  it('recentPosts returns the text as posted, unescaped', async () => {
    const { adapter, creds } = setup();
    const since = new Date();
    await adapter.publish(publishRequest(['fish & chips <3']).req, creds);
    const recent = await adapter.recentPosts(creds, since, new AbortController().signal);
    expect(recent?.map((p) => p.text)).toEqual(['fish & chips <3']);
  });

  it('refreshes the token with the refresh grant; the old refresh token is then refused', async () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const { adapter, creds } = setup(5000, () => now);
    const fresh = await adapter.refresh!(creds, new AbortController().signal);
    expect(fresh.accessToken).not.toBe(creds.accessToken);
    expect(fresh.refreshToken).not.toBe(creds.refreshToken);
    expect(fresh.expiresAt).toEqual(new Date(now.getTime() + 7200 * 1000));
    expect(fresh.accountId).toBe(creds.accountId);
    const body = emu.requests.find((r) => r.path === '/2/oauth2/token')!.body;
    expect(body).toEqual({ grant_type: 'refresh_token', refresh_token: creds.refreshToken, client_id: 'client-1' });
    await adapter.publish(publishRequest(['with the new token']).req, fresh);
    expect(emu.posts).toHaveLength(1);
    const error = await failure(adapter.refresh!(creds, new AbortController().signal));
    expect(error.errorClass).toBe('auth');
    expect(mentions(error, creds.refreshToken!)).toBe(false);
  });

  it('refused client credentials on refresh are permanent (our configuration, not the account)', async () => {
    const t = emu.issueToken();
    const adapter = createXAdapter({ baseUrl: emu.url, clientId: 'client-1', clientSecret: 'wrong' });
    const error = await failure(
      adapter.refresh!({ accessToken: t.accessToken, refreshToken: t.refreshToken, accountId: t.userId }, new AbortController().signal),
    );
    expect(error).toMatchObject({ errorClass: 'permanent', status: 401 });
    expect(mentions(error, 'wrong')).toBe(false);
  });
});

describe('X emulator token endpoint', () => {
  it('exchanges a PKCE authorization code once, for tokens that work', async () => {
    const verifier = 'v'.repeat(50);
    const code = emu.issueCode('42', { codeChallenge: createHash('sha256').update(verifier).digest('base64url'), redirectUri: 'http://localhost/cb' });
    const exchange = () =>
      request(`${emu.url}/2/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from('client-1:secret-1').toString('base64')}` },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code,
          redirect_uri: 'http://localhost/cb',
          code_verifier: verifier,
          client_id: 'client-1',
        }).toString(),
      });
    const res = await exchange();
    expect(res.statusCode).toBe(200);
    const tokens = (await res.body.json()) as { access_token: string; token_type: string; expires_in: number };
    expect(tokens).toMatchObject({ token_type: 'bearer', expires_in: 7200 });
    expect((await exchange()).statusCode).toBe(400);
    const me = await request(`${emu.url}/2/users/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(await me.body.json()).toMatchObject({ data: { id: '42' } });
  });
});
