import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AUTHOR, MANAGER, card, click, draft, startStack, thread, type Stack } from '../helpers/greenlight.ts';

let stack: Stack;
beforeEach(async () => {
  stack = await startStack();
});
afterEach(async () => {
  await stack?.stop();
});

describe('Slack: draft → approval → published, with receipts in the thread', () => {
  it('publishes an approved post to Mastodon once and says so in the card thread', async () => {
    const submitted = await draft(stack, { text: 'Our autumn release is out!', accounts: [stack.accounts.mastodon] });
    expect(submitted.status).toBe(200);
    expect(submitted.body).toBeUndefined(); // an empty ack closes the modal

    const posted = await stack.slack.waitFor(() => card(stack), { what: 'the card in #approvals' });
    expect(posted.text).toContain('Waiting for approval');
    expect(JSON.stringify(posted.blocks)).toContain('Our autumn release is out!');

    await click(stack, MANAGER, 'approve');
    await stack.slack.waitFor(() => thread(stack).find((t) => t.startsWith('Published to Mastodon')), { what: 'the published receipt', timeoutMs: 10_000 });

    const replies = thread(stack);
    expect(replies[0]).toBe(`Approved by <@${MANAGER}>.`);
    expect(replies[1]).toMatch(/^Scheduled for /);
    expect(replies.find((t) => t.startsWith('Published to Mastodon'))).toMatch(/^Published to Mastodon at \d{1,2}:\d{2}: https?:\/\//);
    expect(stack.mastodon.posts).toHaveLength(1);
    expect(stack.mastodon.posts[0]!.text).toBe('Our autumn release is out!');
    await stack.slack.waitFor(() => (card(stack)!.text.startsWith('Published') ? true : undefined), { what: 'the card to show Published' });
  });
});
