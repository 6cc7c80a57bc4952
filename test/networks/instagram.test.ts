import { request } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Credentials, MediaItem, PublishRequest, PublishedPart } from '../../src/networks/adapter.ts';
import { classifyGraph } from '../../src/networks/meta-graph.ts';
import { createInstagramAdapter, INSTAGRAM_DEFAULT_VERSION, type InstagramAdapterOptions } from '../../src/networks/instagram.ts';
import { startInstagramEmulator, type InstagramEmulator } from '../../emulators/instagram.ts';
import { failure, mentions } from '../helpers/network-harness.ts';

let emu: InstagramEmulator;
beforeEach(async () => {
  emu = await startInstagramEmulator();
});
afterEach(async () => {
  await emu.stop();
});

function setup(opts: Partial<InstagramAdapterOptions> = {}) {
  const t = emu.issueToken();
  const creds: Credentials = { accessToken: t.accessToken, accountId: t.userId };
  const adapter = createInstagramAdapter({ baseUrl: emu.url, timeoutMs: 5000, pollMs: 1, ...opts });
  return { adapter, creds };
}

function publishRequest(text: string, media: MediaItem[] = [{ url: emu.imageUrl }], extra: Partial<PublishRequest> = {}) {
  const reported: PublishedPart[] = [];
  const req: PublishRequest = {
    deliveryId: 'delivery-1',
    parts: [text],
    media,
    publishedParts: [],
    onPartPublished: async (part) => {
      reported.push(part);
    },
    signal: new AbortController().signal,
    ...extra,
  };
  return { req, reported };
}

/** Calls the adapter made (without the emulator fetching the image URL itself). */
const paths = () => emu.requests.filter((r) => !r.path.startsWith('/media/')).map((r) => `${r.method} ${r.path}`);

describe('Instagram adapter against the emulator', () => {
  it('publishes an image: quota check, container, status poll, media_publish, permalink', async () => {
    emu.processingPolls = 2;
    const { adapter, creds } = setup();
    const { req, reported } = publishRequest('Hello from Greenlight', [{ url: emu.imageUrl, alt: 'A green dot' }]);
    const result = await adapter.publish(req, creds);
    expect(emu.media).toHaveLength(1);
    const media = emu.media[0]!;
    expect(media).toMatchObject({ userId: creds.accountId, caption: 'Hello from Greenlight', mediaType: 'IMAGE' });
    expect(emu.containers[0]).toMatchObject({ imageUrl: emu.imageUrl, altText: 'A green dot', statusCode: 'PUBLISHED' });
    expect(result).toMatchObject({ externalId: media.id, url: `https://www.instagram.com/p/${media.shortcode}/` });
    expect(reported).toEqual(result.parts);
    const v = `/${INSTAGRAM_DEFAULT_VERSION}`;
    const container = emu.containers[0]!.id;
    expect(paths()).toEqual([
      `GET ${v}/${creds.accountId}/content_publishing_limit`,
      `POST ${v}/${creds.accountId}/media`,
      `GET ${v}/${container}`,
      `GET ${v}/${container}`,
      `GET ${v}/${container}`,
      `POST ${v}/${creds.accountId}/media_publish`,
      `GET ${v}/${media.id}`,
    ]);
    expect(emu.requests.find((r) => r.path.endsWith('/media_publish'))!.body).toEqual({ creation_id: container });
    expect(JSON.stringify(emu.requests)).not.toContain(creds.accessToken);
  });

  it('verify reads the account itself (GET /{ig-user-id}?fields=id,username); a revoked token is auth', async () => {
    const { adapter, creds } = setup();
    expect(await adapter.verify!(creds, new AbortController().signal)).toEqual({ accountId: creds.accountId, name: expect.stringMatching(/^@user/) });
    expect(emu.requests.at(-1)).toMatchObject({ method: 'GET', path: `/v24.0/${creds.accountId}`, query: expect.objectContaining({ fields: 'id,username' }) });
    emu.revokeToken(creds.accessToken);
    const refused = await adapter.verify!(creds, new AbortController().signal).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).toMatchObject({ errorClass: 'auth' });
  });

  it('several images become a carousel of item containers', async () => {
    const { adapter, creds } = setup();
    await adapter.publish(publishRequest('two pictures', [{ url: emu.imageUrl }, { url: emu.imageUrl, alt: 'second' }]).req, creds);
    const [a, b, carousel] = emu.containers;
    expect([a!.isCarouselItem, b!.isCarouselItem, carousel!.mediaType]).toEqual([true, true, 'CAROUSEL']);
    expect(carousel).toMatchObject({ children: [a!.id, b!.id], caption: 'two pictures', statusCode: 'PUBLISHED' });
    expect(emu.media[0]).toMatchObject({ mediaType: 'CAROUSEL_ALBUM', caption: 'two pictures' });
  });

  it('text without media, and threads, are refused before any call', async () => {
    const { adapter, creds } = setup();
    expect((await failure(adapter.publish(publishRequest('no picture', []).req, creds))).errorClass).toBe('permanent');
    expect((await failure(adapter.publish(publishRequest('x', undefined, { parts: ['one', 'two'] }).req, creds))).errorClass).toBe('permanent');
    expect(emu.requests).toHaveLength(0);
  });

  it('an image Instagram cannot fetch is permanent (9004 / 2207052)', async () => {
    const { adapter, creds } = setup();
    const error = await failure(adapter.publish(publishRequest('x', [{ url: `${emu.url}/media/missing.png` }]).req, creds));
    expect(error).toMatchObject({ errorClass: 'permanent', networkCode: '9004/2207052' });
    expect(error.networkMessage).toContain('The media could not be fetched from this URI.');
  });

  it('a container in ERROR is permanent; a download timeout (2207003) is transient; nothing is published', async () => {
    const { adapter, creds } = setup();
    emu.containerErrors.push('Error: 2207004 The image size is too large.', 'Error: 2207003 Media download timed out.');
    const tooLarge = await failure(adapter.publish(publishRequest('a').req, creds));
    expect(tooLarge).toMatchObject({ errorClass: 'permanent', networkCode: 'ERROR/2207004' });
    const timedOut = await failure(adapter.publish(publishRequest('b').req, creds));
    expect(timedOut).toMatchObject({ errorClass: 'transient', networkCode: 'ERROR/2207003' });
    expect(emu.media).toHaveLength(0);
  });

  it('a container still IN_PROGRESS after maxPolls is transient and is never published', async () => {
    emu.processingPolls = 10;
    const { adapter, creds } = setup({ maxPolls: 3 });
    expect(await failure(adapter.publish(publishRequest('slow').req, creds))).toMatchObject({ errorClass: 'transient', networkCode: 'IN_PROGRESS' });
    expect(paths().filter((p) => p.endsWith('/media_publish'))).toEqual([]);
  });

  it('5xx is transient', async () => {
    const { adapter, creds } = setup();
    emu.failNext({ kind: '5xx' });
    expect(await failure(adapter.publish(publishRequest('hi').req, creds))).toMatchObject({ errorClass: 'transient', status: 500 });
    expect(emu.media).toHaveLength(0);
  });

  it('throttling is rate_limited with retryAt from estimated_time_to_regain_access', async () => {
    const now = new Date('2026-11-23T10:00:00Z');
    const { adapter, creds } = setup({ now: () => now });
    emu.failNext({ kind: '429', resetInSeconds: 300 });
    const error = await failure(adapter.publish(publishRequest('hi').req, creds));
    expect(error).toMatchObject({ errorClass: 'rate_limited', networkCode: '80002' });
    expect(error.retryAt).toEqual(new Date('2026-11-23T10:05:00Z'));
  });

  it('the 24-hour publishing limit: the pre-check refuses, and media_publish answers 9 / 2207042', async () => {
    emu.publishLimit = 1;
    const now = new Date('2026-11-23T10:00:00Z');
    const { adapter, creds } = setup({ now: () => now });
    await adapter.publish(publishRequest('first').req, creds);
    const early = await failure(adapter.publish(publishRequest('second').req, creds));
    expect(early).toMatchObject({ errorClass: 'rate_limited', networkCode: 'content_publishing_limit' });
    expect(early.retryAt).toEqual(new Date('2026-11-23T11:00:00Z'));
    expect(emu.containers).toHaveLength(1);

    // Past the pre-check (e.g. another app published meanwhile), media_publish itself refuses with 9 / 2207042.
    const base = `${emu.url}/${INSTAGRAM_DEFAULT_VERSION}/${creds.accountId}`;
    const auth = { authorization: `Bearer ${creds.accessToken}`, 'content-type': 'application/x-www-form-urlencoded' };
    const created = await request(`${base}/media`, { method: 'POST', headers: auth, body: `image_url=${encodeURIComponent(emu.imageUrl)}` });
    const { id } = (await created.body.json()) as { id: string };
    const refused = await request(`${base}/media_publish`, { method: 'POST', headers: auth, body: `creation_id=${id}` });
    expect(await refused.body.json()).toMatchObject({ error: { code: 9, error_subcode: 2207042 } });
    expect(classifyGraph(refused.statusCode, 9, 2207042, false)).toBe('rate_limited');
  });

  it('a timeout after media_publish is unknown_outcome, and recentPosts finds the post', async () => {
    const { adapter, creds } = setup({ timeoutMs: 300 });
    const since = new Date(Date.now() - 1000);
    emu.failNext({ kind: 'timeout_after' });
    const error = await failure(adapter.publish(publishRequest('did it go out?').req, creds));
    expect(error.errorClass).toBe('unknown_outcome');
    expect(emu.media).toHaveLength(1);
    const recent = await adapter.recentPosts(creds, since, new AbortController().signal);
    expect(recent).toEqual([
      expect.objectContaining({ externalId: emu.media[0]!.id, text: 'did it go out?', url: `https://www.instagram.com/p/${emu.media[0]!.shortcode}/` }),
    ]);
    expect(emu.requests.at(-1)!.query).toMatchObject({ fields: 'id,caption,timestamp,permalink' });
  });

  it('a timeout before media_publish was handled leaves nothing for recentPosts to find', async () => {
    const { adapter, creds } = setup({ timeoutMs: 300 });
    const since = new Date(Date.now() - 1000);
    emu.failNext({ kind: 'timeout_before' });
    expect((await failure(adapter.publish(publishRequest('maybe').req, creds))).errorClass).toBe('unknown_outcome');
    expect(await adapter.recentPosts(creds, since, new AbortController().signal)).toEqual([]);
  });

  it('revoked and expired tokens (190) are auth, and the token appears nowhere in the error', async () => {
    const { adapter, creds } = setup();
    emu.failNext({ kind: 'revoked' });
    const scripted = await failure(adapter.publish(publishRequest('hi').req, creds));
    expect(scripted).toMatchObject({ errorClass: 'auth', networkCode: '190/458' });
    emu.expireToken(creds.accessToken);
    const expired = await failure(adapter.publish(publishRequest('hi').req, creds));
    expect(expired).toMatchObject({ errorClass: 'auth', networkCode: '190/463' });
    for (const e of [scripted, expired]) expect(mentions(e, creds.accessToken)).toBe(false);
  });

  it('rejected content is permanent', async () => {
    const { adapter, creds } = setup();
    emu.failNext({ kind: 'rejected' });
    expect(await failure(adapter.publish(publishRequest('hi').req, creds))).toMatchObject({ errorClass: 'permanent', networkCode: '100/2207051' });
  });

  it('Facebook Login has no refresh; Instagram Login refreshes with ig_refresh_token', async () => {
    expect(setup().adapter.refresh).toBeUndefined();
    const now = new Date('2026-11-23T00:00:00Z');
    const { adapter, creds } = setup({ login: 'instagram', now: () => now });
    const fresh = await adapter.refresh!(creds, new AbortController().signal);
    expect(fresh.accessToken).not.toBe(creds.accessToken);
    expect(fresh.expiresAt).toEqual(new Date(now.getTime() + 5_184_000_000));
    expect(emu.requests.at(-1)).toMatchObject({ path: '/refresh_access_token', query: { grant_type: 'ig_refresh_token' } });
    await adapter.publish(publishRequest('with the new token').req, fresh);
    emu.revokeToken(fresh.accessToken);
    const refused = await failure(adapter.refresh!(fresh, new AbortController().signal));
    expect(refused.errorClass).toBe('auth');
    expect(mentions(refused, fresh.accessToken)).toBe(false);
  });
});

describe('Instagram first comments (issue 16)', () => {
  it('comments on the published media through /{ig-media-id}/comments', async () => {
    const { adapter, creds } = setup();
    const post = await adapter.publish(publishRequest('A picture').req, creds);
    const comment = await adapter.comment!(
      { deliveryId: 'd-1', post: { externalId: post.externalId, url: post.url }, text: '#launch details in bio', signal: new AbortController().signal },
      creds,
    );
    expect(emu.comments).toEqual([{ id: comment.externalId, mediaId: post.externalId, userId: creds.accountId, message: '#launch details in bio' }]);
    expect(comment.url).toBe(post.url);
  });
});
