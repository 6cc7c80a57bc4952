import { describe, expect, it } from 'vitest';
import { submit, waitForDelivery, withStack } from '../helpers/engine.ts';

/**
 * Deliveries are woken at their due time by the due alarm, not found by polling: with the workers
 * polling only once a minute, a delivery due in a few seconds is still published at its time.
 */
describe('delivery engine: the due alarm', () => {
  it('with workers polling every 60 s, deliveries due in a few seconds on two networks are published from their time on, within the 20 s this waits', () =>
    withStack({ env: () => ({ QUEUE_POLL_SECONDS: '60' }) }, async (stack) => {
      const due = new Date(Math.ceil((Date.now() + 4_000) / 1000) * 1000);
      const postId = await submit(stack, { text: 'Woken on time.', networks: ['x', 'mastodon'], when: due.toISOString().replace(/\.\d{3}Z$/, 'Z') });
      // Polling alone would find these jobs a minute after the workers last looked: the wait gives up first.
      for (const network of ['x', 'mastodon'] as const) {
        const delivery = await waitForDelivery(stack, postId, network, 'published', 20_000);
        expect(delivery.published_at!.getTime()).toBeGreaterThanOrEqual(due.getTime());
      }
    }));
});
