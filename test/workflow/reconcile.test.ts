import { describe, expect, it } from 'vitest';
import { partsOf, submit, threadOf, waitForDelivery, waitForPost, waitForReply, withStack } from '../helpers/engine.ts';

const THREAD = 'Thread part one: the news.\n---\nThread part two: the details.\n---\nThread part three: the link.';
const PARTS = ['Thread part one: the news.', 'Thread part two: the details.', 'Thread part three: the link.'];

/**
 * An attempt whose outcome is unknown (the request reached the network, no answer came back) is
 * never simply sent again: X has no idempotency keys, so the next attempt looks at the account's
 * recent posts first; Mastodon gets the same Idempotency-Key, so the instance itself refuses a double.
 * Adapter timeouts are 500 ms here so the scenarios run quickly.
 */
const FAST = { adapterTimeoutMs: 500 };
const creates = (requests: { method: string; path: string }[], path: string) => requests.filter((r) => r.method === 'POST' && r.path === path);
const lookups = (requests: { method: string; path: string }[], path: string) => requests.filter((r) => r.method === 'GET' && r.path === path);

describe.concurrent('delivery engine: reconciliation after an unknown outcome', () => {
  it('X timeout after the post was created: the next attempt finds it in the recent posts and publishes nothing new', () =>
    withStack(FAST, async (stack) => {
      stack.x.failNext({ kind: 'timeout_after' });
      const postId = await submit(stack, { text: 'Did it go out? It did.', networks: ['x'] });

      const d = await waitForDelivery(stack, postId, 'x', 'published');
      expect(stack.x.posts).toHaveLength(1);
      expect(creates(stack.x.requests, '/2/tweets')).toHaveLength(1);
      expect(lookups(stack.x.requests, `/2/users/${stack.tokens.x.userId}/tweets`)).toHaveLength(1);
      expect(d.attempts).toBe(2);
      expect(d.external_id).toBe(stack.x.posts[0]!.id);
      expect(d.url).toContain(stack.x.posts[0]!.id);
      await waitForReply(stack, postId, 'published', (t) => t.startsWith('Published to X at ') && t.includes(stack.x.posts[0]!.id));
      await waitForPost(stack, postId, 'published');
    }));

  it('X timeout before the post was created: the lookup finds nothing, so it publishes, once', () =>
    withStack(FAST, async (stack) => {
      stack.x.failNext({ kind: 'timeout_before' });
      const postId = await submit(stack, { text: 'Lost on the way, sent again.', networks: ['x'] });

      const d = await waitForDelivery(stack, postId, 'x', 'published');
      expect(d.attempts).toBe(2);
      // The first request hung before the emulator created anything; after the lookup came up empty, one more create.
      expect(lookups(stack.x.requests, `/2/users/${stack.tokens.x.userId}/tweets`)).toHaveLength(1);
      expect(creates(stack.x.requests, '/2/tweets')).toHaveLength(2);
      expect(stack.x.posts.map((p) => p.text)).toEqual(['Lost on the way, sent again.']);
      expect(d.external_id).toBe(stack.x.posts[0]!.id);
      await waitForPost(stack, postId, 'published');
    }));

  it('Mastodon timeout after the status was created: retried with the same Idempotency-Key, one status', () =>
    withStack(FAST, async (stack) => {
      stack.mastodon.failNext({ kind: 'timeout_after' });
      const postId = await submit(stack, { text: 'Once is enough.', networks: ['mastodon'] });

      const d = await waitForDelivery(stack, postId, 'mastodon', 'published');
      const sent = stack.mastodon.requests.filter((r) => r.method === 'POST' && r.path === '/api/v1/statuses');
      expect(sent).toHaveLength(2);
      expect(sent.map((r) => r.headers['idempotency-key'])).toEqual([`${d.id}-0`, `${d.id}-0`]);
      expect(stack.mastodon.posts).toHaveLength(1);
      expect(d.external_id).toBe(stack.mastodon.posts[0]!.id);
      // The key makes the retry safe by itself: no lookup was needed.
      expect(stack.mastodon.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/statuses'))).toHaveLength(0);
      await waitForPost(stack, postId, 'published');
    }));

  it('Mastodon timeout after the status was created, then 429 until retries run out: a last lookup finds it, so it is published, not failed', () =>
    withStack(FAST, async (stack) => {
      stack.mastodon.failNext({ kind: 'timeout_after' });
      stack.mastodon.failNext({ kind: '429', times: 3, resetInSeconds: 0 });
      const postId = await submit(stack, { text: 'Live, though every retry was refused.', networks: ['mastodon'] });

      const d = await waitForDelivery(stack, postId, 'mastodon', 'published');
      expect(d.attempts).toBe(4);
      expect(stack.mastodon.posts).toHaveLength(1);
      expect(d.external_id).toBe(stack.mastodon.posts[0]!.id);
      // The account's statuses were read (newest first, paged back to the delivery's creation).
      expect(lookups(stack.mastodon.requests, `/api/v1/accounts/${stack.tokens.mastodon.accountId}/statuses`).length).toBeGreaterThan(0);
      await waitForReply(stack, postId, 'published', (t) => t.startsWith('Published to Mastodon at '));
      expect((await threadOf(stack, postId)).some((t) => t.includes('failed'))).toBe(false);
      await waitForPost(stack, postId, 'published');
    }));

  it('Mastodon: the same, but the last lookup is refused too: the team is asked, the delivery is never called failed', () =>
    withStack(FAST, async (stack) => {
      stack.mastodon.failNext({ kind: 'timeout_after' });
      stack.mastodon.failNext({ kind: '429', times: 3, resetInSeconds: 0 });
      stack.mastodon.failNext({ kind: '5xx', match: 'GET /api/v1/accounts/' });
      const postId = await submit(stack, { text: 'Nobody can tell whether this is live.', networks: ['mastodon'] });

      const d = await waitForDelivery(stack, postId, 'mastodon', 'unconfirmed');
      expect(stack.mastodon.posts).toHaveLength(1);
      expect(d.maybe_sent_at).not.toBeNull();
      const asked = await waitForReply(stack, postId, 'unconfirmed', (t) => t.startsWith('Mastodon: the network did not answer'));
      expect(JSON.stringify(asked.blocks)).toContain('confirm_live');
    }));

  it('Mastodon 429s without an earlier unknown outcome fail as before, without a lookup', () =>
    withStack(FAST, async (stack) => {
      stack.mastodon.failNext({ kind: '429', times: 4, resetInSeconds: 0 });
      const postId = await submit(stack, { text: 'Refused four times.', networks: ['mastodon'] });

      const d = await waitForDelivery(stack, postId, 'mastodon', 'failed');
      expect(d.attempts).toBe(4);
      expect(d.maybe_sent_at).toBeNull();
      expect(stack.mastodon.posts).toHaveLength(0);
      expect(lookups(stack.mastodon.requests, `/api/v1/accounts/${stack.tokens.mastodon.accountId}/statuses`)).toHaveLength(0);
      await waitForReply(stack, postId, 'failed', (t) => t.startsWith('Mastodon failed'));
    }));

  it('X thread, unknown outcome at part 2: the lookup finds part 2, part 3 replies to it', () =>
    withStack(FAST, async (stack) => {
      stack.x.failNext({ kind: 'timeout_after', after: 1 }); // part 2 is created, its answer never comes
      const postId = await submit(stack, { text: THREAD, networks: ['x'] });

      const d = await waitForDelivery(stack, postId, 'x', 'published');
      expect(creates(stack.x.requests, '/2/tweets')).toHaveLength(3);
      const posts = stack.x.posts;
      expect(posts.map((p) => p.text)).toEqual(PARTS);
      expect(posts.map((p) => p.replyTo)).toEqual([undefined, posts[0]!.id, posts[1]!.id]);
      expect((await partsOf(stack, d.id)).map((p) => p.external_id)).toEqual(posts.map((p) => p.id));
    }));
});
