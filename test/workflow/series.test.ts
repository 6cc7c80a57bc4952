import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cancelPost, editPost } from '../../src/workflow/author-actions.ts';
import { AUTHOR, draft, type Stack, startStack } from '../helpers/greenlight.ts';
import { approve, engineDeps, threadOf, waitForDelivery, waitForReply, waitUntil, wakeJobNow } from '../helpers/engine.ts';

/**
 * Recurring posts through Slack and the real engine: a weekly series of 52 through both DST changes,
 * one approval for all, an edit that reopens the rest, a cancel that stops what has not started,
 * and an occurrence's receipt in the series card's thread.
 */
let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
}, 60_000);
afterAll(() => stack?.stop());

const berlin = (at: Date) =>
  new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);

async function seriesPosts(text: string) {
  return stack.testDb.db
    .selectFrom('posts')
    .select(['id', 'state', 'text', 'publish_at', 'content_hash'])
    .where('text', '=', text)
    .orderBy('publish_at')
    .execute();
}

async function submitSeries(text: string, when: string): Promise<string> {
  const res = await draft(stack, { text, accounts: [stack.accounts.mastodon], when });
  expect(res.body).toBeUndefined();
  return (await seriesPosts(text))[0]!.id;
}

describe('a recurring post', () => {
  it('makes 52 weekly posts at 09:00 Berlin through both DST changes, one approval schedules them all', async () => {
    const headId = await submitSeries('Weekly tip', '2027-03-02 09:00, every week 52 times');
    const posts = await seriesPosts('Weekly tip');
    expect(posts).toHaveLength(52);
    expect(new Set(posts.map((p) => berlin(p.publish_at)))).toEqual(new Set(['Tue 09:00']));
    // 9:00 CET is 08:00 UTC; from 28 March 2027 9:00 CEST is 07:00 UTC; from 31 October, 08:00 again.
    expect(posts[3]!.publish_at.toISOString()).toBe('2027-03-23T08:00:00.000Z');
    expect(posts[4]!.publish_at.toISOString()).toBe('2027-03-30T07:00:00.000Z');
    expect(posts[34]!.publish_at.toISOString()).toBe('2027-10-26T07:00:00.000Z');
    expect(posts[35]!.publish_at.toISOString()).toBe('2027-11-02T08:00:00.000Z');
    expect(new Set(posts.map((p) => p.content_hash)).size).toBe(52); // each bound to its own time
    await waitForReply(
      stack,
      headId,
      'the series receipt',
      (t) =>
        t ===
        'Repeats every week, 52 times: 52 posts, the last on Tue 22 Feb, 9:00 Europe/Berlin. Approving this card approves them all; their receipts come here.',
    );

    await approve(stack, headId);
    await waitUntil(stack, 'all scheduled', async () => (await seriesPosts('Weekly tip')).every((p) => p.state === 'scheduled'));
    const deliveries = await stack.testDb.db
      .selectFrom('deliveries')
      .innerJoin('posts', 'posts.id', 'deliveries.post_id')
      .select(['deliveries.due_at', 'posts.publish_at'])
      .where('posts.text', '=', 'Weekly tip')
      .execute();
    expect(deliveries).toHaveLength(52);
    for (const d of deliveries) expect(d.due_at.toISOString()).toBe(d.publish_at.toISOString());
    await waitForReply(stack, headId, 'the series approval', (t) => t === 'The series is approved: 51 more posts are scheduled (every week, 52 times).');
    // Only the head has a card; the followers' approvals are copies bound to their own content hash.
    const decisions = await stack.testDb.db
      .selectFrom('decisions')
      .innerJoin('posts', 'posts.id', 'decisions.post_id')
      .select(['decisions.content_hash', 'posts.content_hash as post_hash'])
      .where('posts.text', '=', 'Weekly tip')
      .execute();
    expect(decisions).toHaveLength(52);
    for (const d of decisions) expect(d.content_hash).toBe(d.post_hash);
  }, 60_000);

  it('an edit applies to the occurrences not yet started and reopens their review; the next approval covers them again', async () => {
    const headId = (await seriesPosts('Weekly tip'))[0]!.id;
    const deps = engineDeps(stack);
    const edited = await editPost(deps, { workspaceId: stack.workspaceId, userId: AUTHOR }, headId, {
      text: 'Weekly tip, revised',
      accountIds: [stack.accounts.mastodon],
      variants: {},
      media: [],
      when: '2027-03-02 09:00',
      zone: 'Europe/Berlin',
      note: null,
    });
    expect(edited).toEqual({ ok: true, postId: headId });
    const posts = await seriesPosts('Weekly tip, revised');
    expect(posts).toHaveLength(52);
    expect(posts.every((p) => p.state === 'in_review')).toBe(true);
    expect(
      await stack.testDb.db
        .selectFrom('deliveries')
        .innerJoin('posts', 'posts.id', 'deliveries.post_id')
        .select('deliveries.id')
        .where('posts.text', '=', 'Weekly tip, revised')
        .execute(),
    ).toEqual([]);
    await waitForReply(
      stack,
      headId,
      'the edit receipt',
      (t) => t === 'The edit applies to the 51 later posts of the series not yet published: they wait for approval again.',
    );
    await approve(stack, headId);
    await waitUntil(stack, 'all scheduled again', async () => (await seriesPosts('Weekly tip, revised')).every((p) => p.state === 'scheduled'));
  }, 60_000);

  it('cancel stops what has not started', async () => {
    const headId = (await seriesPosts('Weekly tip, revised'))[0]!.id;
    expect(await cancelPost(engineDeps(stack), { workspaceId: stack.workspaceId, userId: AUTHOR }, headId)).toEqual({ ok: true, message: 'Canceled.' });
    const posts = await seriesPosts('Weekly tip, revised');
    expect(posts.every((p) => p.state === 'canceled')).toBe(true);
    const states = await stack.testDb.db
      .selectFrom('deliveries')
      .innerJoin('posts', 'posts.id', 'deliveries.post_id')
      .select('deliveries.state')
      .where('posts.text', '=', 'Weekly tip, revised')
      .execute();
    expect(new Set(states.map((s) => s.state))).toEqual(new Set(['skipped']));
    await waitForReply(stack, headId, 'the cancel receipt', (t) => t === 'The rest of the series is canceled too: 51 later posts.');
  }, 60_000);

  it("each occurrence publishes on its own, its receipt in the series card's thread", async () => {
    const headId = await submitSeries('Daily note', '2027-06-07 09:00, every 2 days until 2027-06-13');
    expect(await seriesPosts('Daily note')).toHaveLength(4);
    await approve(stack, headId);
    const second = (await seriesPosts('Daily note'))[1]!;
    const delivery = await waitForDelivery(stack, second.id, 'mastodon', 'pending');
    // As if its time had come: the delivery falls due now.
    await stack.testDb.db.updateTable('deliveries').set({ due_at: new Date() }).where('id', '=', delivery.id).execute();
    await wakeJobNow(stack, delivery.id);
    await waitForDelivery(stack, second.id, 'mastodon', 'published');
    expect(stack.mastodon.posts.map((p) => p.text)).toEqual(['Daily note']);
    await waitForReply(stack, headId, 'the occurrence receipt', (t) => t.startsWith('Published to Mastodon'));
    expect((await threadOf(stack, headId)).filter((t) => t.startsWith('Published to Mastodon'))).toHaveLength(1);
    // The head and the others are still waiting for their own time.
    expect((await seriesPosts('Daily note')).map((p) => p.state)).toEqual(['scheduled', 'published', 'scheduled', 'scheduled']);
  }, 60_000);

  it('refuses a rule it cannot use, on the publish time field', async () => {
    const res = await draft(stack, { text: 'Bad series', accounts: [stack.accounts.mastodon], when: '2027-03-02 09:00, every week' });
    expect(JSON.stringify(res.body)).toContain('Say when the series ends');
    const slot = await draft(stack, { text: 'Bad series', accounts: [stack.accounts.mastodon], when: 'next slot, every week 3 times' });
    expect(JSON.stringify(slot.body)).toContain('next slot');
  });
});
