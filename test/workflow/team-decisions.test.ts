import { describe, expect, it } from 'vitest';
import { APPROVALS, AUTHOR, MANAGER, type Stack } from '../helpers/greenlight.ts';
import {
  retryUnknownOutcomeNow,
  threadOf,
  submit,
  waitForCardLabel,
  waitForDelivery,
  waitForPost,
  waitForReply,
  waitUntil,
  withStack,
} from '../helpers/engine.ts';

/**
 * Where Greenlight cannot know, the team decides, in the card's thread: an X delivery whose first
 * attempt may or may not have reached X, and whose every lookup of the account's posts failed after
 * that, becomes `unconfirmed` and asks "It is live" / "Publish again". Each button is pressed for real
 * (Bolt, the Slack emulator); what reaches X is read from the emulator's request log.
 * Adapter timeouts are 500 ms, so a timeout is quick; the 5-second pause before the first lookup is
 * skipped by moving the delivery's time in SQL.
 */
const FAST = { adapterTimeoutMs: 500 };
type Requests = { method: string; path: string; body?: unknown }[];
const creates = (requests: Requests) => requests.filter((r) => r.method === 'POST' && r.path === '/2/tweets');
const lookups = (stack: Stack) => stack.x.requests.filter((r) => r.method === 'GET' && r.path === `/2/users/${stack.tokens.x.userId}/tweets`);

/**
 * The first attempt times out (`before`: X never created the post; `after`: it did), then every lookup
 * of the account's recent posts answers 503 until retries run out: 1 attempt, then 5 that only look
 * (PUBLISH_RETRIES 3, + 2 more for a lookup). Resolves with the delivery, `unconfirmed`.
 */
async function unconfirmedX(stack: Stack, text: string, timeout: 'timeout_before' | 'timeout_after') {
  stack.x.failNext({ kind: timeout });
  stack.x.failNext({ kind: '5xx', match: `GET /2/users/${stack.tokens.x.userId}/tweets`, times: 5 });
  const postId = await submit(stack, { text, networks: ['x'] });
  await retryUnknownOutcomeNow(stack, postId, 'x');
  const delivery = await waitForDelivery(stack, postId, 'x', 'unconfirmed');
  expect(delivery.attempts).toBe(6);
  expect(lookups(stack)).toHaveLength(5);
  expect(creates(stack.x.requests)).toHaveLength(1);
  // Counted as not published until the team says it is live (delivery-state.ts): the post shows failed.
  await waitForPost(stack, postId, 'failed');
  const question = await waitForReply(stack, postId, 'the question', (t) => t.startsWith('X: the network did not answer after the post was sent'));
  return { postId, delivery, question };
}

function buttonsOf(message: { blocks?: unknown[] }): { label: string; action: string; value: string }[] {
  const elements = (message.blocks ?? []).flatMap(
    (b) => (b as { elements?: { text?: { text?: string }; action_id?: string; value?: string }[] }).elements ?? [],
  );
  return elements.filter((e) => e.action_id).map((e) => ({ label: e.text?.text ?? '', action: e.action_id!, value: e.value ?? '' }));
}

describe.concurrent('delivery engine: the team decides an unknown outcome', () => {
  it('"It is live" marks the delivery published without calling X again; the post and its card follow', () =>
    withStack(FAST, async (stack) => {
      const { postId, delivery, question } = await unconfirmedX(stack, 'Went out, but nobody could check.', 'timeout_after');
      expect(stack.x.posts.map((p) => p.text)).toEqual(['Went out, but nobody could check.']);
      expect(buttonsOf(question)).toEqual([
        { label: 'It is live', action: 'confirm_live', value: delivery.id },
        { label: 'Publish again', action: 'publish_again', value: delivery.id },
      ]);
      const before = stack.x.requests.length;

      const res = await stack.slack.clickButton({ userId: MANAGER, actionId: 'confirm_live', channelId: APPROVALS, messageTs: question.ts });
      expect(res.status).toBe(200);
      const d = await waitForDelivery(stack, postId, 'x', 'published');
      expect(d.published_at).not.toBeNull();
      await waitForPost(stack, postId, 'published');
      await waitForCardLabel(stack, postId, 'Published');
      await waitForReply(stack, postId, 'the confirmation', (t) => t === `<@${MANAGER}> confirmed the X post is live.`);

      // A second press finds nothing to decide.
      await stack.slack.clickButton({ userId: AUTHOR, actionId: 'confirm_live', channelId: APPROVALS, messageTs: question.ts });
      await waitUntil(stack, 'the refusal', () => stack.slack.ephemerals(AUTHOR).find((e) => e.text.includes('X is no longer waiting for an answer.')));
      expect(stack.x.requests.length).toBe(before);
      expect(stack.x.posts).toHaveLength(1);
      expect((await threadOf(stack, postId)).filter((t) => t.includes('confirmed the X post is live'))).toHaveLength(1);
    }));

  it('"Publish again" sends exactly one new post, pressed twice, and forgets the unknown outcome', () =>
    withStack(FAST, async (stack) => {
      const text = 'Lost on the way; the team says send it.';
      const { postId, question } = await unconfirmedX(stack, text, 'timeout_before');
      expect(stack.x.posts).toHaveLength(0);
      const before = stack.x.requests.length;

      // Two people press at once: one answer acts.
      const presses = await Promise.all(
        [AUTHOR, MANAGER].map((userId) => stack.slack.clickButton({ userId, actionId: 'publish_again', channelId: APPROVALS, messageTs: question.ts })),
      );
      expect(presses.map((r) => r.status)).toEqual([200, 200]);
      const d = await waitForDelivery(stack, postId, 'x', 'published');
      await waitForPost(stack, postId, 'published');
      await waitForReply(stack, postId, 'published', (t) => t.startsWith('Published to X at ') && t.includes(stack.x.posts[0]!.id));

      const after = stack.x.requests.slice(before);
      expect(creates(after)).toHaveLength(1);
      // The team answered the question: no lookup first.
      expect(after.filter((r) => r.method === 'GET' && r.path.startsWith('/2/users/'))).toHaveLength(0);
      expect(stack.x.posts.map((p) => p.text)).toEqual([text]);
      expect(d.external_id).toBe(stack.x.posts[0]!.id);
      expect(d.maybe_sent_at).toBeNull();
      expect((await threadOf(stack, postId)).filter((t) => t.endsWith('asked to retry X.'))).toHaveLength(1);
      await waitUntil(stack, 'the second press refused', () =>
        [AUTHOR, MANAGER].some((u) => stack.slack.ephemerals(u).some((e) => e.text.includes('X is not waiting for that any more'))),
      );
    }));
});
