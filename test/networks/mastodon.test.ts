import { createHash } from 'node:crypto';
import { request } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Credentials } from '../../src/networks/adapter.ts';
import { failure, publishRequest } from '../helpers/network-harness.ts';
import { createMastodonAdapter, fetchInstanceLimit, htmlToText } from '../../src/networks/mastodon.ts';
import { startMastodonEmulator, type MastodonEmulator } from '../../emulators/mastodon.ts';

let emu: MastodonEmulator;
beforeEach(async () => {
  emu = await startMastodonEmulator();
});
afterEach(async () => {
  await emu.stop();
});

function setup(timeoutMs = 5000) {
  const account = emu.createAccount('greenlight');
  const creds: Credentials = { accessToken: account.accessToken, accountId: account.accountId, instanceUrl: emu.url };
  const adapter = createMastodonAdapter({ timeoutMs, mediaPollMs: 1 });
  return { adapter, creds };
}

const statusRequests = () => emu.requests.filter((r) => r.method === 'POST' && r.path === '/api/v1/statuses');

describe('Mastodon adapter against the emulator', () => {
  it('publishes a text post with an Idempotency-Key per part', async () => {
    const { adapter, creds } = setup();
    const { req, reported } = publishRequest(['Hello, fediverse']);
    const result = await adapter.publish(req, creds);
    expect(emu.posts).toHaveLength(1);
    const post = emu.posts[0]!;
    expect(post).toMatchObject({ text: 'Hello, fediverse', accountId: creds.accountId, idempotencyKey: 'delivery-1-0' });
    expect(result).toMatchObject({ externalId: post.id, url: `${emu.url}/@greenlight/${post.id}` });
    expect(reported).toEqual(result.parts);
    expect(adapter.refresh).toBeUndefined();
  });

  it('publishes a thread of three as a reply chain', async () => {
    const { adapter, creds } = setup();
    await adapter.publish(publishRequest(['one', 'two', 'three']).req, creds);
    const [a, b, c] = emu.posts;
    expect([a!.replyTo, b!.replyTo, c!.replyTo]).toEqual([undefined, a!.id, b!.id]);
    expect(emu.posts.map((p) => p.idempotencyKey)).toEqual(['delivery-1-0', 'delivery-1-1', 'delivery-1-2']);
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
    expect(error).toMatchObject({ errorClass: 'transient', status: 502, networkMessage: undefined });
    expect(emu.posts).toHaveLength(1);

    const again = publishRequest(['one', 'two', 'three'], { publishedParts: first.reported });
    const result = await adapter.publish(again.req, creds);
    expect(emu.posts.map((p) => p.text)).toEqual(['one', 'two', 'three']);
    expect(emu.posts[1]!.replyTo).toBe(emu.posts[0]!.id);
    expect(emu.posts[2]!.replyTo).toBe(emu.posts[1]!.id);
    expect(again.reported.map((p) => p.position)).toEqual([1, 2]);
    expect(result.parts.map((p) => p.externalId)).toEqual(emu.posts.map((p) => p.id));
  });

  it('uploads an image by URL, waits for processing (202, 206, 200) and attaches it', async () => {
    emu.mediaProcessingPolls = 2;
    const { adapter, creds } = setup();
    const { req } = publishRequest(['look', 'more'], { media: [{ url: emu.imageUrl, alt: 'A green dot' }] });
    await adapter.publish(req, creds);
    expect(emu.media).toHaveLength(1);
    expect(emu.media[0]).toMatchObject({ description: 'A green dot', contentType: 'image/png', pollsLeft: 0 });
    expect(emu.requests.filter((r) => r.path === `/api/v1/media/${emu.media[0]!.id}`)).toHaveLength(2);
    expect(emu.posts[0]!.mediaIds).toEqual([emu.media[0]!.id]);
    expect(emu.posts[1]!.mediaIds).toEqual([]);
  });

  it('5xx is transient', async () => {
    const { adapter, creds } = setup();
    emu.failNext({ kind: '5xx' });
    expect((await failure(adapter.publish(publishRequest(['hi']).req, creds))).errorClass).toBe('transient');
    expect(emu.posts).toHaveLength(0);
  });

  it('429 is rate_limited with retryAt from X-RateLimit-Reset', async () => {
    const { adapter, creds } = setup();
    emu.failNext({ kind: '429', resetInSeconds: 90 });
    const before = Date.now();
    const error = await failure(adapter.publish(publishRequest(['hi']).req, creds));
    const after = Date.now();
    expect(error.errorClass).toBe('rate_limited');
    expect(error.retryAt!.getTime()).toBeGreaterThanOrEqual(before + 90_000);
    expect(error.retryAt!.getTime()).toBeLessThanOrEqual(after + 90_000);
  });

  it('a timeout after the post was created is unknown_outcome, and recentPosts finds the post', async () => {
    const { adapter, creds } = setup(300);
    const since = new Date();
    emu.failNext({ kind: 'timeout_after' });
    const error = await failure(adapter.publish(publishRequest(['did it go out?']).req, creds));
    expect(error.errorClass).toBe('unknown_outcome');
    const recent = await adapter.recentPosts(creds, since, new AbortController().signal);
    expect(recent).toEqual([expect.objectContaining({ externalId: emu.posts[0]!.id, text: 'did it go out?' })]);
  });

  it('a retry with the same Idempotency-Key returns the same status: exactly one post', async () => {
    const { adapter, creds } = setup(300);
    emu.failNext({ kind: 'timeout_after' });
    const error = await failure(adapter.publish(publishRequest(['exactly once']).req, creds));
    expect(error.errorClass).toBe('unknown_outcome');
    const retry = await adapter.publish(publishRequest(['exactly once']).req, creds);
    expect(emu.posts).toHaveLength(1);
    expect(retry.externalId).toBe(emu.posts[0]!.id);
    expect(statusRequests().map((r) => r.headers['idempotency-key'])).toEqual(['delivery-1-0', 'delivery-1-0']);
  });

  it('a different delivery with the same text is a second post (the key, not the text, dedupes)', async () => {
    const { adapter, creds } = setup();
    await adapter.publish(publishRequest(['same']).req, creds);
    await adapter.publish(publishRequest(['same'], { deliveryId: 'delivery-2' }).req, creds);
    expect(emu.posts).toHaveLength(2);
  });

  it('a revoked token is auth with Mastodon words, and the token appears nowhere in the error', async () => {
    const { adapter, creds } = setup();
    emu.revokeToken(creds.accessToken);
    const error = await failure(adapter.publish(publishRequest(['hi']).req, creds));
    expect(error).toMatchObject({ errorClass: 'auth', status: 401, networkMessage: 'The access token was revoked' });
    expect(JSON.stringify([error.message, error.networkMessage, error.networkCode])).not.toContain(creds.accessToken);
    const unknown = await failure(adapter.recentPosts({ ...creds, accessToken: 'not-a-token' }, new Date(), new AbortController().signal));
    expect(unknown).toMatchObject({ errorClass: 'auth', networkMessage: 'The access token is invalid' });
  });

  it('rejected and over-long content are permanent (422)', async () => {
    const { adapter, creds } = setup();
    emu.failNext({ kind: 'rejected' });
    expect(await failure(adapter.publish(publishRequest(['hi']).req, creds))).toMatchObject({ errorClass: 'permanent', status: 422 });
    emu.maxCharacters = 10;
    const long = await failure(adapter.publish(publishRequest(['this is longer than ten']).req, creds));
    expect(long).toMatchObject({ errorClass: 'permanent', networkMessage: 'Validation failed: Text character limit of 10 exceeded' });
    expect(emu.posts).toHaveLength(0);
  });

  it('fetchInstanceLimit reads configuration.statuses.max_characters', async () => {
    emu.maxCharacters = 1000;
    expect(await fetchInstanceLimit(emu.url)).toBe(1000);
  });

  it('recentPosts turns the HTML content back into the posted text', async () => {
    const { adapter, creds } = setup();
    const since = new Date();
    const text = 'Line one\nline two\n\nFish & chips <3 "quoted" it\'s';
    await adapter.publish(publishRequest([text]).req, creds);
    const recent = await adapter.recentPosts(creds, since, new AbortController().signal);
    expect(recent?.map((p) => p.text)).toEqual([text]);
    expect(emu.requests.at(-1)!.path).toBe(`/api/v1/accounts/${creds.accountId}/statuses`);
  });

  it('htmlToText keeps link text from Mastodon link markup', () => {
    const html =
      '<p>See <a href="https://example.com/a/very/long/path"><span class="invisible">https://</span><span class="ellipsis">example.com/a/very</span><span class="invisible">/long/path</span></a></p>';
    expect(htmlToText(html)).toBe('See https://example.com/a/very/long/path');
  });

  it('an account without an instance URL is a permanent error', async () => {
    const adapter = createMastodonAdapter();
    const error = await failure(adapter.publish(publishRequest(['hi']).req, { accessToken: 'tok-123456', accountId: '1' }));
    expect(error.errorClass).toBe('permanent');
  });
});

describe('Mastodon emulator OAuth', () => {
  it('registers an app and exchanges a PKCE code for a token that works', async () => {
    const json = { 'content-type': 'application/json' };
    const app = await request(`${emu.url}/api/v1/apps`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ client_name: 'Greenlight', redirect_uris: 'http://localhost/cb', scopes: 'read write' }),
    });
    const { client_id, client_secret } = (await app.body.json()) as { client_id: string; client_secret: string };
    const account = emu.createAccount('oauth');
    const verifier = 'w'.repeat(48);
    const code = emu.issueCode(account.accountId, client_id, {
      codeChallenge: createHash('sha256').update(verifier).digest('base64url'),
      redirectUri: 'http://localhost/cb',
    });
    const exchange = (v: string) =>
      request(`${emu.url}/oauth/token`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ grant_type: 'authorization_code', code, client_id, client_secret, redirect_uri: 'http://localhost/cb', code_verifier: v }),
      });
    const res = await exchange(verifier);
    expect(res.statusCode).toBe(200);
    const { access_token } = (await res.body.json()) as { access_token: string };
    const me = await request(`${emu.url}/api/v1/accounts/verify_credentials`, { headers: { authorization: `Bearer ${access_token}` } });
    expect(await me.body.json()).toMatchObject({ id: account.accountId, username: 'oauth' });
    expect(me.headers['x-ratelimit-remaining']).toBeDefined();
    const reused = await exchange(verifier);
    expect(reused.statusCode).toBe(400);
    expect(await reused.body.json()).toMatchObject({ error: 'invalid_grant' });
  });
});
