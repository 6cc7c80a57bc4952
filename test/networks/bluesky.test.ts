import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { crc32, deflateSync } from 'node:zlib';
import { Agent, MockAgent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Credentials, PublishRequest } from '../../src/networks/adapter.ts';
import { failure, publishRequest as harnessRequest } from '../helpers/network-harness.ts';
import {
  blueskyError,
  blueskyPostUrl,
  createBlueskyAdapter,
  createBlueskySession,
  deliveryRecordKey,
  imageSize,
  jwtExpiry,
} from '../../src/networks/bluesky.ts';
import { startPds, type TestAccount, type TestPds } from '../helpers/pds.ts';

/**
 * The Bluesky adapter against the real PDS (@atproto/pds from npm) on 127.0.0.1. Failures the PDS
 * cannot be made to produce on demand (a 503, an answer lost after the record was written) are
 * injected in front of it: an undici MockAgent that lets every other request through, and a proxy
 * that forwards a create and then drops the connection.
 */

let pds: TestPds;
let alice: TestAccount;
let images: Server;
let imagesUrl: string;
const PNG = png(6, 4);

beforeAll(async () => {
  pds = await startPds({ rateLimits: true });
  alice = await pds.createAccount('alice');
  images = createServer((req, res) => {
    if (req.url === '/a.png') return res.writeHead(200, { 'content-type': 'image/png' }).end(PNG);
    res.writeHead(404).end();
  });
  images.listen(0, '127.0.0.1');
  await once(images, 'listening');
  imagesUrl = `http://127.0.0.1:${(images.address() as AddressInfo).port}`;
});

afterAll(async () => {
  images?.close();
  await pds?.stop();
});

function credsOf(account: TestAccount): Credentials {
  return {
    accessToken: account.accessJwt,
    refreshToken: account.refreshJwt,
    accountId: account.did,
    instanceUrl: pds.url,
    expiresAt: jwtExpiry(account.accessJwt),
  };
}

let deliveries = 0;
/** The harness's request with a delivery id of its own: the PDS lives across tests, and the record key derives from the id. */
function publishRequest(parts: string[], extra: Partial<PublishRequest> = {}) {
  return harnessRequest(parts, { deliveryId: `delivery-${++deliveries}-${Date.now()}`, ...extra });
}

async function getRecord(uri: string) {
  const [, , did, collection, rkey] = uri.split('/');
  const res = await pds.xrpc('GET', 'com.atproto.repo.getRecord', { params: { repo: did!, collection: collection!, rkey: rkey! } });
  expect(res.status).toBe(200);
  return res.json as { uri: string; cid: string; value: Record<string, any> };
}

async function listPosts(did: string) {
  const res = await pds.xrpc('GET', 'com.atproto.repo.listRecords', { params: { repo: did, collection: 'app.bsky.feed.post', limit: '100' } });
  return (res.json.records as { uri: string; value: Record<string, any> }[]).map((r) => r.uri);
}

const rkeyOf = (uri: string) => uri.split('/').pop()!;

describe('Bluesky adapter against the real PDS', () => {
  it('posts text with link, tag and mention facets at UTF-8 byte offsets, under the derived record key', async () => {
    const bob = await pds.createAccount('bob');
    const adapter = createBlueskyAdapter({ now: () => new Date('2026-11-23T09:00:00.000Z') });
    const text = 'Grüße 🌍 from @bob.test and @nobody.test: see https://example.com/launch?ref=gl #launch #日本';
    const { req, reported } = publishRequest([text]);
    const result = await adapter.publish(req, credsOf(alice));

    const rkey = deliveryRecordKey(req.deliveryId, 0);
    expect(result.externalId).toBe(`at://${alice.did}/app.bsky.feed.post/${rkey}`);
    expect(result.url).toBe(`https://bsky.app/profile/${alice.did}/post/${rkey}`);
    expect(reported).toEqual(result.parts);

    const { value } = await getRecord(result.externalId);
    expect(value).toMatchObject({ $type: 'app.bsky.feed.post', text, createdAt: '2026-11-23T09:00:00.000Z' });
    const span = (s: string) => {
      const byteStart = Buffer.byteLength(text.slice(0, text.indexOf(s)));
      return { byteStart, byteEnd: byteStart + Buffer.byteLength(s) };
    };
    expect(value.facets).toEqual(
      [
        { $type: 'app.bsky.richtext.facet', index: span('@bob.test'), features: [{ $type: 'app.bsky.richtext.facet#mention', did: bob.did }] },
        {
          $type: 'app.bsky.richtext.facet',
          index: span('https://example.com/launch?ref=gl'),
          features: [{ $type: 'app.bsky.richtext.facet#link', uri: 'https://example.com/launch?ref=gl' }],
        },
        { $type: 'app.bsky.richtext.facet', index: span('#launch'), features: [{ $type: 'app.bsky.richtext.facet#tag', tag: 'launch' }] },
        { $type: 'app.bsky.richtext.facet', index: span('#日本'), features: [{ $type: 'app.bsky.richtext.facet#tag', tag: '日本' }] },
      ].map(({ $type: _, ...facet }) => expect.objectContaining(facet)),
    );
    // The bytes really are multi-byte: the link starts well after its UTF-16 index.
    expect(span('https://').byteStart).toBeGreaterThan(text.indexOf('https://'));
  });

  it('publishes a thread of three with reply refs {root, parent} by uri and cid', async () => {
    const adapter = createBlueskyAdapter();
    const { req } = publishRequest(['one', 'two', 'three']);
    const result = await adapter.publish(req, credsOf(alice));
    const [a, b, c] = await Promise.all(result.parts.map((p) => getRecord(p.externalId)));
    expect(a!.value.reply).toBeUndefined();
    expect(b!.value.reply).toEqual({ root: { uri: a!.uri, cid: a!.cid }, parent: { uri: a!.uri, cid: a!.cid } });
    expect(c!.value.reply).toEqual({ root: { uri: a!.uri, cid: a!.cid }, parent: { uri: b!.uri, cid: b!.cid } });
    expect(result.parts.map((p) => rkeyOf(p.externalId))).toEqual([0, 1, 2].map((i) => deliveryRecordKey(req.deliveryId, i)));
  });

  it('uploads an image by URL as a blob and embeds it with alt text and aspect ratio', async () => {
    const adapter = createBlueskyAdapter();
    const { req } = publishRequest(['look', 'more'], { media: [{ url: `${imagesUrl}/a.png`, alt: 'A green square' }] });
    const result = await adapter.publish(req, credsOf(alice));
    const first = await getRecord(result.parts[0]!.externalId);
    expect(first.value.embed).toEqual({
      $type: 'app.bsky.embed.images',
      images: [
        {
          alt: 'A green square',
          aspectRatio: { width: 6, height: 4 },
          image: { $type: 'blob', ref: { $link: expect.any(String) }, mimeType: 'image/png', size: PNG.length },
        },
      ],
    });
    expect((await getRecord(result.parts[1]!.externalId)).value.embed).toBeUndefined();
    const cid = first.value.embed.images[0].image.ref.$link as string;
    const blob = await fetch(`${pds.url}/xrpc/com.atproto.sync.getBlob?did=${alice.did}&cid=${cid}`);
    expect(Buffer.from(await blob.arrayBuffer())).toEqual(PNG);
  });

  it('a missing image is permanent and nothing is posted', async () => {
    const adapter = createBlueskyAdapter();
    const before = await listPosts(alice.did);
    const { req } = publishRequest(['look'], { media: [{ url: `${imagesUrl}/gone.png` }] });
    expect(await failure(adapter.publish(req, credsOf(alice)))).toMatchObject({ errorClass: 'permanent', status: 404 });
    expect(await listPosts(alice.did)).toEqual(before);
  });

  it('a retry of the same delivery finds its record under the same key: no second post', async () => {
    const adapter = createBlueskyAdapter();
    const first = publishRequest(['exactly once', 'and its reply']);
    const published = await adapter.publish(first.req, credsOf(alice));
    const before = await listPosts(alice.did);
    // The same delivery again, as if the first answers had been lost: the PDS refuses both creates.
    const again = publishRequest(['exactly once', 'and its reply'], { deliveryId: first.req.deliveryId });
    const retried = await adapter.publish(again.req, credsOf(alice));
    expect(retried.parts).toEqual(published.parts);
    expect(await listPosts(alice.did)).toEqual(before);
  });

  it('an answer lost after the record was written is unknown_outcome; the retry returns that record', async () => {
    const proxy = await dropAfterCreate(pds.url);
    // A dispatcher of its own: undici's global one does not always report that a request was sent.
    const dispatcher = new Agent();
    try {
      const adapter = createBlueskyAdapter({ dispatcher });
      const { req } = publishRequest(['did it go out?']);
      const lost = await failure(adapter.publish(req, { ...credsOf(alice), instanceUrl: proxy.url }));
      expect(lost.errorClass).toBe('unknown_outcome');
      const uri = `at://${alice.did}/app.bsky.feed.post/${deliveryRecordKey(req.deliveryId, 0)}`;
      expect((await getRecord(uri)).value.text).toBe('did it go out?');
      const before = await listPosts(alice.did);
      const retried = await adapter.publish(publishRequest(['did it go out?'], { deliveryId: req.deliveryId }).req, credsOf(alice));
      expect(retried.externalId).toBe(uri);
      expect(await listPosts(alice.did)).toEqual(before);
    } finally {
      await dispatcher.close();
      await proxy.stop();
    }
  });

  it('resumes a thread after part 2 failed on a 503, without duplicating parts 1 and 2', async () => {
    const mock = passThroughMock();
    const adapter = createBlueskyAdapter({ dispatcher: mock });
    const first = publishRequest(['one', 'two', 'three'], {
      onPartPublished: async (part) => {
        first.reported.push(part);
        if (part.position === 1) {
          mock
            .get(pds.url)
            .intercept({ path: '/xrpc/com.atproto.repo.createRecord', method: 'POST' })
            .reply(503, { error: 'UpstreamFailure', message: 'try later' }, { headers: { 'content-type': 'application/json' } });
        }
      },
    });
    const error = await failure(adapter.publish(first.req, credsOf(alice)));
    expect(error).toMatchObject({ errorClass: 'transient', status: 503, networkCode: 'UpstreamFailure', networkMessage: 'try later' });
    expect(first.reported.map((p) => p.position)).toEqual([0, 1]);

    const again = publishRequest(['one', 'two', 'three'], { deliveryId: first.req.deliveryId, publishedParts: first.reported });
    const result = await createBlueskyAdapter().publish(again.req, credsOf(alice));
    expect(again.reported.map((p) => p.position)).toEqual([2]);
    expect(result.parts.slice(0, 2)).toEqual(first.reported);
    const [a, b, c] = await Promise.all(result.parts.map((p) => getRecord(p.externalId)));
    expect(c!.value.reply).toEqual({ root: { uri: a!.uri, cid: a!.cid }, parent: { uri: b!.uri, cid: b!.cid } });
    const posts = await listPosts(alice.did);
    expect(result.parts.filter((p) => posts.includes(p.externalId))).toHaveLength(3);
  });

  it('an expired or invalid access token is auth, with the PDS words and no token in the error', async () => {
    const adapter = createBlueskyAdapter();
    const expired = await failure(adapter.publish(publishRequest(['hi']).req, { ...credsOf(alice), accessToken: pds.expiredAccessJwt(alice.did) }));
    expect(expired).toMatchObject({ errorClass: 'auth', status: 400, networkCode: 'ExpiredToken', networkMessage: 'Token has expired' });
    const invalid = await failure(adapter.publish(publishRequest(['hi']).req, { ...credsOf(alice), accessToken: 'not-a-jwt-at-all' }));
    expect(invalid).toMatchObject({ errorClass: 'auth', status: 400, networkCode: 'InvalidToken' });
    for (const e of [expired, invalid]) expect(JSON.stringify([e.message, e.networkMessage])).not.toMatch(/eyJ|not-a-jwt/);
  });

  it('refresh gets a new session from the refresh JWT, which then publishes; a spent or bad refresh token is auth', async () => {
    const carol = await pds.createAccount('carol');
    const adapter = createBlueskyAdapter();
    const stale = { ...credsOf(carol), accessToken: pds.expiredAccessJwt(carol.did) };
    const fresh = await adapter.refresh!(stale, new AbortController().signal);
    expect(fresh).toMatchObject({ accountId: carol.did, instanceUrl: pds.url });
    expect(fresh.accessToken).not.toBe(stale.accessToken);
    expect(fresh.refreshToken).not.toBe(carol.refreshJwt);
    expect(fresh.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 60 * 60_000);
    const post = await adapter.publish(publishRequest(['after refresh']).req, fresh);
    expect((await getRecord(post.externalId)).value.text).toBe('after refresh');

    const bad = await failure(adapter.refresh!({ ...fresh, refreshToken: fresh.accessToken }, new AbortController().signal));
    expect(bad).toMatchObject({ errorClass: 'auth', networkCode: 'InvalidToken' });
    const none = await failure(adapter.refresh!({ ...fresh, refreshToken: undefined }, new AbortController().signal));
    expect(none.errorClass).toBe('auth');
  });

  it('verify reads the session (getSession): its did and @handle; an expired, invalid or refresh token, or a deactivated account, is auth', async () => {
    const erin = await pds.createAccount('erin');
    const adapter = createBlueskyAdapter();
    const signal = new AbortController().signal;
    expect(await adapter.verify!(credsOf(erin), signal)).toEqual({ accountId: erin.did, name: '@erin.test' });
    // The answer names the session's owner, not the stored account id: the CLI compares the two.
    expect(await adapter.verify!({ ...credsOf(erin), accountId: alice.did }, signal)).toMatchObject({ accountId: erin.did });
    const expired = await failure(adapter.verify!({ ...credsOf(erin), accessToken: pds.expiredAccessJwt(erin.did) }, signal));
    expect(expired).toMatchObject({ errorClass: 'auth', networkCode: 'ExpiredToken' });
    const invalid = await failure(adapter.verify!({ ...credsOf(erin), accessToken: 'not-a-jwt-at-all' }, signal));
    expect(invalid).toMatchObject({ errorClass: 'auth', networkCode: 'InvalidToken' });
    const refreshAsAccess = await failure(adapter.verify!({ ...credsOf(erin), accessToken: erin.refreshJwt }, signal));
    expect(refreshAsAccess.errorClass).toBe('auth');
    for (const e of [expired, invalid, refreshAsAccess]) expect(JSON.stringify([e.message, e.networkMessage])).not.toMatch(/eyJ|not-a-jwt/);
    // Verifying spent nothing: the stored refresh JWT still renews the session.
    const renewed = await adapter.refresh!(credsOf(erin), signal);
    expect(renewed.accountId).toBe(erin.did);

    // A deactivated account still has a session, but the PDS refuses its posts: verify says auth.
    const login = await pds.xrpc('POST', 'com.atproto.server.createSession', { body: { identifier: erin.handle, password: erin.password } });
    expect((await pds.xrpc('POST', 'com.atproto.server.deactivateAccount', { token: String(login.json.accessJwt), body: {} })).status).toBe(200);
    const deactivated = await failure(adapter.verify!(renewed, signal));
    expect(deactivated).toMatchObject({ errorClass: 'auth', networkMessage: 'the account is deactivated' });
    expect((await failure(adapter.publish(publishRequest(['hi']).req, renewed))).networkCode).toBe('AccountDeactivated');
  });

  it('recentPosts lists the account posts since a time, newest first, with text and links', async () => {
    const dave = await pds.createAccount('dave');
    const adapter = createBlueskyAdapter();
    const creds = credsOf(dave);
    // A post made elsewhere (the Bluesky app: a clock TID) before, and two of ours after `since`.
    const now = Date.now();
    const made = await pds.xrpc('POST', 'com.atproto.repo.createRecord', {
      token: dave.accessJwt,
      body: {
        repo: dave.did,
        collection: 'app.bsky.feed.post',
        record: { $type: 'app.bsky.feed.post', text: 'by hand', createdAt: new Date(now + 1).toISOString() },
      },
    });
    const ours1 = await createBlueskyAdapter({ now: () => new Date(now + 2) }).publish(publishRequest(['first of ours']).req, creds);
    const ours2 = await createBlueskyAdapter({ now: () => new Date(now + 3) }).publish(publishRequest(['second of ours']).req, creds);
    const recent = await adapter.recentPosts(creds, new Date(now), new AbortController().signal);
    expect(recent?.map((p) => p.text)).toEqual(['second of ours', 'first of ours', 'by hand']);
    expect(recent?.[0]).toEqual({ externalId: ours2.externalId, url: ours2.url, text: 'second of ours', createdAt: new Date(now + 3) });
    expect(recent?.[1]!.externalId).toBe(ours1.externalId);
    expect(recent?.[2]!.externalId).toBe(made.json.uri);
    expect(await adapter.recentPosts(creds, new Date(now + 3), new AbortController().signal)).toHaveLength(1);
  });

  it('content the PDS rejects (over 300 graphemes) is permanent with its reason', async () => {
    const adapter = createBlueskyAdapter();
    const error = await failure(adapter.publish(publishRequest(['x'.repeat(301)]).req, credsOf(alice)));
    expect(error).toMatchObject({ errorClass: 'permanent', status: 400, networkCode: 'InvalidRequest' });
    expect(error.networkMessage).toMatch(/grapheme too big \(maximum 300, got 301\)/);
  });

  it('the PDS rate limit (429 RateLimitExceeded) is rate_limited with retryAt from RateLimit-Reset', async () => {
    // createSession allows 30 attempts per 5 minutes per identifier and address (unknown identifiers too).
    const login = () => createBlueskySession({ serviceUrl: pds.url, identifier: 'nobody-here.test', password: 'wrong-password' });
    const errors = await Promise.all(Array.from({ length: 31 }, () => failure(login())));
    const error = errors.find((e) => e.status === 429);
    expect(errors.filter((e) => e.errorClass === 'auth')).toHaveLength(30);
    expect(error).toMatchObject({ errorClass: 'rate_limited', status: 429, networkCode: 'RateLimitExceeded' });
    expect(error!.retryAt!.getTime()).toBeGreaterThan(Date.now() + 60_000);
    expect(error!.retryAt!.getTime()).toBeLessThanOrEqual(Date.now() + 5 * 60_000 + 1000);
  });

  it('createBlueskySession connects with an app password; a wrong one is auth', async () => {
    const creds = await createBlueskySession({ serviceUrl: pds.url, identifier: alice.handle, password: alice.appPassword });
    expect(creds).toMatchObject({ accountId: alice.did, instanceUrl: pds.url });
    expect(creds.expiresAt!.getTime()).toBeGreaterThan(Date.now());
    const wrong = await failure(createBlueskySession({ serviceUrl: pds.url, identifier: alice.handle, password: 'nope-nope-nope' }));
    expect(wrong).toMatchObject({ errorClass: 'auth', status: 401, networkCode: 'AuthenticationRequired' });
  });
});

describe('Bluesky pure parts', () => {
  it('record keys are valid TIDs, stable per delivery and part, distinct otherwise, below clock TIDs', () => {
    const key = deliveryRecordKey('0b5c6a8e-1111-4222-8333-944445555666', 0);
    expect(key).toMatch(/^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$/);
    expect(key).toBe(deliveryRecordKey('0b5c6a8e-1111-4222-8333-944445555666', 0));
    expect(key).not.toBe(deliveryRecordKey('0b5c6a8e-1111-4222-8333-944445555666', 1));
    expect(key).not.toBe(deliveryRecordKey('0b5c6a8e-1111-4222-8333-944445555667', 0));
    expect(key.startsWith('2')).toBe(true);
  });

  it('maps XRPC errors: 5xx transient, 429 with RateLimit-Reset, 401 auth, InvalidRequest permanent', () => {
    const res = (status: number, body: unknown, headers: Record<string, string> = {}) => ({ status, headers, body: Buffer.from(JSON.stringify(body)) });
    const call = { method: 'POST' as const, url: 'http://pds/xrpc/x', signal: new AbortController().signal, what: 'create post', secrets: ['secret-token'] };
    expect(blueskyError(res(502, { error: 'UpstreamFailure' }), call).errorClass).toBe('transient');
    const limited = blueskyError(res(429, { error: 'RateLimitExceeded', message: 'Rate Limit Exceeded' }, { 'ratelimit-reset': '1900000000' }), call);
    expect(limited).toMatchObject({ errorClass: 'rate_limited', retryAt: new Date(1_900_000_000_000) });
    expect(blueskyError(res(401, { error: 'AuthMissing', message: 'Authentication Required' }), call).errorClass).toBe('auth');
    expect(blueskyError(res(400, { error: 'InvalidRequest', message: 'bad secret-token' }), call)).toMatchObject({
      errorClass: 'permanent',
      networkMessage: 'bad [redacted]',
    });
    expect(blueskyError({ status: 500, headers: {}, body: Buffer.from('<html>') }, call)).toMatchObject({ errorClass: 'transient', networkCode: undefined });
  });

  it('reads image sizes from PNG, GIF and JPEG headers', () => {
    expect(imageSize(png(6, 4))).toEqual({ width: 6, height: 4 });
    const gif = Buffer.from('GIF89a\x0a\x00\x05\x00', 'latin1');
    expect(imageSize(gif)).toEqual({ width: 10, height: 5 });
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x04, 0x00, 0x00, 0xff, 0xc0, 0x00, 0x11, 0x08, 0x01, 0xe0, 0x02, 0x80, 0x03]);
    expect(imageSize(jpeg)).toEqual({ width: 640, height: 480 });
    expect(imageSize(Buffer.from('not an image'))).toBeUndefined();
  });

  it('builds bsky.app links from at:// uris', () => {
    expect(blueskyPostUrl('at://did:plc:abc/app.bsky.feed.post/3kabc')).toBe('https://bsky.app/profile/did:plc:abc/post/3kabc');
  });
});

/** An undici MockAgent that sends every request it has no interception for to the real servers. */
function passThroughMock(): MockAgent {
  const mock = new MockAgent();
  mock.enableNetConnect();
  return mock;
}

/** Forwards requests to the PDS; for createRecord, forwards it and then cuts the connection instead of answering. */
async function dropAfterCreate(target: string): Promise<{ url: string; stop(): Promise<void> }> {
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !['host', 'connection', 'content-length'].includes(k))) as Record<
      string,
      string
    >;
    const method = req.method ?? 'GET';
    const upstream = await fetch(new URL(req.url ?? '/', target), { method, headers, body: method === 'GET' ? undefined : Buffer.concat(chunks) });
    const body = Buffer.from(await upstream.arrayBuffer());
    if (req.url?.startsWith('/xrpc/com.atproto.repo.createRecord')) return res.socket?.destroy();
    res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' }).end(body);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A valid RGB PNG of the given size (one green colour). */
function png(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([Buffer.from(type, 'latin1'), data])));
    return Buffer.concat([len, Buffer.from(type, 'latin1'), data, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(width * 3, Buffer.from([0x2e, 0x8b, 0x57]))]);
  const pixels = deflateSync(Buffer.concat(Array.from({ length: height }, () => row)));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', pixels),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('Bluesky link cards (issue 16)', () => {
  const card = (image?: Buffer) => ({
    url: 'https://blog.example/launch',
    title: 'Launch week',
    description: 'Five features in five days.',
    ...(image ? { image: { contentType: 'image/png', bytes: image.length, read: async () => image } } : {}),
  });

  it('embeds app.bsky.embed.external with the thumbnail uploaded as a blob, on the part that holds the link', async () => {
    const adapter = createBlueskyAdapter();
    const { req } = publishRequest(['first part', 'read it: https://blog.example/launch'], { linkCard: card(PNG) });
    const result = await adapter.publish(req, credsOf(alice));
    expect((await getRecord(result.parts[0]!.externalId)).value.embed).toBeUndefined();
    const second = await getRecord(result.parts[1]!.externalId);
    expect(second.value.embed).toEqual({
      $type: 'app.bsky.embed.external',
      external: {
        uri: 'https://blog.example/launch',
        title: 'Launch week',
        description: 'Five features in five days.',
        thumb: { $type: 'blob', ref: { $link: expect.any(String) }, mimeType: 'image/png', size: PNG.length },
      },
    });
    const cid = second.value.embed.external.thumb.ref.$link as string;
    const blob = await fetch(`${pds.url}/xrpc/com.atproto.sync.getBlob?did=${alice.did}&cid=${cid}`);
    expect(Buffer.from(await blob.arrayBuffer())).toEqual(PNG);
  });

  it('a card without image has no thumb; a thumbnail over 1,000,000 bytes is left out; "no link preview" sends no embed', async () => {
    const adapter = createBlueskyAdapter();
    const plain = await adapter.publish(publishRequest(['https://blog.example/launch'], { linkCard: card() }).req, credsOf(alice));
    expect((await getRecord(plain.externalId)).value.embed).toEqual({
      $type: 'app.bsky.embed.external',
      external: { uri: 'https://blog.example/launch', title: 'Launch week', description: 'Five features in five days.' },
    });
    const big = Buffer.alloc(1_000_001);
    const large = await adapter.publish(
      publishRequest(['https://blog.example/launch'], {
        linkCard: { ...card(), image: { contentType: 'image/png', bytes: big.length, read: async () => big } },
      }).req,
      credsOf(alice),
    );
    expect((await getRecord(large.externalId)).value.embed.external.thumb).toBeUndefined();
    const none = await adapter.publish(publishRequest(['https://blog.example/launch'], { linkCard: null }).req, credsOf(alice));
    expect((await getRecord(none.externalId)).value.embed).toBeUndefined();
  });
});
