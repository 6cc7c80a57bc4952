import { describe, expect, it } from 'vitest';
import { partsOf, submit, waitForDelivery, waitForPost, waitForReply, withStack } from '../helpers/engine.ts';

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
