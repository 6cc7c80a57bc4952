import { describe, expect, it } from 'vitest';
import { NetworkError, type PostMetrics } from '../../src/networks/adapter.ts';
import { createFacebookAdapter } from '../../src/networks/facebook.ts';
import { createInstagramAdapter } from '../../src/networks/instagram.ts';
import { createLinkedInAdapter } from '../../src/networks/linkedin.ts';
import { createMastodonAdapter } from '../../src/networks/mastodon.ts';
import { createThreadsAdapter } from '../../src/networks/threads.ts';
import { createXAdapter } from '../../src/networks/x.ts';
import { DEFAULT_METRICS_SEED, syntheticEngagement } from '../../emulators/engagement.ts';
import { startFacebookEmulator } from '../../emulators/facebook.ts';
import { startInstagramEmulator } from '../../emulators/instagram.ts';
import { startLinkedInEmulator } from '../../emulators/linkedin.ts';
import { startMastodonEmulator } from '../../emulators/mastodon.ts';
import { startThreadsEmulator } from '../../emulators/threads.ts';
import { startXEmulator } from '../../emulators/x.ts';

/**
 * Each adapter's metrics() against its emulator, whose numbers follow from a seed and the post id: the
 * expected counts are computed here with the same function, so every assertion is exact. A count the
 * network does not report must be absent (stored as "not reported"), a reported 0 must stay 0.
 */
const signal = new AbortController().signal;
const seeded = (id: string) => syntheticEngagement(DEFAULT_METRICS_SEED, id);
const using = async <E extends { stop(): Promise<void> }>(start: Promise<E>, body: (emu: E) => Promise<void>) => {
  const emu = await start;
  try {
    await body(emu);
  } finally {
    await emu.stop();
  }
};

describe('X: GET /2/tweets?ids=, 100 ids a call', () => {
  it('looks up 150 posts in 2 calls, with exact public metrics; impressions only on the account’s own posts', () =>
    using(startXEmulator(), async (emu) => {
      const t = emu.issueToken('42');
      const ids = Array.from({ length: 150 }, (_, i) => String(1_800_000_000_000_000_000n + BigInt(i)));
      ids.forEach((id, i) =>
        emu.posts.push({ id, text: `post ${i}`, authorId: i === 1 ? '77' : '42', replyTo: undefined, mediaIds: [], createdAt: new Date() }),
      );
      emu.engagement.set(ids[2]!, { likes: 0, replies: 0 });
      const adapter = createXAdapter({ baseUrl: emu.url, timeoutMs: 5000 });
      const result = await adapter.metrics!({ accessToken: t.accessToken, accountId: '42' }, [...ids, '1799999999999999999'], signal);

      const lookups = emu.requests.filter((r) => r.method === 'GET' && r.path === '/2/tweets');
      expect(lookups.map((r) => r.query.ids!.split(',').length)).toEqual([100, 51]);
      expect(lookups[0]!.query['tweet.fields']).toBe('public_metrics');
      expect(result.size).toBe(150); // the unknown id is left out
      const e = seeded(ids[0]!);
      expect(result.get(ids[0]!)).toEqual({ likes: e.likes, reposts: e.reposts + e.quotes, replies: e.replies, impressions: e.impressions });
      expect(result.get(ids[1]!)).not.toHaveProperty('impressions'); // another user's post: X gives no impression_count
      expect(result.get(ids[2]!)).toMatchObject({ likes: 0, replies: 0 });
    }));

  it('a rate limit throws rate_limited with X’s reset time', () =>
    using(startXEmulator(), async (emu) => {
      const t = emu.issueToken('42');
      emu.failNext({ kind: '429', match: 'GET /2/tweets', resetInSeconds: 120 });
      const adapter = createXAdapter({ baseUrl: emu.url, timeoutMs: 5000 });
      const error = await adapter.metrics!({ accessToken: t.accessToken, accountId: '42' }, ['1'], signal).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NetworkError);
      expect((error as NetworkError).errorClass).toBe('rate_limited');
      expect((error as NetworkError).retryAt!.getTime()).toBeGreaterThan(Date.now() + 100_000);
    }));
});

describe('Mastodon: GET /api/v1/statuses/:id', () => {
  it('reads favourites, reblogs and replies (a reported 0 stays 0); impressions are not reported', () =>
    using(startMastodonEmulator(), async (emu) => {
      const account = emu.createAccount('brand');
      const post = (text: string, replyTo?: string) => {
        const id = String(113_900_000_000_000_000n + BigInt(emu.posts.length));
        emu.posts.push({ id, text, accountId: account.accountId, replyTo, mediaIds: [], idempotencyKey: undefined, createdAt: new Date() });
        return id;
      };
      const first = post('first');
      post('a reply', first);
      const lonely = post('nobody answered');
      const adapter = createMastodonAdapter({ timeoutMs: 5000 });
      const creds = { accessToken: account.accessToken, accountId: account.accountId, instanceUrl: emu.url };
      const result = await adapter.metrics!(creds, [first, lonely, '999'], signal);
      expect(result.get(first)).toEqual({ likes: seeded(first).likes, reposts: seeded(first).reposts, replies: 1 });
      expect(result.get(lonely)).toEqual({ likes: seeded(lonely).likes, reposts: seeded(lonely).reposts, replies: 0 });
      expect(result.has('999')).toBe(false);
      expect(emu.requests.filter((r) => r.method === 'GET' && r.path.startsWith('/api/v1/statuses/'))).toHaveLength(3);
    }));
});

describe('LinkedIn', () => {
  const linkedInPost = (id: string, author: string) => ({
    id,
    author,
    commentary: id,
    text: id,
    visibility: 'PUBLIC',
    lifecycleState: 'PUBLISHED',
    imageUrns: [],
    article: undefined,
    version: '202610',
    createdAt: new Date(),
  });

  it('an organization’s posts: share statistics with impressions, in one call for shares and ugcPosts', () =>
    using(startLinkedInEmulator(), async (emu) => {
      const t = emu.issueToken('urn:li:organization:2414183');
      emu.posts.push(linkedInPost('urn:li:share:1', t.author), linkedInPost('urn:li:ugcPost:2', t.author));
      emu.engagement.set('urn:li:share:1', { impressions: 1240, likes: 38, replies: 0, reposts: 3 });
      const adapter = createLinkedInAdapter({ baseUrl: emu.url, timeoutMs: 5000 });
      const result = await adapter.metrics!({ accessToken: t.accessToken, accountId: t.author }, ['urn:li:share:1', 'urn:li:ugcPost:2'], signal);
      expect(result.get('urn:li:share:1')).toEqual({ impressions: 1240, likes: 38, replies: 0, reposts: 3 });
      const e = seeded('urn:li:ugcPost:2');
      expect(result.get('urn:li:ugcPost:2')).toEqual({ impressions: e.impressions, likes: e.likes, replies: e.replies, reposts: e.reposts });
      const calls = emu.requests.filter((r) => r.path === '/rest/organizationalEntityShareStatistics');
      expect(calls).toHaveLength(1);
      expect(calls[0]!.query).toMatchObject({ shares: 'List(urn:li:share:1)', ugcPosts: 'List(urn:li:ugcPost:2)' });
    }));

  it('a member’s posts: socialActions batch get, likes and comments only', () =>
    using(startLinkedInEmulator(), async (emu) => {
      const t = emu.issueToken('urn:li:person:abc');
      emu.posts.push(linkedInPost('urn:li:share:7', t.author));
      const adapter = createLinkedInAdapter({ baseUrl: emu.url, timeoutMs: 5000 });
      const result = await adapter.metrics!({ accessToken: t.accessToken, accountId: t.author }, ['urn:li:share:7', 'urn:li:share:8'], signal);
      expect([...result.keys()]).toEqual(['urn:li:share:7']);
      expect(result.get('urn:li:share:7')).toEqual({ likes: seeded('urn:li:share:7').likes, replies: seeded('urn:li:share:7').replies });
    }));
});

describe('Graph networks, one post a call', () => {
  it('Facebook: reactions, comments, shares; Graph omits shares nobody made, which reads as 0', () =>
    using(startFacebookEmulator(), async (emu) => {
      const t = emu.issueToken('500');
      for (const id of ['500_1', '500_2'])
        emu.posts.push({ id, pageId: '500', message: id, link: undefined, photoIds: [], version: 'v24.0', createdAt: new Date() });
      emu.engagement.set('500_1', { reposts: 4 });
      emu.engagement.set('500_2', { reposts: 0 });
      const adapter = createFacebookAdapter({ baseUrl: emu.url, timeoutMs: 5000 });
      const result = await adapter.metrics!({ accessToken: t.accessToken, accountId: '500' }, ['500_1', '500_2', '500_3'], signal);
      const e = seeded('500_1');
      expect(result.get('500_1')).toEqual({ likes: e.likes, replies: e.replies, reposts: 4 });
      expect(result.get('500_2')).toEqual({ likes: seeded('500_2').likes, replies: seeded('500_2').replies, reposts: 0 });
      expect(result.has('500_3')).toBe(false);
    }));

  it('Instagram: /{media-id}/insights views, likes, comments, shares', () =>
    using(startInstagramEmulator(), async (emu) => {
      const t = emu.issueToken('1789');
      emu.media.push({ id: '1790', userId: '1789', containerId: 'c', caption: 'x', mediaType: 'IMAGE', shortcode: 'abc', createdAt: new Date() });
      const adapter = createInstagramAdapter({ baseUrl: emu.url, timeoutMs: 5000 });
      const result = await adapter.metrics!({ accessToken: t.accessToken, accountId: '1789' }, ['1790'], signal);
      const e = seeded('1790');
      expect(result.get('1790')).toEqual({ impressions: e.impressions, likes: e.likes, replies: e.replies, reposts: e.reposts });
      expect(emu.requests.find((r) => r.path.endsWith('/1790/insights'))!.query.metric).toBe('views,likes,comments,shares');
    }));

  it('Threads: /{media-id}/insights views, likes, replies, reposts + quotes', () =>
    using(startThreadsEmulator(), async (emu) => {
      const t = emu.issueToken('31');
      emu.posts.push({ id: '3101', userId: '31', text: 'x', mediaType: 'TEXT', replyTo: undefined, containerId: 'c', shortcode: 'abc', createdAt: new Date() });
      const adapter = createThreadsAdapter({ baseUrl: emu.url, timeoutMs: 5000 });
      const result = await adapter.metrics!({ accessToken: t.accessToken, accountId: '31' }, ['3101', '3199'], signal);
      const e = seeded('3101');
      expect(result.get('3101')).toEqual({
        impressions: e.impressions,
        likes: e.likes,
        replies: e.replies,
        reposts: e.reposts + e.quotes,
      } satisfies PostMetrics);
      expect(result.has('3199')).toBe(false);
    }));
});
