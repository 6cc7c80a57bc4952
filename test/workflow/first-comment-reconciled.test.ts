import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { findDeliveryComment } from '../../src/db/first-comments.ts';
import { approve, deliveryOf, waitForDelivery, waitForPost, waitForReply, waitUntil, wakeJobNow, withStack } from '../helpers/engine.ts';
import { APPROVALS, AUTHOR, CHANNEL, MANAGER, opens, type Stack } from '../helpers/greenlight.ts';

/**
 * Issue 16: a first comment after a post whose attempt ended without an answer (an unknown outcome), and that
 * reconciliation then found published, goes out like any other first comment: once, as a reply to the post.
 */
const FAST = { adapterTimeoutMs: 500 };

async function compose(stack: Stack, text: string, network: 'x' | 'mastodon', comment: string): Promise<string> {
  const view = await opens(stack, AUTHOR, () => stack.slack.slashCommand({ command: '/post', text: '', userId: AUTHOR, channelId: CHANNEL }));
  const res = await stack.slack.submitView({
    userId: AUTHOR,
    viewId: view.id,
    values: {
      text: { value: { type: 'plain_text_input', value: text } },
      targets: { value: { type: 'checkboxes', selected_options: [{ value: stack.accounts[network] }] } },
      when: { value: { type: 'plain_text_input', value: 'now' } },
      zone: { value: { type: 'plain_text_input', value: 'Europe/Berlin' } },
      [`comment_${network}`]: { value: { type: 'plain_text_input', value: comment } },
    },
  });
  expect(res.body).toBeUndefined();
  return (await stack.testDb.db.selectFrom('posts').select('id').where('text', '=', text).executeTakeFirstOrThrow()).id;
}

describe.concurrent('first comment after a reconciled unknown outcome', () => {
  it('X: the post timed out after it was created; reconciliation finds it, and the comment replies to it once', () =>
    withStack(FAST, async (stack) => {
      stack.x.failNext({ kind: 'timeout_after' });
      const postId = await compose(stack, 'Did it go out? It did, with a comment.', 'x', 'The details, in a reply.');
      await approve(stack, postId);
      await waitForPost(stack, postId, 'published');
      const delivery = await deliveryOf(stack, postId, 'x');
      // Reconciled, not sent again: the second attempt looked and found the post.
      expect(delivery.attempts).toBe(2);
      const comment = await waitUntil(stack, 'the comment published', async () => {
        const c = await findDeliveryComment(stack.app.db, delivery.id);
        return c?.state === 'published' && c;
      });
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
      await approve(stack, postId);
      await waitForPost(stack, postId, 'published');
      const delivery = await deliveryOf(stack, postId, 'mastodon');
      await waitUntil(stack, 'the comment published', async () => (await findDeliveryComment(stack.app.db, delivery.id))?.state === 'published');
      expect(stack.mastodon.posts.map((p) => [p.text, p.replyTo])).toEqual([
        ['Live after every retry was refused, with a comment.', undefined],
        ['Questions below.', delivery.external_id],
      ]);
    }));

  it('X: no lookup could answer, the team pressed "It is live"; the comment job finds the post and replies to it once', () =>
    withStack(FAST, async (stack) => {
      const text = 'Went out, nobody could check, and it has a comment.';
      // As team-decisions.test.ts: the create times out after X took it, then every lookup answers 503 until retries run out.
      stack.x.failNext({ kind: 'timeout_after' });
      stack.x.failNext({ kind: '5xx', match: `GET /2/users/${stack.tokens.x.userId}/tweets`, times: 5 });
      const postId = await compose(stack, text, 'x', 'The link, in a reply.');
      await approve(stack, postId);
      const waiting = await waitUntil(stack, 'the unknown outcome to be recorded', async () => {
        const d = await deliveryOf(stack, postId, 'x');
        return d.state === 'pending' && d.maybe_sent_at !== null ? d : undefined;
      });
      await sql`UPDATE deliveries SET due_at = now() WHERE id = ${waiting.id} AND state = 'pending'`.execute(stack.testDb.db);
      await wakeJobNow(stack, waiting.id);
      const unconfirmed = await waitForDelivery(stack, postId, 'x', 'unconfirmed');
      expect(unconfirmed.external_id).toBeNull();
      expect(await findDeliveryComment(stack.app.db, unconfirmed.id)).toBeUndefined();
      const question = await waitForReply(stack, postId, 'the question', (t) => t.startsWith('X: the network did not answer after the post was sent'));

      await stack.slack.clickButton({ userId: MANAGER, actionId: 'confirm_live', channelId: APPROVALS, messageTs: question.ts });
      const comment = await waitUntil(stack, 'the comment published', async () => {
        const c = await findDeliveryComment(stack.app.db, unconfirmed.id);
        return c?.state === 'published' && c;
      });
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
      const text = 'Never reached X, though the team says live.';
      stack.x.failNext({ kind: 'timeout_before' });
      stack.x.failNext({ kind: '5xx', match: `GET /2/users/${stack.tokens.x.userId}/tweets`, times: 5 });
      const postId = await compose(stack, text, 'x', 'A reply with nothing to reply to.');
      await approve(stack, postId);
      const waiting = await waitUntil(stack, 'the unknown outcome to be recorded', async () => {
        const d = await deliveryOf(stack, postId, 'x');
        return d.state === 'pending' && d.maybe_sent_at !== null ? d : undefined;
      });
      await sql`UPDATE deliveries SET due_at = now() WHERE id = ${waiting.id} AND state = 'pending'`.execute(stack.testDb.db);
      await wakeJobNow(stack, waiting.id);
      await waitForDelivery(stack, postId, 'x', 'unconfirmed');
      const question = await waitForReply(stack, postId, 'the question', (t) => t.startsWith('X: the network did not answer after the post was sent'));
      await stack.slack.clickButton({ userId: MANAGER, actionId: 'confirm_live', channelId: APPROVALS, messageTs: question.ts });
      await waitForReply(stack, postId, 'the comment failure', (t) => t.includes('could not find the post on X'));
      expect(stack.x.posts).toEqual([]);
    }));

  it('X: the reply itself timed out after X took it; the next run finds it among the recent posts instead of reporting "it may be there"', () =>
    withStack(FAST, async (stack) => {
      // The post goes through; the comment's create (the second POST /2/tweets) times out after X made it.
      stack.x.failNext({ kind: 'timeout_after', after: 1 });
      const postId = await compose(stack, 'A post whose reply went unanswered.', 'x', 'The reply X took silently.');
      await approve(stack, postId);
      const delivery = await waitForDelivery(stack, postId, 'x', 'published');
      const comment = await waitUntil(
        stack,
        'the comment settled',
        async () => {
          const c = await findDeliveryComment(stack.app.db, delivery.id);
          return (c?.state === 'published' || c?.state === 'failed') && c;
        },
        30_000,
      );
      expect(comment.state).toBe('published');
      expect(stack.x.posts.map((p) => [p.text, p.replyTo])).toEqual([
        ['A post whose reply went unanswered.', undefined],
        ['The reply X took silently.', delivery.external_id],
      ]);
      expect(comment.external_id).toBe(stack.x.posts[1]!.id);
    }));

  it('X: the reply timed out before X made it; the next run finds nothing and sends it, once', () =>
    withStack(FAST, async (stack) => {
      stack.x.failNext({ kind: 'timeout_before', after: 1 });
      const postId = await compose(stack, 'A post whose reply was lost on the way.', 'x', 'The reply, sent again.');
      await approve(stack, postId);
      const delivery = await waitForDelivery(stack, postId, 'x', 'published');
      const comment = await waitUntil(
        stack,
        'the comment settled',
        async () => {
          const c = await findDeliveryComment(stack.app.db, delivery.id);
          return (c?.state === 'published' || c?.state === 'failed') && c;
        },
        30_000,
      );
      expect(comment.state).toBe('published');
      expect(stack.x.posts.map((p) => [p.text, p.replyTo])).toEqual([
        ['A post whose reply was lost on the way.', undefined],
        ['The reply, sent again.', delivery.external_id],
      ]);
    }));
});
