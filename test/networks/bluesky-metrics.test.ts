import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetworkError } from '../../src/networks/adapter.ts';
import { createBlueskyAdapter } from '../../src/networks/bluesky.ts';
import { startPds, type TestAccount, type TestPds } from '../helpers/pds.ts';

/**
 * Bluesky metrics come from app.bsky.feed.getPosts, which a PDS hands to its AppView. The real PDS
 * here has none (no bskyAppViewUrl) and says so with 400 "No service configured": every post is then
 * "not reported", never zero. The AppView's answer shape is checked against a stand-in server.
 */
let pds: TestPds;
let alice: TestAccount;
let appView: Server;
let appViewUrl: string;
const seen: string[] = [];
const signal = new AbortController().signal;

beforeAll(async () => {
  pds = await startPds();
  alice = await pds.createAccount('alice');
  appView = createServer((req, res) => {
    seen.push(req.url ?? '');
    if (req.headers.authorization !== 'Bearer good')
      return res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"InvalidToken","message":"Bad token"}');
    const uris = new URL(req.url ?? '/', 'http://x').searchParams.getAll('uris');
    const posts = uris
      .filter((u) => !u.endsWith('/gone'))
      .map((uri, i) => ({ uri, cid: 'bafy', likeCount: 10 + i, repostCount: 2, quoteCount: 1, replyCount: 0 }));
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ posts }));
  });
  appView.listen(0, '127.0.0.1');
  await once(appView, 'listening');
  appViewUrl = `http://127.0.0.1:${(appView.address() as AddressInfo).port}`;
});

afterAll(async () => {
  appView?.close();
  await pds?.stop();
});

describe('Bluesky metrics', () => {
  it('on a PDS without an AppView: every post is "not reported" (an empty entry), not zero', async () => {
    const adapter = createBlueskyAdapter({ timeoutMs: 5000 });
    const uris = [`at://${alice.did}/app.bsky.feed.post/3aaa`, `at://${alice.did}/app.bsky.feed.post/3bbb`];
    const result = await adapter.metrics!({ accessToken: alice.accessJwt, accountId: alice.did, instanceUrl: pds.url }, uris, signal);
    expect([...result.entries()]).toEqual([
      [uris[0], {}],
      [uris[1], {}],
    ]);
  });

  it('through an AppView: likes, reposts + quotes, replies (a reported 0 stays 0); 25 uris a call; gone posts left out', async () => {
    const adapter = createBlueskyAdapter({ timeoutMs: 5000 });
    const uris = Array.from({ length: 30 }, (_, i) => `at://did:plc:abc/app.bsky.feed.post/3k${i}`);
    seen.length = 0;
    const result = await adapter.metrics!(
      { accessToken: 'good', accountId: 'did:plc:abc', instanceUrl: appViewUrl },
      [...uris, 'at://did:plc:abc/app.bsky.feed.post/gone'],
      signal,
    );
    expect(seen.map((u) => new URL(u, 'http://x').searchParams.getAll('uris').length)).toEqual([25, 6]);
    expect(result.get(uris[0]!)).toEqual({ likes: 10, reposts: 3, replies: 0 });
    expect(result.size).toBe(30);
  });

  it('a refused token still throws (auth), so it is not mistaken for "not reported"', async () => {
    const adapter = createBlueskyAdapter({ timeoutMs: 5000 });
    const error = await adapter.metrics!(
      { accessToken: 'bad', accountId: 'did:plc:abc', instanceUrl: appViewUrl },
      ['at://did:plc:abc/app.bsky.feed.post/3k'],
      signal,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).errorClass).toBe('auth');
  });
});
