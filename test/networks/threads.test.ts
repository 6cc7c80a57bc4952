import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Credentials } from '../../src/networks/adapter.ts';
import { createThreadsAdapter, THREADS_DEFAULT_VERSION, type ThreadsAdapterOptions } from '../../src/networks/threads.ts';
import { startThreadsEmulator, type ThreadsEmulator } from '../../emulators/threads.ts';
import { failure, mentions, publishRequest } from '../helpers/network-harness.ts';

let emu: ThreadsEmulator;
beforeEach(async () => {
  emu = await startThreadsEmulator();
});
afterEach(async () => {
  await emu.stop();
});

function setup(opts: Partial<ThreadsAdapterOptions> = {}) {
  const t = emu.issueToken(undefined, 'greenlight');
  const creds: Credentials = { accessToken: t.accessToken, accountId: t.userId };
  const adapter = createThreadsAdapter({ baseUrl: emu.url, timeoutMs: 5000, pollMs: 1, ...opts });
  return { adapter, creds };
}

describe('Threads adapter against the emulator', () => {
  it('publishes a text post: TEXT container, threads_publish, permalink', async () => {
    const { adapter, creds } = setup();
    const { req, reported } = publishRequest(['Hello from Greenlight']);
    const result = await adapter.publish(req, creds);
    expect(emu.posts).toHaveLength(1);
    const post = emu.posts[0]!;
    expect(post).toMatchObject({ userId: creds.accountId, text: 'Hello from Greenlight', mediaType: 'TEXT', replyTo: undefined });
    expect(result).toMatchObject({ externalId: post.id, url: `https://www.threads.com/@greenlight/post/${post.shortcode}` });
    expect(reported).toEqual(result.parts);
    const v = `/${THREADS_DEFAULT_VERSION}`;
    expect(emu.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `POST ${v}/${creds.accountId}/threads`,
      `POST ${v}/${creds.accountId}/threads_publish`,
      `GET ${v}/${post.id}`,
    ]);
    expect(emu.requests[0]!.body).toEqual({ media_type: 'TEXT', text: 'Hello from Greenlight', access_token: '[redacted]' });
    expect(emu.requests[1]!.body).toMatchObject({ creation_id: emu.containers[0]!.id });
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
    expect((await failure(adapter.publish(first.req, creds))).errorClass).toBe('transient');
    expect(emu.posts).toHaveLength(1);
    const again = publishRequest(['one', 'two', 'three'], { publishedParts: first.reported });
    const result = await adapter.publish(again.req, creds);
    expect(emu.posts.map((p) => p.text)).toEqual(['one', 'two', 'three']);
    expect(emu.posts[1]!.replyTo).toBe(emu.posts[0]!.id);
    expect(emu.posts[2]!.replyTo).toBe(emu.posts[1]!.id);
    expect(again.reported.map((p) => p.position)).toEqual([1, 2]);
    expect(result.parts.map((p) => p.position)).toEqual([0, 1, 2]);
  });

  it('an image goes on the first part only, after its container finished processing', async () => {
    emu.processingPolls = 2;
    const { adapter, creds } = setup();
    await adapter.publish(publishRequest(['look', 'more'], { media: [{ url: emu.imageUrl, alt: 'A green dot' }] }).req, creds);
    expect(emu.containers.map((c) => c.mediaType)).toEqual(['IMAGE', 'TEXT']);
    expect(emu.containers[0]).toMatchObject({ imageUrl: emu.imageUrl, altText: 'A green dot', text: 'look', status: 'PUBLISHED' });
    expect(emu.requests.filter((r) => r.path.endsWith(`/${emu.containers[0]!.id}`))).toHaveLength(3);
    expect(emu.posts.map((p) => p.mediaType)).toEqual(['IMAGE', 'TEXT']);
  });

  it('several images become a carousel', async () => {
    const { adapter, creds } = setup();
    await adapter.publish(publishRequest(['two pictures'], { media: [{ url: emu.imageUrl }, { url: emu.imageUrl }] }).req, creds);
    const [a, b, carousel] = emu.containers;
    expect(carousel).toMatchObject({ mediaType: 'CAROUSEL', children: [a!.id, b!.id], text: 'two pictures' });
    expect([a!.isCarouselItem, b!.isCarouselItem]).toEqual([true, true]);
    expect(emu.posts[0]!.mediaType).toBe('CAROUSEL');
  });

  it('an image Threads cannot fetch ends its container in ERROR: permanent, nothing published', async () => {
    const { adapter, creds } = setup();
    const error = await failure(adapter.publish(publishRequest(['look'], { media: [{ url: `${emu.url}/media/missing.png` }] }).req, creds));
    expect(error).toMatchObject({ errorClass: 'permanent', networkCode: 'ERROR', networkMessage: 'UNKNOWN' });
    expect(emu.posts).toHaveLength(0);
  });

  it('5xx is transient', async () => {
    const { adapter, creds } = setup();
    emu.failNext({ kind: '5xx' });
    expect(await failure(adapter.publish(publishRequest(['hi']).req, creds))).toMatchObject({ errorClass: 'transient', status: 500, network: 'threads' });
    expect(emu.posts).toHaveLength(0);
  });

  it('throttling (613) is rate_limited with retryAt from estimated_time_to_regain_access', async () => {
    const now = new Date('2026-11-23T10:00:00Z');
    const { adapter, creds } = setup({ now: () => now });
    emu.failNext({ kind: '429', resetInSeconds: 120 });
    const error = await failure(adapter.publish(publishRequest(['hi']).req, creds));
    expect(error).toMatchObject({ errorClass: 'rate_limited', networkCode: '613' });
    expect(error.retryAt).toEqual(new Date('2026-11-23T10:02:00Z'));
  });

  it('a timeout after publishing a reply is unknown_outcome, and recentPosts finds that reply', async () => {
    const { adapter, creds } = setup({ timeoutMs: 300 });
    const since = new Date(Date.now() - 1000);
    const { req, reported } = publishRequest(['first part', 'second part'], {
      onPartPublished: async (part) => {
        reported.push(part);
        emu.failNext({ kind: 'timeout_after' });
      },
    });
    expect((await failure(adapter.publish(req, creds))).errorClass).toBe('unknown_outcome');
    expect(reported).toHaveLength(1);
    expect(emu.posts).toHaveLength(2);
    const recent = await adapter.recentPosts(creds, since, new AbortController().signal);
    expect(recent?.map((p) => p.text).sort()).toEqual(['first part', 'second part']);
    expect(recent!.find((p) => p.text === 'second part')).toMatchObject({ externalId: emu.posts[1]!.id, url: expect.stringContaining('/post/') });
    expect(emu.requests.filter((r) => r.method === 'GET' && /\/(threads|replies)$/.test(r.path)).map((r) => r.query.fields)).toEqual([
      'id,text,timestamp,permalink',
      'id,text,timestamp,permalink',
    ]);
  });

  it('recentPosts pages with the after cursor until it passes `since`: a post 220 posts back is still found', async () => {
    const { adapter, creds } = setup({ timeoutMs: 300 });
    const since = new Date(Date.now() - 1000);
    emu.failNext({ kind: 'timeout_after' });
    await failure(adapter.publish(publishRequest(['the one we are looking for']).req, creds));
    for (let i = 0; i < 220; i++) await adapter.publish(publishRequest([`later post ${i}`]).req, creds);
    const before = emu.requests.length;
    const recent = await adapter.recentPosts(creds, since, new AbortController().signal);
    expect(recent).toHaveLength(221);
    expect(recent!.find((p) => p.text === 'the one we are looking for')?.externalId).toBe(emu.posts[0]!.id);
    const pages = emu.requests.slice(before).filter((r) => r.path.endsWith('/threads'));
    expect(pages.map((r) => [r.query.limit, r.query.after ?? null])).toEqual([
      ['100', null],
      ['100', expect.any(String)],
      ['100', expect.any(String)],
    ]);
    expect(pages.every((r) => r.query.since === String(Math.floor(since.getTime() / 1000)))).toBe(true);
  });

  it('a timeout before anything was published leaves nothing for recentPosts to find', async () => {
    const { adapter, creds } = setup({ timeoutMs: 300 });
    const since = new Date(Date.now() - 1000);
    emu.failNext({ kind: 'timeout_before' });
    expect((await failure(adapter.publish(publishRequest(['maybe']).req, creds))).errorClass).toBe('unknown_outcome');
    expect(await adapter.recentPosts(creds, since, new AbortController().signal)).toEqual([]);
  });

  it('revoked and expired tokens (190) are auth, and the token appears nowhere in the error', async () => {
    const { adapter, creds } = setup();
    emu.failNext({ kind: 'revoked' });
    const scripted = await failure(adapter.publish(publishRequest(['hi']).req, creds));
    expect(scripted).toMatchObject({ errorClass: 'auth', networkCode: '190/458' });
    emu.expireToken(creds.accessToken);
    const expired = await failure(adapter.recentPosts(creds, new Date(), new AbortController().signal));
    expect(expired).toMatchObject({ errorClass: 'auth', networkCode: '190/463' });
    for (const e of [scripted, expired]) expect(mentions(e, creds.accessToken)).toBe(false);
  });

  it('rejected content is permanent with Threads words', async () => {
    const { adapter, creds } = setup();
    emu.failNext({ kind: 'rejected' });
    const error = await failure(adapter.publish(publishRequest(['hi']).req, creds));
    expect(error).toMatchObject({ errorClass: 'permanent', networkCode: '100' });
    expect(error.networkMessage).toContain('Community Guidelines');
  });

  it('refreshes a long-lived token with th_refresh_token; a refused refresh is auth without the token', async () => {
    const now = new Date('2026-11-23T00:00:00Z');
    const { adapter, creds } = setup({ now: () => now });
    const fresh = await adapter.refresh!(creds, new AbortController().signal);
    expect(fresh.accessToken).not.toBe(creds.accessToken);
    expect(fresh.expiresAt).toEqual(new Date(now.getTime() + 5_183_944_000));
    expect(emu.requests.at(-1)).toMatchObject({ path: '/refresh_access_token', query: { grant_type: 'th_refresh_token', access_token: '[redacted]' } });
    await adapter.publish(publishRequest(['with the new token']).req, fresh);
    expect(emu.posts).toHaveLength(1);
    emu.revokeToken(fresh.accessToken);
    const refused = await failure(adapter.refresh!(fresh, new AbortController().signal));
    expect(refused).toMatchObject({ errorClass: 'auth', networkCode: '190/458' });
    expect(mentions(refused, fresh.accessToken)).toBe(false);
  });
});

describe('Threads answers without an id', () => {
  /** A Graph host that answers every call 200 with `answer(path)` as JSON. */
  async function graphAnswering(answer: (path: string) => Record<string, unknown>) {
    const server = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer(req.url ?? '')));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return { url, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
  }
  const creds: Credentials = { accessToken: 'token', accountId: '42' };

  it('a container made without an id is transient (nothing was published); a publish without one is an unknown outcome', async () => {
    const noId = await graphAnswering(() => ({}));
    const publishNoId = await graphAnswering((path) => (path.includes('/threads_publish') ? {} : { id: 'container-1' }));
    try {
      const made = await failure(createThreadsAdapter({ baseUrl: noId.url, timeoutMs: 5000 }).publish(publishRequest(['Hello']).req, creds));
      expect(made).toMatchObject({ errorClass: 'transient', message: 'Threads create post container: answer without an id' });
      const published = await failure(createThreadsAdapter({ baseUrl: publishNoId.url, timeoutMs: 5000 }).publish(publishRequest(['Hello']).req, creds));
      expect(published).toMatchObject({ errorClass: 'unknown_outcome', message: 'Threads publish post: answer without a post id' });
    } finally {
      await Promise.all([noId.stop(), publishNoId.stop()]);
    }
  });
});
