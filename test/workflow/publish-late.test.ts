import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { APPROVALS, AUTHOR, MANAGER, type Stack } from '../helpers/greenlight.ts';
import { deliveryOf, isoIn, submit, threadOf, waitForDelivery, waitForPost, waitForReply, waitUntil } from '../helpers/engine.ts';
import { browse, oauthStack } from '../oauth/oauth-stack.ts';

/**
 * An account that needs a reconnect holds its queued deliveries. Reconnected (through the Reconnect
 * link and X's consent screen, as a person would), a held delivery whose time passed only a little goes
 * out by itself; one whose time passed long ago (more than an hour: account-reconnected.ts) asks in its
 * thread first, and "Publish X late" publishes it, once. Times are moved back in SQL, never waited for.
 */
type Message = { ts: string; blocks?: unknown[] };

function elementsOf(message: Message) {
  return (message.blocks ?? []).flatMap(
    (b) => (b as { elements?: { text?: { text?: string }; url?: string; action_id?: string; value?: string }[] }).elements ?? [],
  );
}

/** Moves a waiting delivery's time (and its post's) `minutes` into the past. */
async function dueMinutesAgo(stack: Stack, postId: string, minutes: number): Promise<void> {
  const at = new Date(Date.now() - minutes * 60_000);
  await sql`UPDATE deliveries SET due_at = ${at} WHERE post_id = ${postId}`.execute(stack.testDb.db);
  await sql`UPDATE posts SET publish_at = ${at} WHERE id = ${postId}`.execute(stack.testDb.db);
}

const postsWith = (stack: Stack, text: string) => stack.x.posts.filter((p) => p.text === text);
const createsWith = (stack: Stack, text: string) =>
  stack.x.requests.filter((r) => r.method === 'POST' && r.path === '/2/tweets' && (r.body as { text?: string } | undefined)?.text === text);

describe('delivery engine: held past its time', () => {
  it('after a reconnect, 45 minutes late resumes by itself; 75 minutes late asks, and "Publish X late" publishes once', async () => {
    const stack = await oauthStack();
    try {
      const LATE = 'Held for an hour and a quarter.';
      const SOON = 'Held for three quarters of an hour.';
      const lateId = await submit(stack, { text: LATE, networks: ['x'], when: isoIn(2 * 3_600_000) });
      const soonId = await submit(stack, { text: SOON, networks: ['x'], when: isoIn(2 * 3_600_000) });
      for (const id of [lateId, soonId]) await waitForDelivery(stack, id, 'x', 'pending');

      // A publish finds the token revoked: the account needs a reconnect, its queue is held.
      stack.x.revokeToken(stack.tokens.x.accessToken);
      const failingId = await submit(stack, { text: 'Found the token revoked.', networks: ['x'] });
      await waitForDelivery(stack, failingId, 'x', 'needs_reconnect');
      for (const id of [lateId, soonId]) await waitForDelivery(stack, id, 'x', 'held');
      const prompt = await waitForReply(stack, failingId, 'the reconnect prompt', (t) => t.startsWith('X failed:'));
      const reconnect = elementsOf(prompt).find((e) => e.text?.text === 'Reconnect X')!.url!;

      // The reconnect comes late: both times have passed meanwhile, one by more than the hour.
      await dueMinutesAgo(stack, lateId, 75);
      await dueMinutesAgo(stack, soonId, 45);
      stack.x.consent = { userId: stack.tokens.x.userId };
      const page = await browse(reconnect);
      expect(page.status).toBe(200);
      expect(page.body).toContain('1 held post continues now.');
      expect(page.body).toContain('1 held post is long past its time: its thread asks in Slack whether to publish late.');

      // 45 minutes late: out by itself, once.
      await waitForDelivery(stack, soonId, 'x', 'published');
      await waitForPost(stack, soonId, 'published');
      await waitForReply(stack, soonId, 'the resumed note', (t) => t === 'X reconnected; publishing continues.');
      expect(postsWith(stack, SOON)).toHaveLength(1);

      // 75 minutes late: still held, and its thread asks.
      const asked = await waitForReply(stack, lateId, 'the late question', (t) => t.startsWith('X was held past its time ('));
      expect(asked.text).toMatch(/^X was held past its time \(.+\)\. Publish it late\?$/);
      const late = await deliveryOf(stack, lateId, 'x');
      expect(late.state).toBe('held');
      expect(
        elementsOf(asked)
          .filter((e) => e.action_id)
          .map((e) => [e.text?.text, e.action_id, e.value]),
      ).toEqual([['Publish X late', 'publish_late', late.id]]);
      expect(createsWith(stack, LATE)).toHaveLength(0);
      expect((await threadOf(stack, lateId)).some((t) => t.startsWith('X reconnected'))).toBe(false);

      // Pressed by two people at once: one late post.
      const presses = await Promise.all(
        [AUTHOR, MANAGER].map((userId) => stack.slack.clickButton({ userId, actionId: 'publish_late', channelId: APPROVALS, messageTs: asked.ts })),
      );
      expect(presses.map((r) => r.status)).toEqual([200, 200]);
      const published = await waitForDelivery(stack, lateId, 'x', 'published');
      await waitForPost(stack, lateId, 'published');
      await waitForReply(stack, lateId, 'published late', (t) => t.startsWith('Published to X at '));
      await waitUntil(stack, 'the second press refused', () =>
        [AUTHOR, MANAGER].some((u) => stack.slack.ephemerals(u).some((e) => e.text.includes('X is not waiting for that any more'))),
      );
      expect(createsWith(stack, LATE)).toHaveLength(1);
      expect(postsWith(stack, LATE)).toHaveLength(1);
      expect(published.external_id).toBe(postsWith(stack, LATE)[0]!.id);
      expect((await threadOf(stack, lateId)).filter((t) => t.endsWith('asked to retry X.'))).toHaveLength(1);
      // The soon one was not sent twice meanwhile.
      expect(createsWith(stack, SOON)).toHaveLength(1);
    } finally {
      await stack.stop();
    }
  });
});
