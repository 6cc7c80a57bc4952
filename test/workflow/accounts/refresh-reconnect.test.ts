import { describe, expect, it } from 'vitest';
import { connectAccount, decryptCredentials } from '../../../src/db/accounts.ts';
import { ADMIN, APPROVALS, AUTHOR, type Stack } from '../../helpers/greenlight.ts';
import { deliveryOf, isoIn, submit, threadOf, waitForDelivery, waitForPost, waitForReply, waitUntil } from '../../helpers/engine.ts';
import { browse, oauthStack } from '../../oauth/oauth-stack.ts';

async function withOAuthStack(body: (stack: Stack & { publicUrl: string }) => Promise<void>): Promise<void> {
  const stack = await oauthStack();
  try {
    await body(stack);
  } finally {
    await stack.stop();
  }
}

const xAccount = (stack: Stack) => stack.testDb.db.selectFrom('social_accounts').selectAll().where('id', '=', stack.accounts.x).executeTakeFirstOrThrow();

/** Gives the stack's X account a token that expires `ms` from now (as if connected two hours ago). */
async function expireXTokenIn(stack: Stack, ms: number): Promise<void> {
  await connectAccount(stack.app.db, stack.app.cipher, {
    workspaceId: stack.workspaceId,
    network: 'x',
    externalAccountId: stack.tokens.x.userId,
    displayName: '@greenlight',
    connectedBy: ADMIN,
    credentials: { accessToken: stack.tokens.x.accessToken, refreshToken: stack.tokens.x.refreshToken, expiresAt: new Date(Date.now() + ms) },
  });
}

function urlOf(blocks: unknown[] | undefined, label: string): string {
  const elements = (blocks ?? []).flatMap((b) => (b as { elements?: { text?: { text?: string }; url?: string }[] }).elements ?? []);
  return elements.find((e) => e.text?.text === label)!.url!;
}

describe('refresh and reconnect', () => {
  it('refreshes a token that expires within 5 minutes before publishing: the refresh grant, then the post', () =>
    withOAuthStack(async (stack) => {
      await expireXTokenIn(stack, 60_000);
      const postId = await submit(stack, { text: 'Published with a refreshed token.', networks: ['x'] });
      await waitForDelivery(stack, postId, 'x', 'published');
      const calls = stack.x.requests.filter((r) => r.method === 'POST').map((r) => `${r.path} ${(r.body as Record<string, string>)?.grant_type ?? ''}`.trim());
      expect(calls).toEqual(['/2/oauth2/token refresh_token', '/2/tweets']);
      const stored = decryptCredentials(stack.app.cipher, await xAccount(stack));
      expect(stored.accessToken).not.toBe(stack.tokens.x.accessToken);
      expect(stored.refreshToken).not.toBe(stack.tokens.x.refreshToken);
      expect(stored.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 7_000_000);
      expect(stack.x.posts.map((p) => p.text)).toEqual(['Published with a refreshed token.']);
    }));

  it('revoked: the Reconnect prompt in the thread, reconnect through the flow (same account only), Retry publishes once', () =>
    withOAuthStack(async (stack) => {
      const laterId = await submit(stack, { text: 'Later today.', networks: ['x'], when: isoIn(3_600_000) });
      await waitForDelivery(stack, laterId, 'x', 'pending');
      stack.x.revokeToken(stack.tokens.x.accessToken);
      const postId = await submit(stack, { text: 'Blocked by a revoked token.', networks: ['x'] });
      const failed = await waitForDelivery(stack, postId, 'x', 'needs_reconnect');
      expect((await deliveryOf(stack, laterId, 'x')).state).toBe('held');

      const prompt = await waitForReply(stack, postId, 'the reconnect prompt', (t) => t.startsWith('X failed:'));
      expect(prompt.text).toBe('X failed: Unauthorized. Reconnect X, then retry.');
      const reconnect = urlOf(prompt.blocks, 'Reconnect X');
      expect(reconnect).toMatch(new RegExp(`^${stack.publicUrl}/connect/x\\?workspace=${stack.workspaceId}&t=`));

      // Someone else in the channel opens the link and signs in as another X account: refused, nothing changes.
      stack.x.consent = { userId: '6666' };
      const wrong = await browse(reconnect);
      expect(wrong.status).toBe(409);
      expect(wrong.body).toContain('This Reconnect link is for @greenlight, but you signed in as @user6666');
      expect((await xAccount(stack)).status).toBe('needs_reconnect');
      expect(await stack.testDb.db.selectFrom('social_accounts').select('id').where('external_account_id', '=', '6666').execute()).toEqual([]);

      // The account's own sign-in reconnects it.
      stack.x.consent = { userId: stack.tokens.x.userId };
      const page = await browse(reconnect);
      expect(page.status).toBe(200);
      expect(page.body).toContain(`Connected X as @user${stack.tokens.x.userId}`);
      expect(page.body).toContain('1 held post continues now.');
      expect(page.body).toContain('1 failed post waits for Retry in Slack.');
      expect((await xAccount(stack)).status).toBe('connected');
      // The held delivery is queued again for its own time; the failed one waits for Retry.
      expect((await deliveryOf(stack, laterId, 'x')).state).toBe('pending');
      expect((await deliveryOf(stack, postId, 'x')).state).toBe('needs_reconnect');

      const reconnected = await waitForReply(stack, postId, 'the reconnected note', (t) => t === 'X reconnected: press Retry.');
      await waitForReply(stack, laterId, 'the resumed note', (t) => t === 'X reconnected; publishing continues.');
      await stack.slack.clickButton({ userId: AUTHOR, actionId: 'retry_delivery', channelId: APPROVALS, messageTs: reconnected.ts, value: failed.id });
      await waitForDelivery(stack, postId, 'x', 'published');
      await waitForPost(stack, postId, 'published');
      await waitForReply(stack, postId, 'published after the retry', (t) => t.startsWith('Published to X'));
      expect(stack.x.posts.filter((p) => p.text === 'Blocked by a revoked token.')).toHaveLength(1);
      expect((await threadOf(stack, postId)).slice(-4)).toEqual([
        'X failed: Unauthorized. Reconnect X, then retry.',
        'X reconnected: press Retry.',
        `<@${AUTHOR}> asked to retry X.`,
        expect.stringMatching(/^Published to X at /),
      ]);
    }));

  it('the daily job refreshes expiring tokens; a refused refresh holds the queue, prompts in the thread and to the admin, deletes nothing', () =>
    withOAuthStack(async (stack) => {
      await expireXTokenIn(stack, 3_600_000);
      await stack.app.queue.boss.send('refresh-tokens', {});
      const refreshed = await waitUntil(stack, 'the daily refresh', async () => {
        const c = decryptCredentials(stack.app.cipher, await xAccount(stack));
        return c.accessToken !== stack.tokens.x.accessToken ? c : undefined;
      });
      expect(refreshed.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 7_000_000);

      // Now the refresh token dies (revoked at X) and the access token is about to expire.
      const laterId = await submit(stack, { text: 'Scheduled for tomorrow.', networks: ['x'], when: isoIn(20 * 3_600_000) });
      await waitForDelivery(stack, laterId, 'x', 'pending');
      stack.x.revokeToken(refreshed.refreshToken!);
      await connectAccount(stack.app.db, stack.app.cipher, {
        workspaceId: stack.workspaceId,
        network: 'x',
        externalAccountId: stack.tokens.x.userId,
        displayName: '@greenlight',
        connectedBy: ADMIN,
        credentials: { ...refreshed, expiresAt: new Date(Date.now() + 3_600_000) },
      });
      await stack.app.queue.boss.send('refresh-tokens', {});
      await waitUntil(stack, 'the account to need a reconnect', async () => ((await xAccount(stack)).status === 'needs_reconnect' ? true : undefined));
      expect((await xAccount(stack)).last_error).toContain('Value passed for the token was invalid.');
      expect((await deliveryOf(stack, laterId, 'x')).state).toBe('held');
      expect(await stack.testDb.db.selectFrom('posts').select('id').where('id', '=', laterId).execute()).toHaveLength(1);

      const prompt = await waitForReply(stack, laterId, 'the reconnect prompt', (t) => t.startsWith('X needs a reconnect'));
      expect(prompt.text).toBe('X needs a reconnect: Value passed for the token was invalid. This post waits until it is reconnected.');
      expect(urlOf(prompt.blocks, 'Reconnect X')).toContain(`${stack.publicUrl}/connect/x?workspace=`);
      const dm = await waitUntil(stack, 'the admin prompt', () =>
        stack.slack.callsTo('chat.postMessage').find((c) => (c.args as { channel?: string }).channel === ADMIN),
      );
      expect((dm.args as { text: string }).text).toMatch(
        /^X account @greenlight needs a reconnect: .* 1 scheduled post waits until then \(nothing is deleted\)\. Reconnect: http/,
      );
    }));
});
