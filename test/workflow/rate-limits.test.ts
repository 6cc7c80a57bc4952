import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { formatTimeOfDay } from '../../src/domain/time-format.ts';
import { deliveryOf, repliesOf, startSecondInstance, submit, waitForDelivery, waitForReply, waitUntil, withStack } from '../helpers/engine.ts';
import type { Stack } from '../helpers/greenlight.ts';

/**
 * Per-account rate limits, end to end: the documented limit (X: 100 posts per 15 minutes) counted in
 * Postgres, and the reset time of a network's 429 held for the whole account. Windows are not waited
 * out: earlier sends are backdated so that the window frees a few seconds from now.
 */
const FIFTEEN_MINUTES = 15 * 60_000;
const ZONE = 'Europe/Berlin'; // the zone the test author composes in

/** `posts` earlier X posts of the stack's account, sent so long ago that they leave the window at `freeAt`. */
async function fillXWindow(stack: Stack, posts: number, freeAt: Date): Promise<void> {
  const sentAt = new Date(freeAt.getTime() - FIFTEEN_MINUTES);
  await stack.testDb.db.insertInto('account_sends').values({ account_id: stack.accounts.x, delivery_id: null, sent_at: sentAt, posts }).execute();
}

const tweetCalls = (stack: Stack) => stack.x.requests.filter((r) => r.method === 'POST' && r.path === '/2/tweets').length;

// Four stacks at once: on a loaded machine their start alone can take half of the default 30 s.
describe.concurrent('delivery engine: per-account rate limits', { timeout: 60_000 }, () => {
  it('a delivery beyond the limit waits for the window, says so once, and publishes without an extra attempt', () =>
    withStack({}, async (stack) => {
      const freeAt = new Date(Date.now() + 4_000);
      await fillXWindow(stack, 100, freeAt);
      const postId = await submit(stack, { text: 'One post too many for now.', networks: ['x'] });

      const told = await waitForReply(stack, postId, 'the limit notice', (t) => t.includes('at its limit'));
      expect(told.text).toBe(`X is at its limit of 100 posts per 15 minutes for @greenlight; this post waits until ${formatTimeOfDay(freeAt, ZONE)}.`);
      const d = await waitForDelivery(stack, postId, 'x', 'published');
      expect(d.attempts).toBe(1); // waiting was not a try
      expect(d.last_error).toBeNull();
      expect(tweetCalls(stack)).toBe(1);
      expect(stack.x.posts[0]!.createdAt.getTime()).toBeGreaterThanOrEqual(freeAt.getTime());
      expect(d.due_at.getTime()).toBe(freeAt.getTime());
      await waitForReply(stack, postId, 'published', (t) => t.startsWith('Published to X'));
      expect((await repliesOf(stack, postId)).filter((m) => m.text.includes('at its limit'))).toHaveLength(1);
      // The send is counted for the next one.
      const counted = await stack.testDb.db.selectFrom('account_sends').select(['delivery_id', 'posts']).where('delivery_id', '=', d.id).execute();
      expect(counted).toEqual([{ delivery_id: d.id, posts: 1 }]);
    }));

  it('a 429 with a reset time holds the account: its next due delivery waits for the reset without calling X', () =>
    withStack({}, async (stack) => {
      stack.x.failNext({ kind: '429', resetInSeconds: 8 });
      const firstId = await submit(stack, { text: 'The one that hears 429.', networks: ['x'] });
      const limited = await waitUntil(stack, 'the account to be marked limited', () =>
        stack.testDb.db.selectFrom('account_limits').selectAll().where('account_id', '=', stack.accounts.x).executeTakeFirst(),
      );
      expect(tweetCalls(stack)).toBe(1);

      const secondId = await submit(stack, { text: 'The one that waits its turn.', networks: ['x'] });
      const told = await waitForReply(stack, secondId, 'the wait notice', (t) => t.includes('slow down'));
      expect(told.text).toBe(`X asked Greenlight to slow down for @greenlight; this post waits until ${formatTimeOfDay(limited.limited_until, ZONE)}.`);
      const second = await deliveryOf(stack, secondId, 'x');
      expect(second.state).toBe('pending');
      expect(second.attempts).toBe(0);
      expect(tweetCalls(stack)).toBe(1); // it learnt of the limit from Postgres, not from X

      const [first, after] = [await waitForDelivery(stack, firstId, 'x', 'published'), await waitForDelivery(stack, secondId, 'x', 'published')];
      expect(first.attempts).toBe(2);
      expect(after.attempts).toBe(1);
      expect(tweetCalls(stack)).toBe(3);
      for (const post of stack.x.posts) expect(post.createdAt.getTime()).toBeGreaterThanOrEqual(limited.limited_until.getTime());
    }));

  it('two worker processes share one count: of four posts with two free places, two go now and two when the window frees', () =>
    withStack({}, async (stack) => {
      const second = await startSecondInstance(stack);
      try {
        const freeAt = new Date(Date.now() + 10_000);
        await fillXWindow(stack, 98, freeAt);
        const ids = await Promise.all([1, 2, 3, 4].map((n) => submit(stack, { text: `Crowded post ${n}.`, networks: ['x'] })));
        const delivered = await Promise.all(ids.map((id) => waitForDelivery(stack, id, 'x', 'published')));
        expect(delivered.map((d) => d.attempts)).toEqual([1, 1, 1, 1]);
        expect(tweetCalls(stack)).toBe(4);
        // Which two waited is read from their due times (moved to the window's end), not from the
        // clock at X: on a loaded machine the two that went at once may reach X late, never early.
        const waited = delivered.filter((d) => d.due_at.getTime() === freeAt.getTime());
        expect(waited).toHaveLength(2);
        const waitedIds = new Set(waited.map((d) => d.external_id));
        const waitedAtX = stack.x.posts.filter((p) => waitedIds.has(p.id));
        expect(waitedAtX).toHaveLength(2);
        for (const post of waitedAtX) expect(post.createdAt.getTime()).toBeGreaterThanOrEqual(freeAt.getTime());
        const { rows } = await sql<{ n: number }>`SELECT sum(posts)::int AS n FROM account_sends WHERE account_id = ${stack.accounts.x}`.execute(
          stack.testDb.db,
        );
        expect(rows[0]!.n).toBe(102);
      } finally {
        await second.stop();
      }
    }));
  it('deliveries of one account due together count against each other: two places left, three posts, one waits', () =>
    withStack({}, async (stack) => {
      const freeAt = new Date(Date.now() + 60_000);
      await fillXWindow(stack, 98, freeAt);
      // Due at the same moment, so their jobs are fetched, claimed and gated side by side.
      const when = new Date(Math.ceil((Date.now() + 6_000) / 1000) * 1000).toISOString();
      const ids: string[] = [];
      for (const n of [1, 2, 3]) ids.push(await submit(stack, { text: `Same minute, post ${n}.`, networks: ['x'], when }));

      // The one that waits is pending with its due time moved to the window's end; a pending one still
      // at its own time has not been gated yet (a loaded machine), so it is waited for too.
      await waitUntil(stack, 'two posts at X and one delivery waiting for the window', async () => {
        const deliveries = await Promise.all(ids.map((id) => deliveryOf(stack, id, 'x')));
        const deferred = deliveries.filter((d) => d.state === 'pending' && d.due_at.getTime() === freeAt.getTime());
        return tweetCalls(stack) === 2 && deliveries.filter((d) => d.state === 'published').length === 2 && deferred.length === 1;
      });
      const waiting = (await Promise.all(ids.map((id) => deliveryOf(stack, id, 'x')))).find((d) => d.state === 'pending')!;
      expect(waiting.attempts).toBe(0);
      const counted = await stack.testDb.db
        .selectFrom('account_sends')
        .select((eb) => eb.fn.sum<number>('posts').as('posts'))
        .where('account_id', '=', stack.accounts.x)
        .executeTakeFirstOrThrow();
      expect(Number(counted.posts)).toBe(100);
    }));
});
