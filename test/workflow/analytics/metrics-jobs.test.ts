import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { METRIC_SLOTS, slotDueAt } from '../../../src/domain/metric-slots.ts';
import { syntheticEngagement } from '../../../emulators/engagement.ts';
import { scheduleMetrics } from '../../../src/workflow/analytics/schedule-metrics.ts';
import { deliveryOf, engineDeps, submit, waitForDelivery, waitForReply, waitUntil, withStack } from '../../helpers/engine.ts';
import type { Stack } from '../../helpers/greenlight.ts';
import { metricsJobs, wakeMetrics, waitForMetric } from '../../helpers/metrics.ts';

/**
 * The metrics schedule end to end: publishing plans four jobs in its own transaction; a job is run
 * early by moving its start_after in SQL (never by sleeping); the worker measures at the emulators and
 * stores rows in which "not reported" is NULL and a reported zero is 0.
 */
async function publishedTo(stack: Stack, text: string, networks: ('x' | 'mastodon')[]) {
  const postId = await submit(stack, { text, networks });
  const deliveries = [];
  for (const n of networks) deliveries.push(await waitForDelivery(stack, postId, n, 'published'));
  return { postId, deliveries };
}

const lookups = (stack: Stack) => stack.x.requests.filter((r) => r.method === 'GET' && r.path === '/2/tweets');

describe.concurrent('metrics jobs', () => {
  it('publishing queues jobs at +1 h, +6 h, +24 h and +7 d (rounded up to 5 minutes) in the same transaction', () =>
    withStack({}, async (stack) => {
      const {
        deliveries: [x],
      } = await publishedTo(stack, 'Measured four times.', ['x']);
      const jobs = await metricsJobs(stack, x!.id);
      expect(jobs.map((j) => [j.data.slot, j.state, j.start_after.toISOString()])).toEqual(
        METRIC_SLOTS.map((slot) => [slot, 'created', slotDueAt(x!.published_at!, slot).toISOString()]),
      );
      expect(jobs[0]!.start_after.getTime() - x!.published_at!.getTime()).toBeGreaterThanOrEqual(3_600_000);
      expect(jobs[0]!.start_after.getTime() - x!.published_at!.getTime()).toBeLessThan(3_600_000 + 300_000);
      // now() is the transaction's start: the jobs were created by the transaction that published the delivery.
      expect(jobs.every((j) => j.created_on.getTime() === x!.updated_at.getTime())).toBe(true);
    }));

  it('a due job stores exact counts; Mastodon’s impressions stay NULL (not reported), its 0 replies stay 0', () =>
    withStack({}, async (stack) => {
      const {
        deliveries: [x, mastodon],
      } = await publishedTo(stack, 'How did this do?', ['x', 'mastodon']);
      expect(await wakeMetrics(stack, [x!.id, mastodon!.id], '1h')).toBe(2);
      const xRow = await waitForMetric(stack, x!.id, '1h');
      const e = syntheticEngagement('greenlight', x!.external_id!);
      expect(xRow).toMatchObject({ network: 'x', likes: e.likes, reposts: e.reposts + e.quotes, replies: e.replies, impressions: e.impressions });
      const mRow = await waitForMetric(stack, mastodon!.id, '1h');
      const m = syntheticEngagement('greenlight', mastodon!.external_id!);
      expect(mRow).toMatchObject({ network: 'mastodon', likes: m.likes, reposts: m.reposts, replies: 0, impressions: null });
      // The row is committed a moment before pg-boss records the job complete: wait for that, not assume it.
      const done = await waitUntil(stack, 'the 1h job to complete', async () =>
        (await metricsJobs(stack, x!.id)).find((j) => j.data.slot === '1h' && j.state !== 'active' && j.state !== 'created'),
      );
      expect(done.state).toBe('completed');
    }));

  it('deliveries of one account due together are measured in one call', () =>
    withStack({}, async (stack) => {
      const posts = [];
      for (const text of ['Batch one.', 'Batch two.', 'Batch three.']) posts.push((await publishedTo(stack, text, ['x'])).deliveries[0]!);
      const before = lookups(stack).length;
      expect(
        await wakeMetrics(
          stack,
          posts.map((d) => d.id),
          '6h',
        ),
      ).toBe(3);
      for (const d of posts) await waitForMetric(stack, d.id, '6h');
      const calls = lookups(stack).slice(before);
      expect(calls).toHaveLength(1);
      expect(calls[0]!.query.ids!.split(',').sort()).toEqual(posts.map((d) => d.external_id).sort());
    }));

  it('deliveries recorded together share one job per slot, which measures them all', () =>
    withStack({}, async (stack) => {
      const posts = [];
      for (const text of ['Together one.', 'Together two.', 'Together three.']) posts.push((await publishedTo(stack, text, ['x'])).deliveries[0]!);
      const ids = posts.map((d) => d.id);
      // Their own jobs (one publish each) are replaced by the jobs of one recorded batch.
      await sql`DELETE FROM pgboss.job WHERE name = 'metrics'`.execute(stack.testDb.db);
      const publishedAt = new Date();
      await scheduleMetrics(
        stack.app.db,
        engineDeps(stack),
        ids.map((deliveryId) => ({ deliveryId, network: 'x' as const, publishedAt })),
      );
      const { rows } = await sql<{ data: { deliveryIds: string[]; slot: string }; start_after: Date }>`
        SELECT data, start_after FROM pgboss.job WHERE name = 'metrics' ORDER BY start_after`.execute(stack.testDb.db);
      expect(rows.map((r) => [r.data.slot, [...r.data.deliveryIds].sort(), r.start_after.toISOString()])).toEqual(
        METRIC_SLOTS.map((slot) => [slot, [...ids].sort(), slotDueAt(publishedAt, slot).toISOString()]),
      );
      const before = lookups(stack).length;
      expect(await wakeMetrics(stack, ids, '1h')).toBe(3);
      for (const d of posts) await waitForMetric(stack, d.id, '1h');
      expect(lookups(stack).slice(before)).toHaveLength(1);
    }));

  it('a job queued before batching (one deliveryId) is still measured', () =>
    withStack({}, async (stack) => {
      const {
        deliveries: [x],
      } = await publishedTo(stack, 'Queued the old way.', ['x']);
      await stack.app.queue.boss.insert('metrics', [
        { data: { deliveryId: x!.id, slot: '7d', attempt: 1 }, singletonKey: `${x!.id}:7d:old`, startAfter: new Date() },
      ]);
      const row = await waitForMetric(stack, x!.id, '7d');
      expect(row.network).toBe('x');
    }));

  it('a rate-limited lookup comes back at the network’s reset time, with nothing stored meanwhile', () =>
    withStack({}, async (stack) => {
      const {
        deliveries: [x],
      } = await publishedTo(stack, 'Too many lookups.', ['x']);
      stack.x.failNext({ kind: '429', match: 'GET /2/tweets', resetInSeconds: 900 });
      const wokenAt = Date.now();
      await wakeMetrics(stack, [x!.id], '1h');
      const retry = await waitUntil(stack, 'the 1h job to come back', async () =>
        (await metricsJobs(stack, x!.id)).find((j) => j.data.slot === '1h' && j.data.attempt === 2),
      );
      expect(retry.state).toBe('created');
      expect(retry.start_after.getTime()).toBeGreaterThanOrEqual(wokenAt + 890_000);
      expect(retry.start_after.getTime()).toBeLessThanOrEqual(Date.now() + 905_000);
      const stored = await stack.testDb.db.selectFrom('delivery_metrics').select('slot').where('delivery_id', '=', x!.id).execute();
      expect(stored).toEqual([]);
    }));

  it('after the 24 h measurement of the last network, the thread gets the summary line with the best network', () =>
    withStack({}, async (stack) => {
      const {
        postId,
        deliveries: [x, mastodon],
      } = await publishedTo(stack, 'Launch day!', ['x', 'mastodon']);
      stack.x.engagement.set(x!.external_id!, { impressions: 5100, likes: 50, reposts: 8, quotes: 2, replies: 1 });
      stack.mastodon.engagement.set(mastodon!.external_id!, { likes: 70, reposts: 2 });
      await wakeMetrics(stack, [x!.id], '24h');
      await waitForMetric(stack, x!.id, '24h');
      const summaries = () => stack.testDb.db.selectFrom('events').select('id').where('post_id', '=', postId).where('kind', '=', 'metrics_summary').execute();
      // Mastodon's 24 h measurement may share X's job (metrics jobs are per recorded batch and slot): a summary
      // this early is allowed only once Mastodon has been measured too.
      const early = await summaries();
      const mastodonMeasured = await stack.testDb.db
        .selectFrom('delivery_metrics')
        .select('slot')
        .where('delivery_id', '=', mastodon!.id)
        .where('slot', '=', '24h')
        .execute();
      if (early.length > 0) expect(mastodonMeasured).toHaveLength(1);

      await wakeMetrics(stack, [mastodon!.id], '24h');
      const reply = await waitForReply(stack, postId, 'the 24 h summary', (t) => t.startsWith('After 24 hours'));
      expect(reply.text).toBe(
        'After 24 hours: X 5,100 impressions · 61 engagements; Mastodon 72 engagements (no impressions reported). Best: Mastodon (72 engagements).',
      );
      expect(await summaries()).toHaveLength(1);
      // A second 24 h job (a duplicate wake-up) changes nothing.
      await sql`DELETE FROM delivery_metrics WHERE delivery_id = ${x!.id} AND slot = '24h'`.execute(stack.testDb.db);
      await stack.app.queue.sendMetrics(stack.app.db, [{ deliveryIds: [x!.id], slot: '24h', attempt: 1, at: new Date() }]);
      await waitForMetric(stack, x!.id, '24h');
      expect(await summaries()).toHaveLength(1);
      expect((await deliveryOf(stack, postId, 'x')).state).toBe('published');
    }));
});
