import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MANAGER, card, click, draft, startStack, thread, type Stack } from '../helpers/greenlight.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ transport: 'socket' });
});
afterAll(async () => {
  await stack?.stop();
});

describe('Slack in Socket Mode (no public URL)', () => {
  it('carries the same flow: draft → approve → published receipt', async () => {
    const submitted = await draft(stack, { text: 'Over the socket', accounts: [stack.accounts.mastodon] });
    expect(submitted.status).toBe(200);
    await stack.slack.waitFor(() => card(stack), { what: 'the card' });
    await click(stack, MANAGER, 'approve');
    await stack.slack.waitFor(() => thread(stack).find((t) => t.startsWith('Published to Mastodon')), { what: 'published', timeoutMs: 10_000 });
    expect(stack.mastodon.posts.map((p) => p.text)).toEqual(['Over the socket']);
    expect(stack.slack.socketConnectionCount).toBeGreaterThan(0);
  });
});
