import { describe, expect, it } from 'vitest';
import { partsOf, submit, waitForCardLabel, waitForDelivery, waitForPost, waitForReply, withStack } from '../helpers/engine.ts';

/**
 * Threads: each part is stored as it is published, a later attempt continues after the last stored
 * part (replying to it), and a failure mid-thread leaves what went out and says how far it got.
 */
const THREAD = 'Thread part one: the news.\n---\nThread part two: the details.\n---\nThread part three: the link.';
const PARTS = ['Thread part one: the news.', 'Thread part two: the details.', 'Thread part three: the link.'];
const creates = (requests: { method: string; path: string }[]) => requests.filter((r) => r.method === 'POST' && r.path === '/2/tweets');

describe.concurrent('delivery engine: threads', () => {
  it('a transient failure at part 2 resumes at part 2: three posts at X, each replying to the one before', () =>
    withStack({}, async (stack) => {
      stack.x.failNext({ kind: '5xx', after: 1 }); // part 1 goes through, part 2 gets a 503 once
      const postId = await submit(stack, { text: THREAD, networks: ['x'] });

      const d = await waitForDelivery(stack, postId, 'x', 'published');
      expect(d.attempts).toBe(2);
      expect(creates(stack.x.requests)).toHaveLength(4); // 1, 2 (503), then 2 and 3
      const posts = stack.x.posts;
      expect(posts.map((p) => p.text)).toEqual(PARTS);
      expect(posts.map((p) => p.replyTo)).toEqual([undefined, posts[0]!.id, posts[1]!.id]);
      const stored = await partsOf(stack, d.id);
      expect(stored.map((p) => [p.position, p.external_id])).toEqual(posts.map((p, i) => [i, p.id]));
      expect(d.external_id).toBe(posts[0]!.id);
      await waitForReply(stack, postId, 'published', (t) => t.startsWith('Published to X at ') && t.includes('(3 parts)'));
      await waitForPost(stack, postId, 'published');
    }));

  it('a permanent failure at part 2 keeps part 1, says "after 1 of 3 parts", and the post is derived from its deliveries', () =>
    withStack({}, async (stack) => {
      stack.x.failNext({ kind: 'rejected', after: 1 });
      const postId = await submit(stack, { text: THREAD, networks: ['x', 'mastodon'] });

      const x = await waitForDelivery(stack, postId, 'x', 'failed');
      expect(x.attempts).toBe(1);
      expect(creates(stack.x.requests)).toHaveLength(2);
      expect(stack.x.posts.map((p) => p.text)).toEqual([PARTS[0]]);
      expect((await partsOf(stack, x.id)).map((p) => p.external_id)).toEqual([stack.x.posts[0]!.id]);
      // Mastodon is its own delivery: the whole thread went out there.
      await waitForDelivery(stack, postId, 'mastodon', 'published');
      expect(stack.mastodon.posts.map((p) => p.text)).toEqual(PARTS);

      const reply = await waitForReply(stack, postId, 'the partial failure', (t) => t.startsWith('X failed'));
      expect(reply.text).toBe('X failed after 1 of 3 parts were published: You are not permitted to perform this action. (Forbidden)');
      await waitForPost(stack, postId, 'partially_published');
      await waitForCardLabel(stack, postId, 'Partly published');
      await waitForReply(stack, postId, 'published to Mastodon', (t) => t.startsWith('Published to Mastodon at ') && t.includes('(3 parts)'));
    }));

  it('a permanent failure at part 2 of the only delivery leaves the post failed', () =>
    withStack({}, async (stack) => {
      stack.x.failNext({ kind: 'rejected', after: 1 });
      const postId = await submit(stack, { text: THREAD, networks: ['x'] });
      await waitForDelivery(stack, postId, 'x', 'failed');
      await waitForPost(stack, postId, 'failed');
      await waitForReply(stack, postId, 'the partial failure', (t) => t.startsWith('X failed after 1 of 3 parts were published'));
      expect(stack.x.posts).toHaveLength(1);
    }));
});
