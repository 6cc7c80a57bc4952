import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Credentials } from '../../src/networks/adapter.ts';
import { createLinkedInAdapter, LINKEDIN_DEFAULT_VERSION } from '../../src/networks/linkedin.ts';
import { fromLittleText, toLittleText } from '../../src/networks/linkedin-text.ts';
import { renderLittleText, startLinkedInEmulator, type LinkedInEmulator } from '../../emulators/linkedin.ts';
import { failure, mentions, publishRequest } from '../helpers/network-harness.ts';

let emu: LinkedInEmulator;
beforeEach(async () => {
  emu = await startLinkedInEmulator();
});
afterEach(async () => {
  await emu.stop();
});

function setup(opts: { timeoutMs?: number; now?: () => Date; author?: string } = {}) {
  const t = emu.issueToken(opts.author);
  const creds: Credentials = { accessToken: t.accessToken, refreshToken: t.refreshToken, accountId: t.author };
  const adapter = createLinkedInAdapter({
    baseUrl: emu.url,
    oauthUrl: `${emu.url}/oauth/v2`,
    timeoutMs: opts.timeoutMs ?? 5000,
    clientId: 'client-1',
    clientSecret: 'secret-1',
    now: opts.now,
  });
  return { adapter, creds };
}

const postRequests = () => emu.requests.filter((r) => r.method === 'POST' && r.path === '/rest/posts');

describe('LinkedIn adapter against the emulator', () => {
  it('publishes a text post with the versioned Rest.li headers', async () => {
    const { adapter, creds } = setup();
    const { req, reported } = publishRequest(['Hello from Greenlight']);
    const result = await adapter.publish(req, creds);
    expect(emu.posts).toHaveLength(1);
    const post = emu.posts[0]!;
    expect(post).toMatchObject({
      author: creds.accountId,
      text: 'Hello from Greenlight',
      visibility: 'PUBLIC',
      lifecycleState: 'PUBLISHED',
      version: LINKEDIN_DEFAULT_VERSION,
    });
    expect(post.id).toMatch(/^urn:li:share:\d+$/);
    expect(result).toMatchObject({ externalId: post.id, url: `https://www.linkedin.com/feed/update/${post.id}/` });
    expect(reported).toEqual(result.parts);
    const sent = postRequests()[0]!;
    expect(sent.headers).toMatchObject({ 'linkedin-version': LINKEDIN_DEFAULT_VERSION, 'x-restli-protocol-version': '2.0.0' });
    expect(sent.body).toMatchObject({ distribution: { feedDistribution: 'MAIN_FEED' }, isReshareDisabledByAuthor: false });
    expect(sent.body).not.toHaveProperty('content');
  });

  it('escapes little-format characters so LinkedIn shows the whole text, and keeps hashtags', async () => {
    const { adapter, creds } = setup();
    const text = 'Launch (finally) at 9 <3 #greenlight_2026 — ask @ana, C# *fans* ~ [beta] {x} a|b back\\slash_';
    await adapter.publish(publishRequest([text]).req, creds);
    expect(emu.posts[0]!.text).toBe(text);
    expect(emu.posts[0]!.commentary).toContain('{hashtag|\\#|greenlight_2026}');
    expect(renderLittleText('cut (here')).toBe('cut ');
    expect(fromLittleText(toLittleText(text))).toBe(text);
  });

  it('organization authors post as the organization', async () => {
    const { adapter, creds } = setup({ author: 'urn:li:organization:5515715' });
    await adapter.publish(publishRequest(['From the company page']).req, creds);
    expect(emu.posts[0]!.author).toBe('urn:li:organization:5515715');
  });

  it('a link without images becomes an article share', async () => {
    const { adapter, creds } = setup();
    await adapter.publish(publishRequest(['Read this: https://example.com/blog/post-1.']).req, creds);
    expect(emu.posts[0]!.article).toEqual({ source: 'https://example.com/blog/post-1', title: 'example.com/blog/post-1' });
  });

  it('a stored link card becomes the article with its title, description and thumbnail (Images API); "no link preview" sends no article', async () => {
    const { adapter, creds } = setup({ author: 'urn:li:organization:5515715' });
    const png = Buffer.from(await (await fetch(emu.imageUrl)).arrayBuffer());
    const linkCard = {
      url: 'https://example.com/blog/post-1',
      title: 'Launch week: what we shipped',
      description: 'Five features in five days.',
      image: { contentType: 'image/png', bytes: png.length, read: async () => png },
    };
    await adapter.publish(publishRequest(['Read this: https://example.com/blog/post-1'], { linkCard }).req, creds);
    expect(emu.images).toEqual([expect.objectContaining({ owner: 'urn:li:organization:5515715', status: 'AVAILABLE', size: png.length })]);
    expect(emu.posts[0]!.article).toEqual({
      source: 'https://example.com/blog/post-1',
      title: 'Launch week: what we shipped',
      description: 'Five features in five days.',
      thumbnail: emu.images[0]!.urn,
    });
    await adapter.publish(publishRequest(['No card: https://example.com/blog/post-2'], { linkCard: null }).req, creds);
    expect(emu.posts[1]!.article).toBeUndefined();
    expect(postRequests()[1]!.body).not.toHaveProperty('content');
  });

  it('uploads images (initializeUpload + PUT) and references their URNs', async () => {
    const { adapter, creds } = setup();
    await adapter.publish(publishRequest(['one picture'], { media: [{ url: emu.imageUrl, alt: 'A green dot' }] }).req, creds);
    expect(emu.images).toEqual([expect.objectContaining({ owner: creds.accountId, status: 'AVAILABLE', contentType: 'image/png' })]);
    expect(emu.posts[0]!.imageUrns).toEqual([emu.images[0]!.urn]);
    expect(emu.posts[0]!.id).toMatch(/^urn:li:ugcPost:/);
    expect(postRequests()[0]!.body).toMatchObject({ content: { media: { id: emu.images[0]!.urn, altText: 'A green dot' } } });

    await adapter.publish(publishRequest(['two pictures'], { media: [{ url: emu.imageUrl }, { url: emu.imageUrl }] }).req, creds);
    expect(emu.posts[1]!.imageUrns).toHaveLength(2);
    expect(postRequests()[1]!.body).toMatchObject({ content: { multiImage: { images: [{ id: emu.images[1]!.urn }, { id: emu.images[2]!.urn }] } } });
  });

  it('a missing image is permanent and nothing is posted', async () => {
    const { adapter, creds } = setup();
    const error = await failure(adapter.publish(publishRequest(['look'], { media: [{ url: `${emu.url}/media/missing.png` }] }).req, creds));
    expect(error.errorClass).toBe('permanent');
    expect(emu.posts).toHaveLength(0);
  });

  it('refuses threads', async () => {
    const { adapter, creds } = setup();
    expect((await failure(adapter.publish(publishRequest(['one', 'two']).req, creds))).errorClass).toBe('permanent');
    expect(emu.requests).toHaveLength(0);
  });

  it('5xx is transient', async () => {
    const { adapter, creds } = setup();
    emu.failNext({ kind: '5xx' });
    expect(await failure(adapter.publish(publishRequest(['hi']).req, creds))).toMatchObject({ errorClass: 'transient', status: 503, network: 'linkedin' });
    expect(emu.posts).toHaveLength(0);
  });

  it('429 is rate_limited until the next midnight UTC (LinkedIn sends no reset header)', async () => {
    const now = new Date('2026-11-23T15:30:00Z');
    const { adapter, creds } = setup({ now: () => now });
    emu.failNext({ kind: '429' });
    const error = await failure(adapter.publish(publishRequest(['hi']).req, creds));
    expect(error).toMatchObject({ errorClass: 'rate_limited', status: 429, networkCode: 'TOO_MANY_REQUESTS' });
    expect(error.retryAt).toEqual(new Date('2026-11-24T00:00:00Z'));
  });

  it('the emulator enforces its daily post quota', async () => {
    emu.dailyPostLimit = 1;
    const { adapter, creds } = setup();
    await adapter.publish(publishRequest(['first']).req, creds);
    expect((await failure(adapter.publish(publishRequest(['second']).req, creds))).errorClass).toBe('rate_limited');
    expect(emu.posts).toHaveLength(1);
  });

  it('a timeout after the post was created is unknown_outcome, and recentPosts finds it', async () => {
    const { adapter, creds } = setup({ timeoutMs: 300 });
    const since = new Date(Date.now() - 1000);
    emu.failNext({ kind: 'timeout_after' });
    const error = await failure(adapter.publish(publishRequest(['did it go out? (really) #q']).req, creds));
    expect(error.errorClass).toBe('unknown_outcome');
    expect(emu.posts).toHaveLength(1);
    const recent = await adapter.recentPosts(creds, since, new AbortController().signal);
    expect(recent).toEqual([expect.objectContaining({ externalId: emu.posts[0]!.id, text: 'did it go out? (really) #q' })]);
    const finder = emu.requests.at(-1)!;
    expect(finder.query).toMatchObject({ q: 'author', author: creds.accountId, count: '100', start: '0' });
    expect(finder.headers).toMatchObject({ 'x-restli-method': 'FINDER', 'linkedin-version': LINKEDIN_DEFAULT_VERSION });
  });

  it('recentPosts reads page after page until it passes `since`: a post 250 posts back is still found', async () => {
    const { adapter, creds } = setup({ timeoutMs: 300 });
    const since = new Date(Date.now() - 1000);
    emu.failNext({ kind: 'timeout_after' });
    await failure(adapter.publish(publishRequest(['the one we are looking for']).req, creds));
    // A busy page (an access tier above the 150 a day): 250 more posts by the same author before the lookup.
    emu.dailyPostLimit = 1000;
    for (let i = 0; i < 250; i++) await adapter.publish(publishRequest([`later post ${i}`]).req, creds);
    const before = emu.requests.length;
    const recent = await adapter.recentPosts(creds, since, new AbortController().signal);
    expect(recent).toHaveLength(251);
    expect(recent!.find((p) => p.text === 'the one we are looking for')?.externalId).toBe(emu.posts[0]!.id);
    const pages = emu.requests.slice(before).map((r) => r.query.start);
    expect(pages).toEqual(['0', '100', '200']);
  });

  it('a timeout before anything was created leaves nothing for recentPosts to find', async () => {
    const { adapter, creds } = setup({ timeoutMs: 300 });
    const since = new Date();
    emu.failNext({ kind: 'timeout_before' });
    expect((await failure(adapter.publish(publishRequest(['maybe']).req, creds))).errorClass).toBe('unknown_outcome');
    expect(await adapter.recentPosts(creds, since, new AbortController().signal)).toEqual([]);
  });

  it('revoked and expired tokens are auth, and the token appears nowhere in the error', async () => {
    const { adapter, creds } = setup();
    emu.failNext({ kind: 'revoked' });
    const scripted = await failure(adapter.publish(publishRequest(['hi']).req, creds));
    expect(scripted).toMatchObject({ errorClass: 'auth', status: 401, networkCode: 'REVOKED_ACCESS_TOKEN' });
    emu.expireToken(creds.accessToken);
    const expired = await failure(adapter.publish(publishRequest(['hi']).req, creds));
    expect(expired).toMatchObject({ errorClass: 'auth', networkCode: 'EXPIRED_ACCESS_TOKEN' });
    emu.revokeToken(creds.accessToken);
    const revoked = await failure(adapter.recentPosts(creds, new Date(), new AbortController().signal));
    expect(revoked).toMatchObject({ errorClass: 'auth', networkMessage: 'The token used in the request has been revoked by the user' });
    for (const e of [scripted, expired, revoked]) expect(mentions(e, creds.accessToken)).toBe(false);
  });

  it('rejected content and duplicates are permanent with LinkedIn words', async () => {
    const { adapter, creds } = setup();
    emu.failNext({ kind: 'rejected' });
    expect(await failure(adapter.publish(publishRequest(['hi']).req, creds))).toMatchObject({ errorClass: 'permanent', status: 422 });
    await adapter.publish(publishRequest(['same words']).req, creds);
    const duplicate = await failure(adapter.publish(publishRequest(['same words']).req, creds));
    expect(duplicate).toMatchObject({ errorClass: 'permanent', status: 422, networkCode: 'DUPLICATE_POST' });
    expect(duplicate.networkMessage).toBe(`Content is a duplicate of ${emu.posts[0]!.id}`);
  });

  it('refreshes with the refresh grant and the new token works', async () => {
    const now = new Date('2026-11-23T00:00:00Z');
    const { adapter, creds } = setup({ now: () => now });
    const fresh = await adapter.refresh!(creds, new AbortController().signal);
    expect(fresh.accessToken).not.toBe(creds.accessToken);
    expect(fresh.refreshToken).toBe(creds.refreshToken);
    expect(fresh.expiresAt).toEqual(new Date(now.getTime() + 5_184_000_000));
    expect(emu.requests.find((r) => r.path === '/oauth/v2/accessToken')!.body).toEqual({
      grant_type: 'refresh_token',
      refresh_token: creds.refreshToken,
      client_id: 'client-1',
      client_secret: 'secret-1',
    });
    await adapter.publish(publishRequest(['with the new token']).req, fresh);
    expect(emu.posts).toHaveLength(1);
  });

  it('a refused refresh token is auth; refused client credentials are permanent; no secret leaks', async () => {
    const { adapter, creds } = setup();
    emu.revokeToken(creds.refreshToken!);
    const refused = await failure(adapter.refresh!(creds, new AbortController().signal));
    expect(refused).toMatchObject({ errorClass: 'auth', status: 400 });
    expect(mentions(refused, creds.refreshToken!)).toBe(false);
    const wrong = createLinkedInAdapter({ baseUrl: emu.url, oauthUrl: `${emu.url}/oauth/v2`, clientId: 'client-1', clientSecret: 'wrong-secret' });
    const t = emu.issueToken();
    const config = await failure(
      wrong.refresh!({ accessToken: t.accessToken, refreshToken: t.refreshToken, accountId: t.author }, new AbortController().signal),
    );
    expect(config).toMatchObject({ errorClass: 'permanent', status: 401 });
    expect(mentions(config, 'wrong-secret')).toBe(false);
    const none = await failure(adapter.refresh!({ ...creds, refreshToken: undefined }, new AbortController().signal));
    expect(none.errorClass).toBe('auth');
  });
});

describe('LinkedIn first comments (issue 16)', () => {
  it('comments under the post as its author (an organization) through socialActions/{urn}/comments; the link opens the comment', async () => {
    const { adapter, creds } = setup({ author: 'urn:li:organization:5515715' });
    const post = await adapter.publish(publishRequest(['From the company page']).req, creds);
    const signal = new AbortController().signal;
    const comment = await adapter.comment!(
      { deliveryId: 'd-1', post: { externalId: post.externalId, url: post.url }, text: 'Read more: https://blog.example', signal },
      creds,
    );
    expect(emu.comments).toEqual([
      { urn: comment.externalId, object: post.externalId, actor: 'urn:li:organization:5515715', text: 'Read more: https://blog.example' },
    ]);
    expect(comment.url).toBe(`${post.url}?commentUrn=${encodeURIComponent(comment.externalId)}`);
    const gone = await failure(adapter.comment!({ deliveryId: 'd-1', post: { externalId: 'urn:li:share:1', url: '' }, text: 'x', signal }, creds));
    expect(gone.errorClass).toBe('permanent');
  });
});
