import { REST } from '@discordjs/rest';
import { webApi } from '@slack/bolt';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createDiscordChatPort } from '../../src/chat/discord/discord-chat-port.ts';
import { createSlackChatPort } from '../../src/chat/slack/slack-chat-port.ts';
import { singleTokenClients } from '../../src/chat/slack/workspace-clients.ts';
import { appendEvents } from '../../src/db/events.ts';
import { addThreadReceipts, claimReceipt, pendingReceipts, RECEIPT_LEASE_SECONDS } from '../../src/db/thread-receipts.ts';
import { findWorkspace } from '../../src/db/workspaces.ts';
import { inTransaction } from '../../src/db/transaction.ts';
import { NOTIFY_RETRY_LIMIT } from '../../src/queue/queue.ts';
import { sweep } from '../../src/workflow/delivery/sweep.ts';
import type { WorkflowDeps } from '../../src/workflow/deps.ts';
import { handleNotifyJob } from '../../src/workflow/card/update-card.ts';
import { ReceiptBusyError } from '../../src/workflow/card/post-receipts.ts';
import { receiptFor } from '../../src/workflow/card/receipt-for.ts';
import { recordEvent } from '../../src/workflow/record-event.ts';
import { dCard, dDraft, dThread, discordOf } from '../helpers/discord-stack.ts';
import { MANAGER } from '../helpers/greenlight.ts';
import { engineDeps, findPost, isoIn, repliesOf, submit, threadOf, waitForNotifyDrained, waitForReply, withStack } from '../helpers/engine.ts';
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
        const ids = await appendEvents(
          tx,
          ['one', 'two'].map((n) => ({
            workspaceId: stack.workspaceId,
            postId,
            kind: 'changes_requested',
            actor: MANAGER,
            data: { comment: `Receipt ${n}.` },
          })),
        );
        await addThreadReceipts(
          tx,
          ids.map((eventId) => ({ eventId, postId })),
        );
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

  it(
    'a receipt the chat refuses (429, 5xx, ok:false, a dropped connection) is retried until the chat takes it, and arrives once',
    () =>
      withStack({}, async (stack) => {
        const postId = await scheduledPost(stack, 'Through the outage.');
        const failures = () =>
          stack.app.metrics.chatPostFailures.get().then((m) => m.values.filter((v) => v.labels.kind === 'receipt').reduce((n, v) => n + v.value, 0));
        const before = await failures();
        // The Web API client waits out a 429 and retries a 5xx and a dropped connection itself (2
        // retries); an `ok:false` answer and a third drop in a row reach the notify job, which fails and
        // is retried by pg-boss.
        stack.slack.failNext('chat.postMessage', { status: 429, retryAfterSeconds: 1 });
        stack.slack.failNext('chat.postMessage', { status: 503, error: 'service_unavailable' });
        stack.slack.failNext('chat.postMessage', { error: 'fatal_error' });
        stack.slack.failNext('chat.postMessage', { dropConnection: true, times: 3 });
        await inTransaction(stack.app.db, (tx) =>
          recordEvent(tx, stack.app.queue, {
            workspaceId: stack.workspaceId,
            postId,
            kind: 'changes_requested',
            actor: MANAGER,
            data: { comment: 'Still here.' },
          }),
        );
        await waitForReply(stack, postId, 'the receipt after the outage', (t) => t.includes('Still here.'));
        await waitForNotifyDrained(stack);
        expect((await threadOf(stack, postId)).filter((t) => t.includes('Still here.'))).toHaveLength(1);
        expect(
          stack.slack
            .callsTo('chat.postMessage')
            .filter((c) => String(c.args.text).includes('Still here.'))
            .map((c) => c.status),
        ).toEqual([429, 503, 200, 0, 0, 0, 200]);
        expect((await failures()) - before).toBe(2);
      }),
    60_000,
  );

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
        const [eventId] = await appendEvents(tx, [
          { workspaceId: stack.workspaceId, postId, kind: 'changes_requested', actor: MANAGER, data: { comment: 'Found again.' } },
        ]);
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
        const [eventId] = await appendEvents(tx, [
          { workspaceId: stack.workspaceId, postId, kind: 'changes_requested', actor: MANAGER, data: { comment: 'Behind a failed job.' } },
        ]);
        await addThreadReceipts(tx, [{ eventId: eventId!, postId }]);
      });
      // Sent for later, so no worker takes it before it is failed (as if it ran out of retries just now).
      await stack.app.queue.boss.send('notify', { postId }, { singletonKey: postId, startAfter: 3_600 });
      await sql`UPDATE pgboss.job SET state = 'failed', completed_on = now(), start_after = now() WHERE name = 'notify' AND singleton_key = ${postId} AND state = 'created'`.execute(
        stack.testDb.db,
      );
      await sql`UPDATE thread_receipts SET created_at = now() - interval '20 minutes' WHERE post_id = ${postId} AND posted_at IS NULL`.execute(stack.testDb.db);
      expect((await sweep(deps)).receipts).toBe(1);
      await waitForReply(stack, postId, 'the receipt behind the failed job', (t) => t.includes('Behind a failed job.'));
      await waitForNotifyDrained(stack);
      expect((await threadOf(stack, postId)).filter((t) => t.includes('Behind a failed job.'))).toHaveLength(1);
      const { rows } = await sql<{
        state: string;
      }>`SELECT state FROM pgboss.job WHERE name = 'notify' AND singleton_key = ${postId} AND state = 'failed'`.execute(stack.testDb.db);
      expect(rows).toEqual([]);
    }));

  it('a receipt Slack took before its worker died is found by its metadata after the lease, not posted again', () =>
    withStack({}, async (stack) => {
      const postId = await scheduledPost(stack, 'Died after posting.');
      const deps = slackDeps(stack);
      const { eventId, messageId } = await crashAfterPosting(stack, deps, postId, 'Posted, then the worker died.');
      await handleNotifyJob(deps, postId);
      expect((await threadOf(stack, postId)).filter((t) => t.includes('Posted, then the worker died.'))).toHaveLength(1);
      expect(await receiptRow(stack, eventId)).toEqual({ message_id: messageId, posted: true });
      expect(stack.slack.callsTo('conversations.replies').map((c) => c.args.include_all_metadata)).toEqual(['true']);
    }));

  it('a receipt Discord took before its worker died, after its nonce expired, is found in the thread, not posted again', () =>
    withStack({ discord: 'http' }, async (stack) => {
      const emu = discordOf(stack).emulator;
      await dDraft(stack, { text: 'Died after posting on Discord.', accounts: [discordOf(stack).accounts.mastodon], when: 'in 2h' });
      await emu.waitFor(() => dCard(stack), { what: 'the card' });
      await waitForNotifyDrained(stack);
      const { id: postId } = await stack.app.db
        .selectFrom('posts')
        .select('id')
        .where('workspace_id', '=', discordOf(stack).workspaceId)
        .executeTakeFirstOrThrow();
      const deps = { ...engineDeps(stack), chats: { discord: createDiscordChatPort(new REST({ api: emu.apiBase }).setToken(emu.botToken), stack.app.db) } };
      const { eventId, messageId } = await crashAfterPosting(stack, deps, postId, 'Posted, then the worker died.');
      emu.forgetNonces(); // the lease (10 minutes) outlasts Discord's "few minutes"
      await handleNotifyJob(deps, postId);
      expect(dThread(stack).filter((t) => t.includes('Posted, then the worker died.'))).toHaveLength(1);
      expect(await receiptRow(stack, eventId)).toEqual({ message_id: messageId, posted: true });
    }));

  it('an install without the history scopes (the default): Slack refuses the read, the reply is posted again, never lost', () =>
    withStack({}, async (stack) => {
      const postId = await scheduledPost(stack, 'No history scope.');
      const deps = slackDeps(stack);
      const { eventId } = await crashAfterPosting(stack, deps, postId, 'Posted, then the worker died.');
      stack.slack.failNext('conversations.replies', { error: 'missing_scope' });
      await handleNotifyJob(deps, postId);
      const copies = (await repliesOf(stack, postId)).filter((m) => m.text.includes('Posted, then the worker died.'));
      expect(copies).toHaveLength(2);
      expect(await receiptRow(stack, eventId)).toEqual({ message_id: copies[1]!.ts, posted: true });
    }));

  it('a look-up that fails (Slack internal_error) posts nothing and reopens the takeover: the retry looks again at once and finds the reply', () =>
    withStack({}, async (stack) => {
      const postId = await scheduledPost(stack, 'Look-up failed once.');
      const deps = slackDeps(stack);
      const { eventId, messageId } = await crashAfterPosting(stack, deps, postId, 'Posted, then the worker died.');
      stack.slack.failNext('conversations.replies', { error: 'internal_error' });
      await expect(handleNotifyJob(deps, postId)).rejects.toThrow();
      expect(await receiptRow(stack, eventId)).toEqual({ message_id: null, posted: false });
      // The job's retry, right away: no second lease to wait out.
      await handleNotifyJob(deps, postId);
      expect((await threadOf(stack, postId)).filter((t) => t.includes('Posted, then the worker died.'))).toHaveLength(1);
      expect(await receiptRow(stack, eventId)).toEqual({ message_id: messageId, posted: true });
    }));

  it('a claim taken over with nothing in the thread posts the receipt once', () =>
    withStack({}, async (stack) => {
      const postId = await scheduledPost(stack, 'Died before posting.');
      const deps = slackDeps(stack);
      const eventId = await pendingEvent(stack, postId, 'Never reached the chat.');
      expect(await claimReceipt(stack.app.db, eventId)).toEqual({ takeover: false });
      await expireClaim(stack, eventId);
      await handleNotifyJob(deps, postId);
      const replies = (await repliesOf(stack, postId)).filter((m) => m.text.includes('Never reached the chat.'));
      expect(replies).toHaveLength(1);
      expect(await receiptRow(stack, eventId)).toEqual({ message_id: replies[0]!.ts, posted: true });
      expect(stack.slack.callsTo('conversations.replies')).toHaveLength(1);
    }));
});

/** A post approved for an hour from now, its card and "Scheduled" receipt in the thread. */
async function scheduledPost(stack: Stack, text: string): Promise<string> {
  const postId = await submit(stack, { text, networks: ['mastodon'], when: isoIn(3_600_000) });
  await waitForReply(stack, postId, 'scheduled', (t) => t.startsWith('Scheduled for'));
  await waitForNotifyDrained(stack);
  return postId;
}

/** An event whose receipt waits, with no notify job for it. */
async function pendingEvent(stack: Stack, postId: string, comment: string): Promise<string> {
  return inTransaction(stack.app.db, async (tx) => {
    const [eventId] = await appendEvents(tx, [
      { workspaceId: (await findPost(stack, postId)).workspace_id, postId, kind: 'changes_requested', actor: MANAGER, data: { comment } },
    ]);
    await addThreadReceipts(tx, [{ eventId: eventId!, postId }]);
    return String(eventId);
  });
}

/**
 * A worker that dies between posting and recording: it claims the receipt and posts it through the
 * chat, and the row stays unposted; then its lease runs out.
 */
async function crashAfterPosting(stack: Stack, deps: WorkflowDeps, postId: string, comment: string): Promise<{ eventId: string; messageId: string }> {
  const eventId = await pendingEvent(stack, postId, comment);
  const post = await findPost(stack, postId);
  const workspace = (await findWorkspace(stack.app.db, post.workspace_id))!;
  const ref = await stack.app.db.selectFrom('chat_messages').selectAll().where('post_id', '=', postId).executeTakeFirstOrThrow();
  const chat = deps.chats[workspace.chat]!;
  const event = (await pendingReceipts(stack.app.db, postId)).find((e) => String(e.id) === eventId)!;
  expect(await claimReceipt(stack.app.db, eventId)).toEqual({ takeover: false });
  const messageId = await chat.postReceipt(workspace, ref, receiptFor(event, post.zone, { reconnect: () => '' }, chat.quote?.bind(chat))!, `r${eventId}`);
  await expireClaim(stack, eventId);
  return { eventId, messageId };
}

async function expireClaim(stack: Stack, eventId: string): Promise<void> {
  await sql`UPDATE thread_receipts SET claimed_at = now() - make_interval(secs => ${RECEIPT_LEASE_SECONDS + 60}) WHERE event_id = ${eventId}`.execute(
    stack.testDb.db,
  );
}

async function receiptRow(stack: Stack, eventId: string) {
  const row = await stack.testDb.db.selectFrom('thread_receipts').select(['message_id', 'posted_at']).where('event_id', '=', eventId).executeTakeFirstOrThrow();
  return { message_id: row.message_id, posted: row.posted_at !== null };
}

/** The engine's deps with the Slack chat port over the real Web API client, pointed at the emulator. */
function slackDeps(stack: Stack): WorkflowDeps {
  const client = new webApi.WebClient(stack.slack.botToken, { slackApiUrl: stack.slack.apiUrl });
  return { ...engineDeps(stack), chats: { slack: createSlackChatPort(singleTokenClients(client), stack.app.db) } };
}
