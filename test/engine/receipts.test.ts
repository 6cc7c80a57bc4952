import { webApi } from '@slack/bolt';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createSlackChatPort } from '../../src/chat/slack/slack-chat-port.ts';
import { singleTokenClients } from '../../src/chat/slack/workspace-clients.ts';
import { appendEvents } from '../../src/db/events.ts';
import { addThreadReceipts } from '../../src/db/thread-receipts.ts';
import { inTransaction } from '../../src/db/transaction.ts';
import { NOTIFY_RETRY_LIMIT } from '../../src/queue/queue.ts';
import { sweep } from '../../src/workflow/delivery/sweep.ts';
import type { WorkflowDeps } from '../../src/workflow/deps.ts';
import { handleNotifyJob } from '../../src/workflow/notify.ts';
import { ReceiptBusyError } from '../../src/workflow/post-receipts.ts';
import { recordEvent } from '../../src/workflow/record-event.ts';
import { MANAGER } from '../helpers/greenlight.ts';
import { engineDeps, isoIn, submit, threadOf, waitForNotifyDrained, waitForReply, withStack } from '../helpers/engine.ts';
import type { Stack } from '../helpers/greenlight.ts';

/**
 * Thread receipts: each event's reply reaches the thread exactly once, however many notify jobs run
 * for it at once, and however long the chat refuses it.
 */
describe.concurrent('thread receipts', () => {
  it('two notify runs at once (an expired job beside its retry) post each receipt once, in order', () =>
    withStack({}, async (stack) => {
      const postId = await scheduledPost(stack, 'Receipts once.');
      // Two events whose receipts wait, with no job of the stack's own to post them.
      await inTransaction(stack.app.db, async (tx) => {
        const ids = await appendEvents(tx, ['one', 'two'].map((n) => ({ workspaceId: stack.workspaceId, postId, kind: 'changes_requested', actor: MANAGER, data: { comment: `Receipt ${n}.` } })));
        await addThreadReceipts(tx, ids.map((eventId) => ({ eventId, postId })));
      });
      stack.slack.setLatency(300); // both runs are inside chat.postMessage at the same time
      const deps = slackDeps(stack);
      const runs = await Promise.allSettled([handleNotifyJob(deps, postId), handleNotifyJob(deps, postId)]);
      stack.slack.setLatency(0);
      expect(runs.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
      expect(runs.find((r) => r.status === 'rejected')!.reason).toBeInstanceOf(ReceiptBusyError);
      await handleNotifyJob(deps, postId); // the retry: nothing left to post
      const mine = (await threadOf(stack, postId)).filter((t) => t.includes('requested changes'));
      expect(mine).toEqual([`<@${MANAGER}> requested changes: “Receipt one.”`, `<@${MANAGER}> requested changes: “Receipt two.”`]);
      const rows = await stack.testDb.db.selectFrom('thread_receipts').select(['message_id', 'posted_at']).where('post_id', '=', postId).execute();
      expect(rows.every((r) => r.posted_at !== null)).toBe(true);
    }));

  it('a receipt the chat refuses (429, 5xx, ok:false, a dropped connection) is retried until the chat takes it, and arrives once', () =>
    withStack({}, async (stack) => {
      const postId = await scheduledPost(stack, 'Through the outage.');
      const failures = () => stack.app.metrics.chatPostFailures.get().then((m) => m.values.filter((v) => v.labels.kind === 'receipt').reduce((n, v) => n + v.value, 0));
      const before = await failures();
      // The Web API client waits out a 429 and retries a 5xx and a dropped connection itself (2
      // retries); an `ok:false` answer and a third drop in a row reach the notify job, which fails and
      // is retried by pg-boss.
      stack.slack.failNext('chat.postMessage', { status: 429, retryAfterSeconds: 1 });
      stack.slack.failNext('chat.postMessage', { status: 503, error: 'service_unavailable' });
      stack.slack.failNext('chat.postMessage', { error: 'fatal_error' });
      stack.slack.failNext('chat.postMessage', { dropConnection: true, times: 3 });
      await inTransaction(stack.app.db, (tx) => recordEvent(tx, stack.app.queue, { workspaceId: stack.workspaceId, postId, kind: 'changes_requested', actor: MANAGER, data: { comment: 'Still here.' } }));
      await waitForReply(stack, postId, 'the receipt after the outage', (t) => t.includes('Still here.'));
      await waitForNotifyDrained(stack);
      expect((await threadOf(stack, postId)).filter((t) => t.includes('Still here.'))).toHaveLength(1);
      expect(stack.slack.callsTo('chat.postMessage').filter((c) => String(c.args.text).includes('Still here.')).map((c) => c.status)).toEqual([429, 503, 200, 0, 0, 0, 200]);
      expect((await failures()) - before).toBe(2);
    }), 60_000);

  it('the notify queue has no retry cap in practice, so a long chat outage only delays receipts', () =>
    withStack({}, async (stack) => {
      const queue = await stack.app.queue.boss.getQueue('notify');
      expect(queue!.retryLimit).toBe(NOTIFY_RETRY_LIMIT);
      expect(queue!.retryDelayMax).toBe(600);
    }));

  it('receipts whose notify job was lost or failed are caught up by the sweeper, once', () =>
    withStack({}, async (stack) => {
      const postId = await scheduledPost(stack, 'Lost job.');
      // An event committed with its receipt row, and its job then lost (deleted by hand).
      await inTransaction(stack.app.db, async (tx) => {
        const [eventId] = await appendEvents(tx, [{ workspaceId: stack.workspaceId, postId, kind: 'changes_requested', actor: MANAGER, data: { comment: 'Found again.' } }]);
        await addThreadReceipts(tx, [{ eventId: eventId!, postId }]);
      });
      // The sweeper nudges only workspaces whose chat this server runs: Slack here, none without it.
      const deps = slackDeps(stack);
      expect((await sweep(deps)).receipts).toBe(0); // not overdue yet
      await sql`UPDATE thread_receipts SET created_at = now() - interval '20 minutes' WHERE post_id = ${postId} AND posted_at IS NULL`.execute(stack.testDb.db);
      expect((await sweep(engineDeps(stack))).receipts).toBe(0);
      expect((await sweep(deps)).receipts).toBe(1);
      await waitForReply(stack, postId, 'the caught-up receipt', (t) => t.includes('Found again.'));
      await waitForNotifyDrained(stack);
      expect((await sweep(deps)).receipts).toBe(0);
      expect((await threadOf(stack, postId)).filter((t) => t.includes('Found again.'))).toHaveLength(1);

      // A notify job that failed for good holds the post's key in the strictly ordered queue: the
      // sweeper retries that job rather than adding one that would wait behind it forever.
      await inTransaction(stack.app.db, async (tx) => {
        const [eventId] = await appendEvents(tx, [{ workspaceId: stack.workspaceId, postId, kind: 'changes_requested', actor: MANAGER, data: { comment: 'Behind a failed job.' } }]);
        await addThreadReceipts(tx, [{ eventId: eventId!, postId }]);
      });
      // Sent for later, so no worker takes it before it is failed (as if it ran out of retries just now).
      await stack.app.queue.boss.send('notify', { postId }, { singletonKey: postId, startAfter: 3_600 });
      await sql`UPDATE pgboss.job SET state = 'failed', completed_on = now(), start_after = now() WHERE name = 'notify' AND singleton_key = ${postId} AND state = 'created'`.execute(stack.testDb.db);
      await sql`UPDATE thread_receipts SET created_at = now() - interval '20 minutes' WHERE post_id = ${postId} AND posted_at IS NULL`.execute(stack.testDb.db);
      expect((await sweep(deps)).receipts).toBe(1);
      await waitForReply(stack, postId, 'the receipt behind the failed job', (t) => t.includes('Behind a failed job.'));
      await waitForNotifyDrained(stack);
      expect((await threadOf(stack, postId)).filter((t) => t.includes('Behind a failed job.'))).toHaveLength(1);
      const { rows } = await sql<{ state: string }>`SELECT state FROM pgboss.job WHERE name = 'notify' AND singleton_key = ${postId} AND state = 'failed'`.execute(stack.testDb.db);
      expect(rows).toEqual([]);
    }));
});

/** A post approved for an hour from now, its card and "Scheduled" receipt in the thread. */
async function scheduledPost(stack: Stack, text: string): Promise<string> {
  const postId = await submit(stack, { text, networks: ['mastodon'], when: isoIn(3_600_000) });
  await waitForReply(stack, postId, 'scheduled', (t) => t.startsWith('Scheduled for'));
  await waitForNotifyDrained(stack);
  return postId;
}

/** The engine's deps with the Slack chat port over the real Web API client, pointed at the emulator. */
function slackDeps(stack: Stack): WorkflowDeps {
  const client = new webApi.WebClient(stack.slack.botToken, { slackApiUrl: stack.slack.apiUrl });
  return { ...engineDeps(stack), chats: { slack: createSlackChatPort(singleTokenClients(client), stack.app.db) } };
}

