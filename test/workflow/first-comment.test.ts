import { describe, expect, it } from 'vitest';
import { findDeliveryComment } from '../../src/db/first-comments.ts';
import { approve, deliveryOf, threadOf, waitForCard, waitForPost, waitForReply, waitUntil, withStack } from '../helpers/engine.ts';
import { APPROVALS, AUTHOR, CHANNEL, opens, type Stack } from '../helpers/greenlight.ts';

/**
 * First comments end to end (issue 16): written in the compose form per network, shown on the card,
 * covered by the approval, published right after the post (a reply on X and Mastodon), saved once, and a
 * comment that fails leaves the post published with [Retry comment].
 */
async function compose(stack: Stack, text: string, comments: Record<string, string>, networks: ('x' | 'mastodon')[] = ['x']): Promise<string> {
  const view = await opens(stack, AUTHOR, () => stack.slack.slashCommand({ command: '/post', text: '', userId: AUTHOR, channelId: CHANNEL }));
  const values: Parameters<Stack['slack']['submitView']>[0]['values'] = {
    text: { value: { type: 'plain_text_input', value: text } },
    targets: { value: { type: 'checkboxes', selected_options: networks.map((n) => ({ value: stack.accounts[n] })) } },
    when: { value: { type: 'plain_text_input', value: 'now' } },
    zone: { value: { type: 'plain_text_input', value: 'Europe/Berlin' } },
  };
  for (const [network, comment] of Object.entries(comments)) values[`comment_${network}`] = { value: { type: 'plain_text_input', value: comment } };
  const res = await stack.slack.submitView({ userId: AUTHOR, viewId: view.id, values });
  expect(res.status).toBe(200);
  if (res.body !== undefined) return JSON.stringify(res.body);
  return (await stack.testDb.db.selectFrom('posts').select('id').where('text', '=', text).executeTakeFirstOrThrow()).id;
}

describe.concurrent('first comments', () => {
  it('X and Mastodon get the post, then the first comment as a reply to it, once; the receipt links both', () =>
    withStack({}, async (stack) => {
      const postId = await compose(
        stack,
        'Our launch recap is out.',
        { x: 'Link in the reply: https://blog.example/launch', mastodon: 'More at https://blog.example' },
        ['x', 'mastodon'],
      );
      await waitForCard(stack, postId, (c) => JSON.stringify(c.blocks).includes('First comment on X (after the post)'));
      await approve(stack, postId);
      await waitForPost(stack, postId, 'published');
      const x = await deliveryOf(stack, postId, 'x');
      const comment = await waitUntil(stack, 'the X comment', async () => {
        const c = await findDeliveryComment(stack.app.db, x.id);
        return c?.state === 'published' && c;
      });
      expect(stack.x.posts.map((p) => [p.text, p.replyTo])).toEqual([
        ['Our launch recap is out.', undefined],
        ['Link in the reply: https://blog.example/launch', x.external_id],
      ]);
      expect(comment.external_id).toBe(stack.x.posts[1]!.id);
      const reply = await waitForReply(stack, postId, 'the X comment receipt', (t) => t.startsWith('First comment on X is up'));
      const links = JSON.stringify(reply.blocks);
      expect(links).toContain(x.url!);
      expect(links).toContain(comment.url!);
      await waitUntil(stack, 'the Mastodon reply', () => stack.mastodon.posts.length === 2 && stack.mastodon.posts);
      expect(stack.mastodon.posts.map((p) => p.text)).toEqual(['Our launch recap is out.', 'More at https://blog.example']);
      await waitForCard(stack, postId, (c) => JSON.stringify(c.blocks).includes('First comment on X (posted)'));
    }));

  it('a comment refused after the post went out leaves the post published, says so, and [Retry comment] posts it once', () =>
    withStack({}, async (stack) => {
      // The post goes through; the comment (the next create) is refused once.
      stack.x.failNext({ kind: 'rejected', after: 1 });
      const postId = await compose(stack, 'Published, comment refused once.', { x: 'the first comment' });
      await approve(stack, postId);
      await waitForPost(stack, postId, 'published');
      const reply = await waitForReply(stack, postId, 'the failed comment', (t) => t.includes('but the first comment failed'));
      expect(reply.text).toMatch(/^X: the post is published \(.+\), but the first comment failed: /);
      expect(JSON.stringify(reply.blocks)).toContain('retry_comment');
      expect(stack.x.posts.map((p) => p.text)).toEqual(['Published, comment refused once.']);
      expect((await deliveryOf(stack, postId, 'x')).state).toBe('published');

      await stack.slack.clickButton({ userId: AUTHOR, actionId: 'retry_comment', channelId: APPROVALS, messageTs: reply.ts });
      await waitForReply(stack, postId, 'the comment after the retry', (t) => t.startsWith('First comment on X is up'));
      expect(stack.x.posts.map((p) => p.text)).toEqual(['Published, comment refused once.', 'the first comment']);
      expect(await threadOf(stack, postId)).toContain(`<@${AUTHOR}> asked to retry the first comment on X.`);
      // A second click finds nothing to retry: no third post.
      await stack.slack.clickButton({ userId: AUTHOR, actionId: 'retry_comment', channelId: APPROVALS, messageTs: reply.ts });
      await waitUntil(stack, 'the refusal', () => stack.slack.ephemerals(AUTHOR).find((e) => e.text.includes('not waiting for a retry')));
      expect(stack.x.posts).toHaveLength(2);
    }));

  it('a first comment over the network limit is a field error in the form', () =>
    withStack({}, async (stack) => {
      const answer = await compose(stack, 'Short post.', { x: 'x'.repeat(300) });
      expect(answer).toContain('comment_x');
      expect(answer).toContain('The first comment on X is 300 characters');
    }));
});
