import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Credentials } from '../../src/networks/adapter.ts';
import { createFacebookAdapter, FACEBOOK_DEFAULT_VERSION } from '../../src/networks/facebook.ts';
import { graphRetryAt } from '../../src/networks/meta-graph.ts';
import { startFacebookEmulator, type FacebookEmulator } from '../../emulators/facebook.ts';
import { failure, mentions, publishRequest } from '../helpers/network-harness.ts';

let emu: FacebookEmulator;
beforeEach(async () => {
  emu = await startFacebookEmulator();
});
afterEach(async () => {
  await emu.stop();
});

function setup(opts: { timeoutMs?: number; now?: () => Date } = {}) {
  const t = emu.issueToken();
  const creds: Credentials = { accessToken: t.accessToken, accountId: t.pageId };
  const adapter = createFacebookAdapter({ baseUrl: emu.url, timeoutMs: opts.timeoutMs ?? 5000, now: opts.now });
  return { adapter, creds };
}

const lastRequest = (path: string) => emu.requests.filter((r) => r.path.endsWith(path)).at(-1)!;

describe('Facebook Pages adapter against the emulator', () => {
  it('publishes a text post to the page feed with the page token in the header', async () => {
    const { adapter, creds } = setup();
    const { req, reported } = publishRequest(['Hello from Greenlight']);
    const result = await adapter.publish(req, creds);
    expect(emu.posts).toHaveLength(1);
    const post = emu.posts[0]!;
    expect(post).toMatchObject({ pageId: creds.accountId, message: 'Hello from Greenlight', link: undefined, version: FACEBOOK_DEFAULT_VERSION });
    expect(post.id).toMatch(new RegExp(`^${creds.accountId}_\\d+$`));
    expect(result).toMatchObject({ externalId: post.id, url: `https://www.facebook.com/${post.id}` });
    expect(reported).toEqual(result.parts);
    const sent = lastRequest('/feed');
    expect(sent.path).toBe(`/${FACEBOOK_DEFAULT_VERSION}/${creds.accountId}/feed`);
    expect(JSON.stringify(sent)).not.toContain(creds.accessToken);
    expect(adapter.refresh).toBeUndefined();
  });

  it('passes the first link of the text as link', async () => {
    const { adapter, creds } = setup();
    await adapter.publish(publishRequest(['New post: https://example.com/a?b=1, read it']).req, creds);
    expect(emu.posts[0]!.link).toBe('https://example.com/a?b=1');
  });

  it('"no link preview" leaves the link field out (Facebook then draws no card)', async () => {
    const { adapter, creds } = setup();
    await adapter.publish(publishRequest(['No card: https://example.com/a'], { linkCard: null }).req, creds);
    expect(emu.posts[0]).toMatchObject({ message: 'No card: https://example.com/a', link: undefined });
  });

  it('one image is a photo post (url fetched by Facebook, text as caption)', async () => {
    const { adapter, creds } = setup();
    const result = await adapter.publish(publishRequest(['look'], { media: [{ url: emu.imageUrl, alt: 'A green dot' }] }).req, creds);
    expect(emu.photos).toEqual([expect.objectContaining({ url: emu.imageUrl, caption: 'look', published: true, altText: 'A green dot' })]);
    expect(result.externalId).toBe(emu.photos[0]!.postId);
    expect(emu.posts[0]).toMatchObject({ id: result.externalId, message: 'look', photoIds: [emu.photos[0]!.id] });
  });

  it('several images are uploaded unpublished and attached to one feed post', async () => {
    const { adapter, creds } = setup();
    await adapter.publish(publishRequest(['two'], { media: [{ url: emu.imageUrl }, { url: emu.imageUrl }] }).req, creds);
    expect(emu.photos.map((p) => p.published)).toEqual([false, false]);
    expect(emu.posts).toHaveLength(1);
    expect(emu.posts[0]).toMatchObject({ message: 'two', photoIds: emu.photos.map((p) => p.id) });
    expect(lastRequest('/feed').body).toMatchObject({ 'attached_media[0]': JSON.stringify({ media_fbid: emu.photos[0]!.id }) });
  });

  it('an image Facebook cannot fetch is permanent and nothing is posted', async () => {
    const { adapter, creds } = setup();
    const error = await failure(adapter.publish(publishRequest(['look'], { media: [{ url: `${emu.url}/media/missing.png` }] }).req, creds));
    expect(error).toMatchObject({ errorClass: 'permanent', networkCode: '324' });
    expect(emu.posts).toHaveLength(0);
  });

  it('refuses threads', async () => {
    const { adapter, creds } = setup();
    expect((await failure(adapter.publish(publishRequest(['one', 'two']).req, creds))).errorClass).toBe('permanent');
  });

  it('5xx (code 2, is_transient) is transient', async () => {
    const { adapter, creds } = setup();
    emu.failNext({ kind: '5xx' });
    expect(await failure(adapter.publish(publishRequest(['hi']).req, creds))).toMatchObject({ errorClass: 'transient', status: 500, networkCode: '2' });
    expect(emu.posts).toHaveLength(0);
  });

  it('page throttling (code 32) is rate_limited until estimated_time_to_regain_access', async () => {
    const now = new Date('2026-11-23T10:00:00Z');
    const { adapter, creds } = setup({ now: () => now });
    emu.failNext({ kind: '429', resetInSeconds: 600 });
    const error = await failure(adapter.publish(publishRequest(['hi']).req, creds));
    expect(error).toMatchObject({ errorClass: 'rate_limited', networkCode: '32' });
    expect(error.retryAt).toEqual(new Date('2026-11-23T10:10:00Z'));
  });

  for (const [code, limit] of [
    [4, 'Application'],
    [17, 'User'],
  ] as const) {
    it(`the ${limit.toLowerCase()} request limit (code ${code}) is rate_limited, waiting the default since X-App-Usage gives no time`, async () => {
      const now = new Date('2026-11-23T10:00:00Z');
      const { adapter, creds } = setup({ now: () => now });
      emu.failNext({ kind: '429', platformLimit: code });
      const error = await failure(adapter.publish(publishRequest(['hi']).req, creds));
      expect(error).toMatchObject({
        errorClass: 'rate_limited',
        status: 400,
        networkCode: String(code),
        networkMessage: `(#${code}) ${limit} request limit reached`,
      });
      expect(error.retryAt).toEqual(new Date('2026-11-23T11:00:00Z'));
      expect(emu.posts).toHaveLength(0);
    });
  }

  it('throttling without usage headers waits the default hour', () => {
    const now = new Date('2026-11-23T10:00:00Z');
    expect(graphRetryAt({ status: 400, headers: {}, body: Buffer.alloc(0) }, now, 3_600_000)).toEqual(new Date('2026-11-23T11:00:00Z'));
    const appUsage = { 'x-app-usage': JSON.stringify({ call_count: 100, estimated_time_to_regain_access: 5 }) };
    expect(graphRetryAt({ status: 400, headers: appUsage, body: Buffer.alloc(0) }, now, 3_600_000)).toEqual(new Date('2026-11-23T10:05:00Z'));
  });

  it('a timeout after the post was created is unknown_outcome, and recentPosts finds it', async () => {
    const { adapter, creds } = setup({ timeoutMs: 300 });
    const since = new Date(Date.now() - 1000);
    emu.failNext({ kind: 'timeout_after' });
    const error = await failure(adapter.publish(publishRequest(['did it go out?']).req, creds));
    expect(error.errorClass).toBe('unknown_outcome');
    expect(emu.posts).toHaveLength(1);
    const recent = await adapter.recentPosts(creds, since, new AbortController().signal);
    expect(recent).toEqual([expect.objectContaining({ externalId: emu.posts[0]!.id, text: 'did it go out?' })]);
    expect(recent![0]!.url).toMatch(/^https:\/\/www\.facebook\.com\/\d+\/posts\/\d+$/);
    expect(lastRequest('/posts').query).toMatchObject({ fields: 'id,message,created_time,permalink_url' });
  });

  it('a timeout before anything was created leaves nothing for recentPosts to find', async () => {
    const { adapter, creds } = setup({ timeoutMs: 300 });
    const since = new Date(Date.now() - 1000);
    emu.failNext({ kind: 'timeout_before' });
    expect((await failure(adapter.publish(publishRequest(['maybe']).req, creds))).errorClass).toBe('unknown_outcome');
    expect(await adapter.recentPosts(creds, since, new AbortController().signal)).toEqual([]);
  });

  it('a revoked token (code 190) is auth, and the token appears nowhere in the error', async () => {
    const { adapter, creds } = setup();
    emu.failNext({ kind: 'revoked' });
    const scripted = await failure(adapter.publish(publishRequest(['hi']).req, creds));
    expect(scripted).toMatchObject({ errorClass: 'auth', networkCode: '190/460' });
    emu.revokeToken(creds.accessToken);
    const revoked = await failure(adapter.recentPosts(creds, new Date(), new AbortController().signal));
    expect(revoked.errorClass).toBe('auth');
    const bogus = await failure(adapter.publish(publishRequest(['hi']).req, { ...creds, accessToken: 'EAAGnot-a-real-token' }));
    expect(bogus).toMatchObject({ errorClass: 'auth', networkCode: '190' });
    expect(mentions(scripted, creds.accessToken) || mentions(revoked, creds.accessToken) || mentions(bogus, 'EAAGnot-a-real-token')).toBe(false);
    expect(scripted.requestId).toBeTruthy();
  });

  it('rejected (368) and duplicate (506) are permanent with Facebook words', async () => {
    const { adapter, creds } = setup();
    emu.failNext({ kind: 'rejected' });
    expect(await failure(adapter.publish(publishRequest(['hi']).req, creds))).toMatchObject({ errorClass: 'permanent', networkCode: '368/1390008' });
    await adapter.publish(publishRequest(['same words']).req, creds);
    const duplicate = await failure(adapter.publish(publishRequest(['same words']).req, creds));
    expect(duplicate).toMatchObject({ errorClass: 'permanent', networkCode: '506' });
    expect(duplicate.networkMessage).toContain('Duplicate status message');
    expect(emu.posts).toHaveLength(1);
  });

  it('a token for another page is auth (permissions, code 200)', async () => {
    const { adapter, creds } = setup();
    const other = emu.issueToken();
    const error = await failure(adapter.publish(publishRequest(['hi']).req, { ...creds, accessToken: other.accessToken }));
    expect(error).toMatchObject({ errorClass: 'auth', networkCode: '200' });
  });
});

describe('Facebook first comments (issue 16)', () => {
  it('comments as the Page under its post; the link opens the post at the comment', async () => {
    const { adapter, creds } = setup();
    const post = await adapter.publish(publishRequest(['Page post']).req, creds);
    const comment = await adapter.comment!(
      { deliveryId: 'd-1', post: { externalId: post.externalId, url: post.url }, text: 'First!', signal: new AbortController().signal },
      creds,
    );
    expect(emu.comments).toEqual([{ id: comment.externalId, postId: post.externalId, pageId: creds.accountId, message: 'First!' }]);
    expect(comment.url).toBe(`${post.url}?comment_id=${comment.externalId.split('_').pop()}`);
  });
});
