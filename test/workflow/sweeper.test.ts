import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { sweep } from '../../src/workflow/delivery/sweep.ts';
import {
  deliveryOf,
  engineDeps,
  isoIn,
  postToMastodon,
  postToX,
  publishJobs,
  submit,
  waitForDelivery,
  waitForPost,
  waitForReply,
  withStack,
} from '../helpers/engine.ts';

/**
 * The sweeper is the safety net: it recovers attempts whose worker died (stuck in `sending`) and
 * re-enqueues due deliveries whose job is gone. Time is moved in the rows, not waited for; sweep()
 * is called directly, as its minutely job would.
 */
describe.concurrent('delivery engine: sweeper', () => {
  it('recovers deliveries stuck in sending and reconciles them: what the dead worker published is not published again', () =>
    withStack({}, async (stack) => {
      const text = 'The worker died mid-call.';
      const postId = await submit(stack, { text, networks: ['x', 'mastodon'], when: isoIn(3_600_000) });
      const x = await deliveryOf(stack, postId, 'x');
      const mastodon = await deliveryOf(stack, postId, 'mastodon');

      // A worker claimed both, sent them, and died before recording anything: the networks have the posts.
      const db = stack.testDb.db;
      const deps = engineDeps(stack);
      const staleSeconds = deps.publish.stuckAfterMs / 1000 + 60;
      await sql`UPDATE deliveries SET state = 'sending', attempts = 1, due_at = now(), sending_started_at = now() - make_interval(secs => ${staleSeconds}) WHERE post_id = ${postId}`.execute(
        db,
      );
      await sql`UPDATE posts SET state = 'publishing' WHERE id = ${postId}`.execute(db);
      const xId = await postToX(stack, text);
      const mastodonId = await postToMastodon(stack, text, `${mastodon.id}-0`);

      // A delivery that is sending but not yet stale is left alone.
      const freshId = await submit(stack, { text: 'Still being sent.', networks: ['x'], when: isoIn(3_600_000) });
      await sql`UPDATE deliveries SET state = 'sending', attempts = 1, sending_started_at = now() WHERE post_id = ${freshId}`.execute(db);

      expect(await sweep(deps)).toEqual({ requeued: 0, recovered: 2, receipts: 0, moved: 0 });
      const recovered = await deliveryOf(stack, postId, 'x');
      expect(recovered.last_error).toMatchObject({ class: 'unknown_outcome' });

      const xDone = await waitForDelivery(stack, postId, 'x', 'published');
      const mastodonDone = await waitForDelivery(stack, postId, 'mastodon', 'published');
      // X has no idempotency key: the lookup found the post. Mastodon: the same key returned the same status.
      expect(stack.x.posts.map((p) => p.id)).toEqual([xId]);
      expect(xDone.external_id).toBe(xId);
      expect(xDone.attempts).toBe(2);
      expect(stack.x.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/tweets'))).toHaveLength(1);
      expect(stack.mastodon.posts.map((p) => p.id)).toEqual([mastodonId]);
      expect(mastodonDone.external_id).toBe(mastodonId);
      expect(x.id).toBe(xDone.id);
      await waitForPost(stack, postId, 'published');
      await waitForReply(stack, postId, 'published to X', (t) => t.startsWith('Published to X'));
      await waitForReply(stack, postId, 'published to Mastodon', (t) => t.startsWith('Published to Mastodon'));

      expect((await deliveryOf(stack, freshId, 'x')).state).toBe('sending');
    }));

  it('re-enqueues a due delivery whose job was deleted, and it is published once', () =>
    withStack({}, async (stack) => {
      const postId = await submit(stack, { text: 'My job got lost.', networks: ['mastodon'], when: isoIn(3_600_000) });
      const d = await deliveryOf(stack, postId, 'mastodon');
      const db = stack.testDb.db;
      const deleted = await sql`DELETE FROM pgboss.job WHERE name LIKE 'publish%' AND singleton_key = ${d.id}`.execute(db);
      expect(Number(deleted.numAffectedRows)).toBe(1);
      // Its time came and went a minute ago, with no job to notice.
      await sql`UPDATE deliveries SET due_at = now() - interval '60 seconds' WHERE id = ${d.id}`.execute(db);
      await sql`UPDATE posts SET publish_at = now() - interval '60 seconds' WHERE id = ${postId}`.execute(db);

      expect(await publishJobs(stack, d.id)).toEqual([]);
      const deps = engineDeps(stack);
      expect(await sweep(deps)).toEqual({ requeued: 1, recovered: 0, receipts: 0, moved: 0 });
      expect((await publishJobs(stack, d.id)).length).toBe(1);

      const done = await waitForDelivery(stack, postId, 'mastodon', 'published');
      expect(done.attempts).toBe(1);
      expect(stack.mastodon.posts.map((p) => p.text)).toEqual(['My job got lost.']);
      await waitForPost(stack, postId, 'published');
      // Published deliveries are not due any more: a later sweep finds nothing.
      expect(await sweep(deps)).toEqual({ requeued: 0, recovered: 0, receipts: 0, moved: 0 });
    }));

  it('moves a waiting job of the publish queues before issue 18 (stately) to the standard queue, and the delivery is published once', () =>
    withStack({}, async (stack) => {
      const postId = await submit(stack, { text: 'Queued before the upgrade.', networks: ['mastodon'], when: isoIn(3_600_000) });
      const d = await deliveryOf(stack, postId, 'mastodon');
      const db = stack.testDb.db;
      // An older version's database: the job sits in `publish-mastodon`, a stately queue.
      const boss = stack.app.queue.boss;
      await sql`DELETE FROM pgboss.job WHERE name LIKE 'publish%' AND singleton_key = ${d.id}`.execute(db);
      if (!(await boss.getQueue('publish-mastodon'))) await boss.createQueue('publish-mastodon', { policy: 'stately' });
      await boss.insert('publish-mastodon', [{ data: { deliveryId: d.id }, singletonKey: d.id, startAfter: d.due_at }]);

      const deps = engineDeps(stack);
      expect(await sweep(deps)).toEqual({ requeued: 0, recovered: 0, receipts: 0, moved: 1 });
      const { rows } = await sql<{ name: string; state: string; start_after: Date }>`
        SELECT name, state, start_after FROM pgboss.job WHERE singleton_key = ${d.id}`.execute(db);
      expect(rows).toEqual([{ name: 'publish-v2-mastodon', state: 'created', start_after: d.due_at }]);
      expect(await sweep(deps)).toEqual({ requeued: 0, recovered: 0, receipts: 0, moved: 0 });

      // Its time comes (moved in the rows): the moved job publishes it, once.
      await sql`UPDATE deliveries SET due_at = now() WHERE id = ${d.id}`.execute(db);
      await sql`UPDATE posts SET publish_at = now() WHERE id = ${postId}`.execute(db);
      await sql`UPDATE pgboss.job SET start_after = now() WHERE singleton_key = ${d.id}`.execute(db);
      const done = await waitForDelivery(stack, postId, 'mastodon', 'published');
      expect(done.attempts).toBe(1);
      expect(stack.mastodon.posts.map((p) => p.text)).toEqual(['Queued before the upgrade.']);
    }));
});
