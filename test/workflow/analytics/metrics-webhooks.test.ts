import { describe, expect, it } from 'vitest';
import { verifySignature } from '../../../src/crypto/webhook-signature.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../../../emulators/webhook-receiver.ts';
import { submit, waitForDelivery, waitForReply, waitUntil, withStack } from '../../helpers/engine.ts';
import { ADMIN, CHANNEL, type Stack } from '../../helpers/greenlight.ts';
import { metricsJobs, wakeMetrics, waitForMetric } from '../../helpers/metrics.ts';

/**
 * Outgoing webhooks carry every stored measurement: one `metrics_measured` event per delivery and
 * slot (1 h, 6 h, 24 h, 7 d) with the counts as stored, null for "not reported". Jobs are made due by
 * moving their start time in SQL; the events reach a real HTTP receiver, signed.
 */
type Body = { id: string; type: string; post_id: string; delivery_id: string; data: Record<string, unknown> };

async function subscribe(stack: Stack, receiver: WebhookReceiver, events: string): Promise<string> {
  const before = stack.slack.ephemerals(ADMIN).length;
  await stack.slack.slashCommand({ command: '/greenlight', text: `webhooks add ${receiver.url} ${events}`, userId: ADMIN, channelId: CHANNEL });
  const answer = await stack.slack.waitFor(
    () =>
      stack.slack
        .ephemerals(ADMIN)
        .slice(before)
        .find((e) => e.text.includes('Signing secret')),
    { what: 'the signing secret' },
  );
  return /(whsec_[A-Za-z0-9_-]+)/.exec(answer.text)![1]!;
}

const bodies = (receiver: WebhookReceiver) => receiver.accepted.map((r) => JSON.parse(r.body) as Body);
const measured = (receiver: WebhookReceiver) => bodies(receiver).filter((b) => b.type === 'metrics_measured');

describe.concurrent('metrics in outgoing webhooks', () => {
  it('each measurement (1 h, 6 h, 24 h, 7 d) of each delivery is one signed event with its counts; not reported is null, never 0', () =>
    withStack({}, async (stack) => {
      const receiver = await startWebhookReceiver('/metrics');
      try {
        const secret = await subscribe(stack, receiver, 'metrics_*');
        const postId = await submit(stack, { text: 'Measure me everywhere.', networks: ['x', 'mastodon'] });
        const x = await waitForDelivery(stack, postId, 'x', 'published');
        const mastodon = await waitForDelivery(stack, postId, 'mastodon', 'published');
        stack.x.engagement.set(x.external_id!, { impressions: 5100, likes: 50, reposts: 8, quotes: 2, replies: 1 });
        stack.mastodon.engagement.set(mastodon.external_id!, { likes: 14, reposts: 3 });

        await wakeMetrics(stack, [x.id, mastodon.id], '1h');
        await receiver.waitFor(() => measured(receiver).length >= 2, 'the two 1 h events');
        const first = measured(receiver);
        const xEvent = first.find((b) => b.delivery_id === x.id)!;
        expect(xEvent).toMatchObject({
          post_id: postId,
          data: {
            network: 'x',
            slot: '1h',
            externalId: x.external_id,
            publishedAt: x.published_at!.toISOString(),
            likes: 50,
            reposts: 10,
            replies: 1,
            impressions: 5100,
          },
        });
        expect(first.find((b) => b.delivery_id === mastodon.id)).toMatchObject({
          post_id: postId,
          data: { network: 'mastodon', slot: '1h', likes: 14, reposts: 3, replies: 0, impressions: null },
        });
        expect(Date.parse(String(xEvent.data.measuredAt))).toBeGreaterThan(x.published_at!.getTime());
        for (const r of receiver.accepted) {
          expect(r.headers['greenlight-event']).toBe('metrics_measured');
          expect(verifySignature(secret, r.body, String(r.headers['greenlight-signature']), new Date())).toBe(true);
        }

        // Later slots: the numbers have grown; X refuses the 7-day lookup outright, so that one is "not reported".
        stack.x.engagement.set(x.external_id!, { impressions: 9000, likes: 70, reposts: 8, quotes: 2, replies: 1 });
        for (const slot of ['6h', '24h'] as const) {
          await wakeMetrics(stack, [x.id, mastodon.id], slot);
          for (const d of [x, mastodon]) await waitForMetric(stack, d.id, slot);
        }
        stack.x.failNext({ kind: 'rejected', match: 'GET /2/tweets' });
        await wakeMetrics(stack, [x.id, mastodon.id], '7d');
        await receiver.waitFor(
          () => measured(receiver).length >= 8 && bodies(receiver).some((b) => b.type === 'metrics_summary'),
          'eight measurements and the summary',
        );

        const seen = measured(receiver)
          .map((b) => `${b.data.network} ${String(b.data.slot)}`)
          .sort();
        expect(seen).toEqual(['mastodon 1h', 'mastodon 24h', 'mastodon 6h', 'mastodon 7d', 'x 1h', 'x 24h', 'x 6h', 'x 7d']);
        const xAt = (slot: string) => measured(receiver).find((b) => b.delivery_id === x.id && b.data.slot === slot)!.data;
        expect(xAt('24h')).toMatchObject({ likes: 70, reposts: 10, replies: 1, impressions: 9000 });
        expect(xAt('7d')).toMatchObject({ likes: null, reposts: null, replies: null, impressions: null });
        // What the webhook said is what was stored.
        const stored = await stack.testDb.db
          .selectFrom('delivery_metrics')
          .select(['delivery_id', 'slot', 'likes', 'reposts', 'replies', 'impressions'])
          .where('delivery_id', 'in', [x.id, mastodon.id])
          .execute();
        expect(stored).toHaveLength(8);
        for (const row of stored) {
          const sent = measured(receiver).find((b) => b.delivery_id === row.delivery_id && b.data.slot === row.slot)!.data;
          expect([sent.likes, sent.reposts, sent.replies, sent.impressions]).toEqual(
            [row.likes, row.reposts, row.replies, row.impressions].map((v) => (v === null ? null : Number(v))),
          );
        }
        // No thread message per measurement: the thread gets the one summary.
        await waitForReply(stack, postId, 'the 24 h summary', (t) => t.startsWith('After 24 hours'));
        const receipts = await stack.testDb.db
          .selectFrom('thread_receipts as r')
          .innerJoin('events as e', 'e.id', 'r.event_id')
          .select('e.kind')
          .where('r.post_id', '=', postId)
          .execute();
        expect(receipts.map((r) => r.kind)).toContain('metrics_summary');
        expect(receipts.map((r) => r.kind)).not.toContain('metrics_measured');
      } finally {
        await receiver.stop();
      }
    }));

  it('a slot measured again (a duplicate wake-up) stores nothing and sends nothing; other subscriptions do not get metrics', () =>
    withStack({}, async (stack) => {
      const metrics = await startWebhookReceiver('/metrics');
      const deliveries = await startWebhookReceiver('/deliveries');
      try {
        await subscribe(stack, metrics, 'metrics_measured');
        await subscribe(stack, deliveries, 'delivery_*');
        const postId = await submit(stack, { text: 'Measured once per slot.', networks: ['x'] });
        const x = await waitForDelivery(stack, postId, 'x', 'published');
        await wakeMetrics(stack, [x.id], '1h');
        await metrics.waitFor(() => measured(metrics).length >= 1, 'the 1 h event');

        await stack.app.queue.sendMetrics(stack.app.db, [{ deliveryIds: [x.id], slot: '1h', attempt: 1, at: new Date() }]);
        await waitUntil(stack, 'the duplicate job to finish', async () => {
          const jobs = (await metricsJobs(stack, x.id)).filter((j) => j.data.slot === '1h');
          return jobs.length === 2 && jobs.every((j) => j.state === 'completed');
        });
        const events = await stack.testDb.db.selectFrom('events').select('id').where('delivery_id', '=', x.id).where('kind', '=', 'metrics_measured').execute();
        expect(events).toHaveLength(1);
        const logged = await stack.testDb.db.selectFrom('webhook_deliveries').select('id').where('event_id', '=', Number(events[0]!.id)).execute();
        expect(logged).toHaveLength(1);
        expect(measured(metrics)).toHaveLength(1);

        await deliveries.waitFor(() => bodies(deliveries).some((b) => b.type === 'delivery_published'), 'delivery_published');
        expect(bodies(deliveries).map((b) => b.type)).not.toContain('metrics_measured');
      } finally {
        await Promise.all([metrics.stop(), deliveries.stop()]);
      }
    }));
});
