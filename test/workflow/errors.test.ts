import { describe, expect, it } from 'vitest';
import { connectAccount } from '../../src/db/accounts.ts';
import { ADMIN, APPROVALS, AUTHOR } from '../helpers/greenlight.ts';
import {
  deliveryOf,
  isoIn,
  repliesOf,
  submit,
  threadOf,
  waitForCardLabel,
  waitForDelivery,
  waitForNotifyDrained,
  waitForPost,
  waitForReply,
  waitUntil,
  withStack,
} from '../helpers/engine.ts';

/**
 * Each error class a network can answer with, end to end: the real workers and adapters against the
 * emulators, the outcome read from the database, the emulators' records and the card's thread.
 */
describe.concurrent('delivery engine: error classes', () => {
  it('transient (5xx) retries and publishes exactly one post', () =>
    withStack({}, async (stack) => {
      stack.x.failNext({ kind: '5xx' });
      const postId = await submit(stack, { text: 'Transient trouble, then fine.', networks: ['x'] });

      const d = await waitForDelivery(stack, postId, 'x', 'published');
      expect(d.attempts).toBe(2);
      expect(d.last_error).toBeNull();
      expect(stack.x.requests.filter((r) => r.method === 'POST' && r.path === '/2/tweets')).toHaveLength(2);
      expect(stack.x.posts.map((p) => p.text)).toEqual(['Transient trouble, then fine.']);
      expect(d.external_id).toBe(stack.x.posts[0]!.id);
      await waitForReply(stack, postId, 'published to X', (t) => t.startsWith('Published to X at '));
      expect((await threadOf(stack, postId)).some((t) => /failed|busy/.test(t))).toBe(false);
      await waitForPost(stack, postId, 'published');
    }));

  it('rate limited (429) waits for the reset time the network gave, then publishes once', () =>
    withStack({}, async (stack) => {
      stack.x.failNext({ kind: '429', resetInSeconds: 2 });
      stack.mastodon.failNext({ kind: '429', resetInSeconds: 2 });
      const before = Date.now(); // the 429s are answered after this
      const postId = await submit(stack, { text: 'Patience pays.', networks: ['x', 'mastodon'] });

      const x = await waitForDelivery(stack, postId, 'x', 'published');
      const mastodon = await waitForDelivery(stack, postId, 'mastodon', 'published');
      for (const d of [x, mastodon]) expect(d.attempts).toBe(2);
      // The retry's due time is the reset the network announced, not a backoff of at most a second.
      // X gives whole seconds (x-rate-limit-reset), Mastodon an ISO time (X-RateLimit-Reset).
      expect(x.due_at.getTime()).toBeGreaterThanOrEqual((Math.floor(before / 1000) + 2) * 1000);
      expect(x.due_at.getTime() % 1000).toBe(0);
      expect(mastodon.due_at.getTime()).toBeGreaterThanOrEqual(before + 2_000);
      // ... and nothing reached the network before it.
      expect(stack.x.posts).toHaveLength(1);
      expect(stack.mastodon.posts).toHaveLength(1);
      expect(stack.x.posts[0]!.createdAt.getTime()).toBeGreaterThanOrEqual(x.due_at.getTime());
      expect(stack.mastodon.posts[0]!.createdAt.getTime()).toBeGreaterThanOrEqual(mastodon.due_at.getTime());
      expect(x.published_at!.getTime()).toBeGreaterThanOrEqual(x.due_at.getTime());
      await waitForPost(stack, postId, 'published');
    }));

  it("an auth error while publishing sends the one Reconnect prompt to the account's owner and the admins, however many deliveries hit it", () =>
    withStack({}, async (stack) => {
      // The author connected this account; ADMIN is the workspace's admin: two people to tell.
      await stack.testDb.db.updateTable('social_accounts').set({ connected_by: AUTHOR }).where('id', '=', stack.accounts.mastodon).execute();
      const laterId = await submit(stack, { text: 'Queued behind the revoked token.', networks: ['mastodon'], when: isoIn(3_600_000) });
      await waitForDelivery(stack, laterId, 'mastodon', 'pending');
      stack.mastodon.revokeToken(stack.tokens.mastodon.accessToken);
      const now = await Promise.all(['First refused.', 'Second refused.'].map((text) => submit(stack, { text, networks: ['mastodon'] })));
      // The first to fail marks the account; the other fails the same way or, claimed after, is held.
      for (const id of now)
        await waitUntil(
          stack,
          'the delivery to stop',
          async () => ['needs_reconnect', 'held'].includes((await deliveryOf(stack, id, 'mastodon')).state) || undefined,
        );
      expect((await deliveryOf(stack, laterId, 'mastodon')).state).toBe('held');
      await waitForReply(stack, laterId, "the held post's prompt", (t) => t.startsWith('Mastodon needs a reconnect: The access token was revoked.'));

      const prompts = () => stack.slack.callsTo('chat.postMessage').filter((c) => String(c.args.text).startsWith('Mastodon account '));
      await waitUntil(stack, 'the prompts to the owner and the admin', () => prompts().length >= 2);
      await waitForNotifyDrained(stack);
      expect(
        prompts()
          .map((c) => c.args.channel)
          .sort(),
      ).toEqual([ADMIN, AUTHOR].sort());
      // The later post waits; the second refused one too when it was still unclaimed as the account was marked.
      for (const c of prompts()) {
        expect(String(c.args.text)).toMatch(
          /^Mastodon account @greenlight@mastodon\.test needs a reconnect: The access token was revoked\. (1 scheduled post waits|2 scheduled posts wait) until then \(nothing is deleted\)\. Reconnect: http:\/\/[^/]+\/connect\/mastodon\?workspace=/,
        );
      }
      expect(new Set(prompts().map((c) => String(c.args.text).replace(/Reconnect: .*$/, ''))).size).toBe(1);
    }));

  it('auth (revoked token) stops at once: needs_reconnect, a Reconnect prompt, the account marked, its queued deliveries held', () =>
    withStack({}, async (stack) => {
      // A later post for the same account, waiting for its time.
      const laterId = await submit(stack, { text: 'Tomorrow’s news.', networks: ['mastodon'], when: isoIn(3_600_000) });
      const later = await waitForDelivery(stack, laterId, 'mastodon', 'pending');

      stack.mastodon.revokeToken(stack.tokens.mastodon.accessToken);
      const postId = await submit(stack, { text: 'Cannot get through.', networks: ['mastodon'] });

      const d = await waitForDelivery(stack, postId, 'mastodon', 'needs_reconnect');
      expect(d.attempts).toBe(1);
      expect(d.last_error).toMatchObject({ class: 'auth', status: 401, networkMessage: 'The access token was revoked' });
      expect(stack.mastodon.requests.filter((r) => r.method === 'POST' && r.path === '/api/v1/statuses')).toHaveLength(1);
      expect(stack.mastodon.posts).toHaveLength(0);

      const account = await stack.testDb.db.selectFrom('social_accounts').selectAll().where('id', '=', stack.accounts.mastodon).executeTakeFirstOrThrow();
      expect(account.status).toBe('needs_reconnect');
      expect(account.last_error).toContain('The access token was revoked');
      expect((await deliveryOf(stack, laterId, 'mastodon')).state).toBe('held');
      expect((await deliveryOf(stack, laterId, 'mastodon')).id).toBe(later.id);
      // The other account is not touched.
      expect((await stack.testDb.db.selectFrom('social_accounts').select('status').where('id', '=', stack.accounts.x).executeTakeFirstOrThrow()).status).toBe(
        'connected',
      );

      const reply = await waitForReply(stack, postId, 'the reconnect prompt', (t) => t.startsWith('Mastodon failed:'));
      expect(reply.text).toBe('Mastodon failed: The access token was revoked. Reconnect Mastodon, then retry.');
      const buttons = JSON.stringify(reply.blocks);
      expect(
        reply.blocks?.flatMap((b) => (b as { elements?: { text?: { text?: string }; url?: string; action_id?: string; value?: string }[] }).elements ?? []),
      ).toEqual([
        expect.objectContaining({
          text: expect.objectContaining({ text: 'Reconnect Mastodon' }),
          url: expect.stringContaining('/connect/mastodon?workspace='),
        }),
        expect.objectContaining({ text: expect.objectContaining({ text: 'Retry Mastodon' }), action_id: 'retry_delivery', value: d.id }),
      ]);
      expect(buttons).toContain(stack.workspaceId);
      await waitForPost(stack, postId, 'failed');

      // Retry before reconnecting is refused with what to do.
      await stack.slack.clickButton({ userId: AUTHOR, actionId: 'retry_delivery', channelId: APPROVALS, messageTs: reply.ts });
      await waitUntil(stack, 'the refusal', () => stack.slack.ephemerals(AUTHOR).find((e) => e.text.includes('Reconnect Mastodon first')));
      expect((await deliveryOf(stack, postId, 'mastodon')).state).toBe('needs_reconnect');

      // Reconnected (what the OAuth callback stores), Retry publishes that delivery, once.
      const fresh = stack.mastodon.issueToken(stack.tokens.mastodon.accountId);
      await connectAccount(stack.app.db, stack.app.cipher, {
        workspaceId: stack.workspaceId,
        network: 'mastodon',
        externalAccountId: stack.tokens.mastodon.accountId,
        displayName: '@greenlight@mastodon.test',
        instanceUrl: stack.mastodon.url,
        connectedBy: ADMIN,
        credentials: { accessToken: fresh },
      });
      await stack.slack.clickButton({ userId: AUTHOR, actionId: 'retry_delivery', channelId: APPROVALS, messageTs: reply.ts });
      await waitForDelivery(stack, postId, 'mastodon', 'published');
      await waitForPost(stack, postId, 'published');
      expect(stack.mastodon.posts.map((p) => p.text)).toEqual(['Cannot get through.']);
      await waitForReply(stack, postId, 'published after the retry', (t) => t.startsWith('Published to Mastodon'));
      expect(await threadOf(stack, postId)).toContain(`<@${AUTHOR}> asked to retry Mastodon.`);
    }));

  it('permanent (content rejected) fails at once with the network’s own reason, no retry', () =>
    withStack({}, async (stack) => {
      stack.x.failNext({ kind: 'rejected' });
      const postId = await submit(stack, { text: 'Something X will not take.', networks: ['x'] });

      const d = await waitForDelivery(stack, postId, 'x', 'failed');
      expect(d.attempts).toBe(1);
      expect(d.last_error).toMatchObject({ class: 'permanent', status: 403, networkMessage: 'You are not permitted to perform this action.' });
      expect(stack.x.requests.filter((r) => r.method === 'POST' && r.path === '/2/tweets')).toHaveLength(1);
      expect(stack.x.posts).toHaveLength(0);

      const reply = await waitForReply(stack, postId, 'the failure', (t) => t.startsWith('X failed'));
      expect(reply.text).toContain('X failed: You are not permitted to perform this action.');
      expect(JSON.stringify(reply.blocks)).toContain('"action_id":"retry_delivery"');
      await waitForPost(stack, postId, 'failed');
      await waitForCardLabel(stack, postId, 'Failed');
      // Failed is final: no job is left to try again.
      expect((await deliveryOf(stack, postId, 'x')).attempts).toBe(1);
    }));

  it('transient errors that outlast the retries (3) fail the delivery with the last error', () =>
    withStack({}, async (stack) => {
      stack.mastodon.failNext({ kind: '5xx', times: 4 });
      const postId = await submit(stack, { text: 'The instance is down all day.', networks: ['mastodon'] });

      const d = await waitForDelivery(stack, postId, 'mastodon', 'failed');
      expect(d.attempts).toBe(4); // the first attempt and 3 retries
      expect(d.last_error).toMatchObject({ class: 'transient', status: 502 });
      expect(stack.mastodon.requests.filter((r) => r.method === 'POST' && r.path === '/api/v1/statuses')).toHaveLength(4);
      expect(stack.mastodon.posts).toHaveLength(0);
      const reply = await waitForReply(stack, postId, 'the failure', (t) => t.startsWith('Mastodon failed'));
      expect(reply.text).toContain('HTTP 502');
      await waitForPost(stack, postId, 'failed');
      expect((await repliesOf(stack, postId)).filter((m) => m.text.startsWith('Mastodon failed'))).toHaveLength(1);
    }));
});
