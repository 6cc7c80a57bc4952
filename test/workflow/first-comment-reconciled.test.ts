import { describe, expect, it } from 'vitest';
import { findDeliveryComment } from '../../src/db/first-comments.ts';
import { deliveryOf, retryUnknownOutcomeNow, submit, waitForDelivery, waitForPost, waitForReply, waitUntil, withStack } from '../helpers/engine.ts';
import { APPROVALS, MANAGER, type Stack } from '../helpers/greenlight.ts';

/**
 * Issue 16: a first comment after a post whose attempt ended without an answer (an unknown outcome), and that
 * reconciliation then found published, goes out like any other first comment: once, as a reply to the post.
 */
const FAST = { adapterTimeoutMs: 500 };

/** The author drafts `text` for one network with a first comment, and a manager approves it; the post's id. */
function compose(stack: Stack, text: string, network: 'x' | 'mastodon', comment: string): Promise<string> {
  return submit(stack, { text, networks: [network], comments: { [network]: comment } });
}

/** The delivery's comment once it has published or failed (after its own retries). */
function settledComment(stack: Stack, deliveryId: string) {
  return waitUntil(
    stack,
    'the comment settled',
    async () => {
      const c = await findDeliveryComment(stack.app.db, deliveryId);
      return (c?.state === 'published' || c?.state === 'failed') && c;
    },
    30_000,
  );
}

/** The delivery's comment once it has published. */
function publishedComment(stack: Stack, deliveryId: string) {
  return waitUntil(stack, 'the comment published', async () => {
    const c = await findDeliveryComment(stack.app.db, deliveryId);
    return c?.state === 'published' && c;
  });
}

/**
 * As team-decisions.test.ts: the create times out (`before` or `after` X made the post), then every lookup
 * answers 503 until retries run out; the delivery is unconfirmed, no comment is made yet, and a manager
 * presses "It is live" on the question.
 */
async function confirmedLiveUnchecked(stack: Stack, timeout: 'timeout_before' | 'timeout_after', text: string, comment: string) {
  stack.x.failNext({ kind: timeout });
  stack.x.failNext({ kind: '5xx', match: `GET /2/users/${stack.tokens.x.userId}/tweets`, times: 5 });
  const postId = await compose(stack, text, 'x', comment);
  await retryUnknownOutcomeNow(stack, postId, 'x');
  const unconfirmed = await waitForDelivery(stack, postId, 'x', 'unconfirmed');
  expect(unconfirmed.external_id).toBeNull();
  expect(await findDeliveryComment(stack.app.db, unconfirmed.id)).toBeUndefined();
  const question = await waitForReply(stack, postId, 'the question', (t) => t.startsWith('X: the network did not answer after the post was sent'));
  await stack.slack.clickButton({ userId: MANAGER, actionId: 'confirm_live', channelId: APPROVALS, messageTs: question.ts });
  return { postId, unconfirmed };
}

/**
 * The post goes through and its comment's create (the second POST /2/tweets) times out, before or after X
 * made it: the comment is published all the same, as the one reply to the post.
 */
async function replyOnceAfter(stack: Stack, timeout: 'timeout_before' | 'timeout_after', text: string, reply: string): Promise<void> {
  stack.x.failNext({ kind: timeout, after: 1 });
  const postId = await compose(stack, text, 'x', reply);
  const delivery = await waitForDelivery(stack, postId, 'x', 'published');
  const comment = await settledComment(stack, delivery.id);
  expect(comment.state).toBe('published');
  expect(stack.x.posts.map((p) => [p.text, p.replyTo])).toEqual([
    [text, undefined],
    [reply, delivery.external_id],
  ]);
  expect(comment.external_id).toBe(stack.x.posts[1]!.id);
}

describe.concurrent('first comment after a reconciled unknown outcome', () => {
  it('X: the post timed out after it was created; reconciliation finds it, and the comment replies to it once', () =>
    withStack(FAST, async (stack) => {
      stack.x.failNext({ kind: 'timeout_after' });
      const postId = await compose(stack, 'Did it go out? It did, with a comment.', 'x', 'The details, in a reply.');
      await waitForPost(stack, postId, 'published');
      const delivery = await deliveryOf(stack, postId, 'x');
      // Reconciled, not sent again: the second attempt looked and found the post.
      expect(delivery.attempts).toBe(2);
      const comment = await publishedComment(stack, delivery.id);
      expect(stack.x.posts.map((p) => [p.text, p.replyTo])).toEqual([
        ['Did it go out? It did, with a comment.', undefined],
        ['The details, in a reply.', delivery.external_id],
      ]);
      expect(comment.external_id).toBe(stack.x.posts[1]!.id);
      await waitForReply(stack, postId, 'the comment receipt', (t) => t.startsWith('First comment on X is up'));
    }));

  it('Mastodon: timed out after the status was created, then refused until retries ran out; the last lookup finds it and the comment is the one reply', () =>
    withStack(FAST, async (stack) => {
      stack.mastodon.failNext({ kind: 'timeout_after' });
      stack.mastodon.failNext({ kind: '429', times: 3, resetInSeconds: 0 });
      const postId = await compose(stack, 'Live after every retry was refused, with a comment.', 'mastodon', 'Questions below.');
      await waitForPost(stack, postId, 'published');
      const delivery = await deliveryOf(stack, postId, 'mastodon');
      await publishedComment(stack, delivery.id);
      expect(stack.mastodon.posts.map((p) => [p.text, p.replyTo])).toEqual([
        ['Live after every retry was refused, with a comment.', undefined],
        ['Questions below.', delivery.external_id],
      ]);
    }));

  it('X: no lookup could answer, the team pressed "It is live"; the comment job finds the post and replies to it once', () =>
    withStack(FAST, async (stack) => {
      const text = 'Went out, nobody could check, and it has a comment.';
      const { postId, unconfirmed } = await confirmedLiveUnchecked(stack, 'timeout_after', text, 'The link, in a reply.');
      const comment = await publishedComment(stack, unconfirmed.id);
      const [post, reply] = stack.x.posts;
      expect(stack.x.posts.map((p) => [p.text, p.replyTo])).toEqual([
        [text, undefined],
        ['The link, in a reply.', post!.id],
      ]);
      expect(comment.external_id).toBe(reply!.id);
      // The post's address, found by the lookup, is kept on the delivery (the receipt and metrics read it).
      expect((await deliveryOf(stack, postId, 'x')).external_id).toBe(post!.id);
      await waitForReply(stack, postId, 'the comment receipt', (t) => t.startsWith('First comment on X is up'));
    }));

  it('X: "It is live", but the post is not among the recent posts: the comment is not sent blind; it fails with Retry comment', () =>
    withStack(FAST, async (stack) => {
      const { postId } = await confirmedLiveUnchecked(
        stack,
        'timeout_before',
        'Never reached X, though the team says live.',
        'A reply with nothing to reply to.',
      );
      await waitForReply(stack, postId, 'the comment failure', (t) => t.includes('could not find the post on X'));
      expect(stack.x.posts).toEqual([]);
    }));

  it('X: the reply itself timed out after X took it; the next run finds it among the recent posts instead of reporting "it may be there"', () =>
    withStack(FAST, (stack) => replyOnceAfter(stack, 'timeout_after', 'A post whose reply went unanswered.', 'The reply X took silently.')));

  it('X: the reply timed out before X made it; the next run finds nothing and sends it, once', () =>
    withStack(FAST, (stack) => replyOnceAfter(stack, 'timeout_before', 'A post whose reply was lost on the way.', 'The reply, sent again.')));
});
