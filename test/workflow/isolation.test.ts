import { describe, expect, it } from 'vitest';
import { deliveryOf, submit, waitForDelivery, waitUntil, withStack } from '../helpers/engine.ts';

/**
 * Per-network isolation: each network has its own publish queue and slots, so X hanging on every
 * call cannot hold back a Mastodon delivery due at the same time. Asserted on order, not durations:
 * Mastodon is published while every X call is still unanswered.
 */
describe('delivery engine: one slow network never delays another', () => {
  it('with X hanging and X deliveries queued, a Mastodon delivery due at the same time is published at once', () =>
    withStack({ adapterTimeoutMs: 30_000, env: () => ({ PUBLISH_CONCURRENCY: '4' }) }, async (stack) => {
      stack.x.latencyMs = 12_000; // every X call hangs this long before X answers
      const xPosts = [];
      for (let i = 1; i <= 6; i++) xPosts.push(await submit(stack, { text: `Slow lane post ${i}.`, networks: ['x'] }));
      const tweetCalls = () => stack.x.requests.filter((r) => r.method === 'POST' && r.path === '/2/tweets').length;
      // X's slots are busy with calls that have not been answered (with one shared pool, these would hold every slot).
      await waitUntil(stack, 'X calls to be in flight', () => tweetCalls() >= 1);

      const fastId = await submit(stack, { text: 'Fast lane post.', networks: ['mastodon'] });
      const fast = await waitForDelivery(stack, fastId, 'mastodon', 'published');
      expect(fast.attempts).toBe(1);
      expect(stack.mastodon.posts.map((p) => p.text)).toEqual(['Fast lane post.']);
      // ... while not one X call has been answered yet, and every X delivery is still waiting or sending.
      expect(stack.x.posts).toHaveLength(0);
      const xStates = await Promise.all(xPosts.map(async (id) => (await deliveryOf(stack, id, 'x')).state));
      expect(xStates.every((s) => s === 'pending' || s === 'sending')).toBe(true);
      expect(xStates.filter((s) => s === 'sending').length).toBeGreaterThanOrEqual(1);
    }));
});
