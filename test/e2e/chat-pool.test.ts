import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { card, draft, startStack, type Stack } from '../helpers/greenlight.ts';

/**
 * Issue 14: a form's answer is made after database work (its field errors come from it), and Slack
 * waits 3 s for it. The chat interactions have connections of their own (DATABASE_CHAT_POOL_SIZE), so
 * background jobs holding every connection of the main pool do not hold the answer back.
 */
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ env: () => ({ DATABASE_POOL_SIZE: '2', DATABASE_CHAT_POOL_SIZE: '2' }) });
});
afterAll(async () => {
  await stack?.stop();
});

/** Takes every connection of the app's main pool until the returned function is called. */
async function holdMainPool(connections: number): Promise<() => Promise<void>> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let taken = 0;
  const held = Array.from({ length: connections }, () =>
    stack.app.db.connection().execute(async () => {
      taken += 1;
      await released;
    }),
  );
  await stack.slack.waitFor(() => (taken === connections ? true : undefined), { what: 'every connection of the main pool taken' });
  return async () => {
    release();
    await Promise.all(held);
  };
}

describe('chat interactions and background work use separate connections', () => {
  it('a /post form is answered while background jobs hold every connection of the main pool, and its card follows once they let go', async () => {
    const releaseMainPool = await holdMainPool(2);
    let submitted: Awaited<ReturnType<typeof draft>>;
    try {
      submitted = await draft(stack, { text: 'Answered on its own connections', accounts: [stack.accounts.mastodon], when: 'in 2h' });
    } finally {
      await releaseMainPool();
    }
    // With one shared pool the submission waits for a connection past Slack's 3 s and Bolt answers 500.
    expect(submitted.status).toBe(200);
    expect(submitted.body).toBeUndefined();
    const posted = await stack.slack.waitFor(() => card(stack), { what: 'the card in #approvals' });
    expect(JSON.stringify(posted.blocks)).toContain('Answered on its own connections');
  });
});
