import { describe, expect, it } from 'vitest';
import { updateWorkspaceSettings } from '../../src/db/workspaces.ts';
import { createBatches } from '../../src/workflow/delivery/batches.ts';
import { submitPost } from '../../src/workflow/submit-post.ts';
import { AUTHOR, CHANNEL } from '../helpers/greenlight.ts';
import {
  approve,
  clickCard,
  deliveriesOf,
  deliveryOf,
  engineDeps,
  isoIn,
  publishJobs,
  startSecondInstance,
  submit,
  threadOf,
  waitForDelivery,
  waitForJobDone,
  waitForNotifyDrained,
  waitForPost,
  waitForReply,
  waitUntil,
  wakeJobNow,
  withStack,
} from '../helpers/engine.ts';

/**
 * The author's buttons against the publish worker, and two worker processes against each other.
 * Every claim is a guarded UPDATE, so whichever comes second changes nothing.
 */
describe.concurrent('delivery engine: races', () => {
  it('cancel while scheduled: the delivery is skipped and its job, when it wakes, publishes nothing', () =>
    withStack({}, async (stack) => {
      const postId = await submit(stack, { text: 'Next week’s launch.', networks: ['mastodon', 'x'], when: isoIn(3_600_000) });
      const before = await deliveriesOf(stack, postId);
      expect(before.map((d) => d.state)).toEqual(['pending', 'pending']);

      const res = await clickCard(stack, postId, 'cancel');
      expect(res.status).toBe(200);
      await waitForPost(stack, postId, 'canceled');
      expect((await deliveriesOf(stack, postId)).map((d) => d.state)).toEqual(['skipped', 'skipped']);

      // Their jobs still exist; wake them now, as if the hour had passed, and let them finish.
      for (const d of before) await waitForJobDone(stack, await wakeJobNow(stack, d.id));
      expect(stack.mastodon.posts).toHaveLength(0);
      expect(stack.x.posts).toHaveLength(0);
      expect((await deliveriesOf(stack, postId)).map((d) => [d.state, d.attempts])).toEqual([
        ['skipped', 0],
        ['skipped', 0],
      ]);
      await waitForReply(stack, postId, 'canceled', (t) => t === `Canceled by <@${AUTHOR}>.`);
    }));

  it('cancel after publishing started is refused with the reason, and the post goes out once', () =>
    withStack({ adapterTimeoutMs: 10_000 }, async (stack) => {
      stack.mastodon.latencyMs = 2_000; // holds the delivery in `sending`
      const postId = await submit(stack, { text: 'Too late to stop.', networks: ['mastodon'] });
      await waitForDelivery(stack, postId, 'mastodon', 'sending');
      await waitForPost(stack, postId, 'publishing');

      await clickCard(stack, postId, 'cancel');
      const refusal = await waitUntil(stack, 'the refusal', () => stack.slack.ephemerals(AUTHOR).find((e) => e.text.includes('cancel')));
      expect(refusal.text).toBe('⚠️ Publishing has already started, so it cannot be canceled: what went out stays out.');

      await waitForDelivery(stack, postId, 'mastodon', 'published');
      await waitForPost(stack, postId, 'published');
      expect(stack.mastodon.posts.map((p) => p.text)).toEqual(['Too late to stop.']);
      expect(await threadOf(stack, postId)).not.toContain(`Canceled by <@${AUTHOR}>.`);
    }));

  it('reschedule: the old time publishes nothing, the delivery goes out at the new time only', () =>
    withStack({}, async (stack) => {
      const postId = await submit(stack, { text: 'Moving target.', networks: ['mastodon'], when: isoIn(3_600_000) });
      const first = await deliveryOf(stack, postId, 'mastodon');

      // Later: to a time two hours out. Approval is given to content and time, so it is asked again.
      const later = new Date(Math.floor((Date.now() + 7_200_000) / 1000) * 1000);
      await reschedule(stack, postId, later.toISOString().replace('.000Z', 'Z'));
      await waitForPost(stack, postId, 'in_review');
      expect(await deliveriesOf(stack, postId)).toEqual([]); // the unsent delivery went with the old approval
      await approve(stack, postId);
      const second = await deliveryOf(stack, postId, 'mastodon');
      expect(second.id).not.toBe(first.id);
      expect(second.due_at.toISOString()).toBe(later.toISOString());
      expect((await publishJobs(stack, second.id)).map((j) => [j.state, j.start_after.toISOString()])).toEqual([['created', later.toISOString()]]);

      // Earlier: to a few seconds from now.
      const soon = new Date(Math.floor((Date.now() + 4_000) / 1000) * 1000 + 1_000);
      await reschedule(stack, postId, soon.toISOString().replace('.000Z', 'Z'));
      await waitForPost(stack, postId, 'in_review');
      await approve(stack, postId);
      const third = await deliveryOf(stack, postId, 'mastodon');

      // The jobs of the old times wake (now, instead of in an hour or two) and find nothing to do.
      for (const old of [first, second]) await waitForJobDone(stack, await wakeJobNow(stack, old.id));
      expect(stack.mastodon.posts).toHaveLength(0);

      const done = await waitForDelivery(stack, postId, 'mastodon', 'published');
      expect(done.id).toBe(third.id);
      expect(done.due_at.toISOString()).toBe(soon.toISOString());
      expect(done.published_at!.getTime()).toBeGreaterThanOrEqual(soon.getTime());
      expect(stack.mastodon.posts).toHaveLength(1);
      expect(stack.mastodon.posts[0]!.createdAt.getTime()).toBeGreaterThanOrEqual(soon.getTime());
      await waitForPost(stack, postId, 'published');
      await waitForReply(stack, postId, 'published', (t) => t.startsWith('Published to Mastodon'));
      expect((await threadOf(stack, postId)).filter((t) => t.includes('moved the publish time'))).toHaveLength(2);
    }));

  it('publish now moves the waiting job to now instead of adding a second one', () =>
    withStack({}, async (stack) => {
      const postId = await submit(stack, { text: 'Why wait?', networks: ['x'], when: isoIn(3_600_000) });
      const d = await deliveryOf(stack, postId, 'x');
      const [job] = await publishJobs(stack, d.id);

      await clickCard(stack, postId, 'publish_now');
      await waitForDelivery(stack, postId, 'x', 'published');
      expect(stack.x.posts.map((p) => p.text)).toEqual(['Why wait?']);
      const jobs = await publishJobs(stack, d.id);
      expect(jobs.map((j) => j.id)).toEqual([job!.id]);
      await waitForPost(stack, postId, 'published');
    }));

  it('two wake-ups of one delivery in the same claim batch: only one of them gets the delivery', () =>
    withStack({}, async (stack) => {
      const postId = await submit(stack, { text: 'Claimed once.', networks: ['mastodon'], when: isoIn(3_600_000) });
      const d = await deliveryOf(stack, postId, 'mastodon');
      // Due now (its own job still sleeps for an hour); two jobs ask for it in the same turn.
      await stack.testDb.db
        .updateTable('deliveries')
        .set({ due_at: new Date(Date.now() - 1_000) })
        .where('id', '=', d.id)
        .execute();
      const batches = createBatches(engineDeps(stack));
      const results = await Promise.all([batches.claim({ id: d.id, postId }), batches.claim({ id: d.id, postId })]);
      expect(results.map((r) => r.claimed?.id)).toEqual([d.id, undefined]);
      expect((await deliveryOf(stack, postId, 'mastodon')).attempts).toBe(1);
    }));

  it(
    'two Greenlight processes on one database publish a burst of 50 deliveries exactly once each',
    () =>
      withStack({}, async (stack) => {
        const second = await startSecondInstance(stack);
        try {
          const deps = engineDeps(stack);
          await updateWorkspaceSettings(stack.app.db, stack.workspaceId, { approvals_required: 0 });
          const when = isoIn(3_000); // all fall due together
          const texts = Array.from({ length: 25 }, (_, i) => `Burst post number ${i + 1}.`);
          const postIds: string[] = [];
          for (const text of texts) {
            const result = await submitPost(
              deps,
              { workspaceId: stack.workspaceId, userId: AUTHOR },
              { text, accountIds: [stack.accounts.x, stack.accounts.mastodon], variants: {}, media: [], when, zone: 'Europe/Berlin', note: null },
              CHANNEL,
            );
            if (!result.ok) throw new Error(JSON.stringify(result));
            postIds.push(result.postId);
          }
          const deliveries = (await Promise.all(postIds.map((id) => deliveriesOf(stack, id)))).flat();
          expect(deliveries).toHaveLength(50);
          // Two extra wake-ups for every delivery, without the singleton key and ahead of the regular jobs
          // (priority), fetched side by side into the same batches: workers are sure to go for the same
          // delivery at the same moment, and only the guarded claim keeps it to one attempt.
          for (const d of deliveries) {
            for (let i = 0; i < 2; i++) await second.queue.boss.send('publish', { deliveryId: d.id }, { startAfter: d.due_at, priority: 1 });
          }

          await waitUntil(
            stack,
            'every delivery to be published',
            async () => {
              const rows = await stack.testDb.db.selectFrom('deliveries').select('state').execute();
              return rows.length === 50 && rows.every((r) => r.state === 'published');
            },
            45_000,
          );
          for (const network of ['x', 'mastodon'] as const) {
            const posts = stack[network].posts.map((p) => p.text).sort();
            expect(posts).toEqual([...texts].sort());
          }
          const after = await stack.testDb.db.selectFrom('deliveries').select(['id', 'attempts', 'external_id']).execute();
          expect(after.filter((d) => d.attempts !== 1)).toEqual([]); // claimed once each
          expect(new Set(after.map((d) => d.external_id)).size).toBe(50);
          for (const id of postIds) await waitForPost(stack, id, 'published');
          // One network call per delivery: two wake-ups of one delivery fetched into the same batch once
          // both got the batch's claim, and Mastodon saw the same Idempotency-Key twice (and the thread
          // two receipts: issue 6).
          const creates = stack.mastodon.requests.filter((r) => r.method === 'POST' && r.path === '/api/v1/statuses');
          expect(creates).toHaveLength(25);
          // One receipt per delivery, however many workers woke for it.
          await waitUntil(
            stack,
            'the 50 receipts',
            () => stack.slack.callsTo('chat.postMessage').filter((c) => String(c.args.text).startsWith('Published to')).length >= 50,
          );
          await waitForNotifyDrained(stack);
          expect(stack.slack.callsTo('chat.postMessage').filter((c) => String(c.args.text).startsWith('Published to'))).toHaveLength(50);
          const published = async (app: typeof second) =>
            (await app.metrics.deliveries.get()).values.filter((v) => v.labels.outcome === 'published').reduce((n, v) => n + v.value, 0);
          expect((await published(stack.app)) + (await published(second))).toBe(50);
        } finally {
          await second.stop();
        }
      }),
    60_000,
  );
});

async function reschedule(stack: Parameters<typeof clickCard>[0], postId: string, when: string): Promise<void> {
  await clickCard(stack, postId, 'reschedule');
  const view = await waitUntil(stack, 'the reschedule form', () => stack.slack.openModals(AUTHOR).find((v) => v.callback_id === 'reschedule_form'));
  const res = await stack.slack.submitView({ userId: AUTHOR, viewId: view.id, values: { value: { value: { type: 'plain_text_input', value: when } } } });
  if (res.status !== 200 || res.body !== undefined) throw new Error(`the reschedule form was refused: ${JSON.stringify(res.body)}`);
}
