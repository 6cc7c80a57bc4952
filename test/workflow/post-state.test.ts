import { describe, expect, it } from 'vitest';
import { APPROVALS, MANAGER } from '../helpers/greenlight.ts';
import { deliveryOf, submit, threadOf, waitForCardLabel, waitForDelivery, waitForPost, waitForReply, waitUntil, withStack } from '../helpers/engine.ts';

/** The post's state follows from its deliveries, and the card says it. */
describe('delivery engine: post state derived from deliveries', () => {
  it('one network published and one failed is "Partly published"; Retry publishes the failed one and the post becomes published', () =>
    withStack({}, async (stack) => {
      stack.x.failNext({ kind: 'rejected' });
      const postId = await submit(stack, { text: 'Half of it went out.', networks: ['x', 'mastodon'] });

      await waitForDelivery(stack, postId, 'mastodon', 'published');
      const failed = await waitForDelivery(stack, postId, 'x', 'failed');
      await waitForPost(stack, postId, 'partially_published');
      await waitForCardLabel(stack, postId, 'Partly published');
      expect(stack.mastodon.posts).toHaveLength(1);
      expect(stack.x.posts).toHaveLength(0);

      const reply = await waitForReply(stack, postId, 'the X failure', (t) => t.startsWith('X failed'));
      const res = await stack.slack.clickButton({ userId: MANAGER, actionId: 'retry_delivery', channelId: APPROVALS, messageTs: reply.ts });
      expect(res.status).toBe(200);

      const done = await waitForDelivery(stack, postId, 'x', 'published');
      expect(done.id).toBe(failed.id);
      await waitForPost(stack, postId, 'published');
      await waitForCardLabel(stack, postId, 'Published');
      expect(stack.x.posts.map((p) => p.text)).toEqual(['Half of it went out.']);
      // Only the failed delivery was sent again.
      expect(stack.mastodon.posts).toHaveLength(1);
      expect((await deliveryOf(stack, postId, 'mastodon')).attempts).toBe(1);
      await waitForReply(stack, postId, 'published to X', (t) => t.startsWith('Published to X at '));
      expect(await threadOf(stack, postId)).toContain(`<@${MANAGER}> asked to retry X.`);

      // A second click on the same Retry changes nothing.
      await stack.slack.clickButton({ userId: MANAGER, actionId: 'retry_delivery', channelId: APPROVALS, messageTs: reply.ts });
      await waitUntil(stack, 'the refusal', () => stack.slack.ephemerals(MANAGER).find((e) => e.text.includes('X is not waiting for that any more')));
      expect((await deliveryOf(stack, postId, 'x')).state).toBe('published');
      expect(stack.x.posts).toHaveLength(1);
    }));
});
