import { sql } from 'kysely';
import { startGreenlight, type Greenlight } from '../../src/service/start-service.ts';
import { loadConfig } from '../../src/config/load.ts';
import type { Delivery, Post } from '../../src/db/schema.ts';
import type { DeliveryState } from '../../src/domain/delivery-state.ts';
import type { Network } from '../../src/domain/networks.ts';
import type { PostState } from '../../src/domain/post-state.ts';
import { greenlightCore } from '../../src/service/wire-greenlight.ts';
import { createLogger } from '../../src/log.ts';
import { createMastodonAdapter } from '../../src/networks/mastodon.ts';
import { createXAdapter } from '../../src/networks/x.ts';
import type { WorkflowDeps } from '../../src/workflow/deps.ts';
import type { SlackMessage } from '../../emulators/slack.ts';
import { APPROVALS, AUTHOR, MANAGER, buttonValue, draft, startStack, type Stack, type StackOptions } from './greenlight.ts';

/**
 * Helpers for the delivery engine's integration tests: posts go in through Slack (the compose form and
 * the Approve button), outcomes are read from the database, the emulators and the card's thread.
 */

/** Generous: a wait ends as soon as its condition holds, the timeout only bounds a broken run. */
export const WAIT_MS = 20_000;

/** The same retry timing as the stack's (test/helpers/greenlight.ts). */
const RETRY_DELAYS = { baseMs: 100, maxMs: 1_000 };

export async function waitUntil<T>(
  stack: Stack,
  what: string,
  predicate: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  timeoutMs = WAIT_MS,
): Promise<T> {
  return stack.slack.waitFor(predicate, { what, timeoutMs, intervalMs: 25 });
}

/**
 * Drafts a post through /post and the compose form and, unless `approve` is false, approves it by
 * clicking Approve on its card. Returns the post's id.
 */
export async function submit(
  stack: Stack,
  o: { text: string; networks: Network[]; when?: string; approve?: boolean; comments?: Partial<Record<Network, string>> },
): Promise<string> {
  const res = await draft(stack, {
    text: o.text,
    accounts: o.networks.map((n) => stack.accounts[n as 'x' | 'mastodon']),
    ...(o.when ? { when: o.when } : {}),
    ...(o.comments ? { comments: o.comments } : {}),
  });
  if (res.status !== 200 || res.body !== undefined) throw new Error(`the compose form was refused: ${JSON.stringify(res.body)}`);
  const post = await stack.testDb.db
    .selectFrom('posts')
    .select(['id', 'state'])
    .where('text', '=', o.text)
    .orderBy('created_at', 'desc')
    .executeTakeFirstOrThrow();
  if (o.approve !== false && post.state === 'in_review') await approve(stack, post.id);
  return post.id;
}

/** A manager clicks Approve on the post's card; resolves once the post left review. */
export async function approve(stack: Stack, postId: string): Promise<void> {
  const card = await waitForCard(stack, postId, (c) => blocksHave(c, 'approve'));
  const res = await stack.slack.clickButton({
    userId: MANAGER,
    actionId: 'approve',
    channelId: APPROVALS,
    messageTs: card.ts,
    value: buttonValue(card, 'approve'),
  });
  if (res.status !== 200) throw new Error(`approve answered ${res.status}`);
  await waitForPost(stack, postId, (s) => s !== 'in_review');
}

/** The author (or `user`) clicks one of the card's buttons (cancel, publish_now, reschedule, ...). */
export async function clickCard(stack: Stack, postId: string, actionId: string, user = AUTHOR) {
  const card = await waitForCard(stack, postId, (c) => blocksHave(c, actionId));
  return stack.slack.clickButton({ userId: user, actionId, channelId: APPROVALS, messageTs: card.ts, value: buttonValue(card, actionId) });
}

function blocksHave(message: SlackMessage, actionId: string): boolean {
  return JSON.stringify(message.blocks ?? []).includes(`"action_id":"${actionId}"`);
}

/** The post's card in #approvals, found through the message reference Greenlight stored for it. */
export async function cardOf(stack: Stack, postId: string): Promise<SlackMessage | undefined> {
  const ref = await stack.testDb.db.selectFrom('chat_messages').select(['channel_id', 'message_id']).where('post_id', '=', postId).executeTakeFirst();
  return ref ? stack.slack.message(ref.channel_id, ref.message_id) : undefined;
}

export function waitForCard(stack: Stack, postId: string, ok: (card: SlackMessage) => boolean = () => true): Promise<SlackMessage> {
  return waitUntil(stack, `the card of post ${postId}`, async () => {
    const card = await cardOf(stack, postId);
    return card && ok(card) ? card : undefined;
  });
}

/** The replies in the post's card thread, oldest first. */
export async function repliesOf(stack: Stack, postId: string): Promise<SlackMessage[]> {
  const card = await cardOf(stack, postId);
  return card ? stack.slack.threadReplies(APPROVALS, card.ts) : [];
}

export async function threadOf(stack: Stack, postId: string): Promise<string[]> {
  return (await repliesOf(stack, postId)).map((m) => m.text);
}

export function waitForReply(stack: Stack, postId: string, what: string, match: (text: string) => boolean): Promise<SlackMessage> {
  return waitUntil(stack, `a reply in the thread of post ${postId}: ${what}`, async () => (await repliesOf(stack, postId)).find((m) => match(m.text)));
}

/** Waits for the card to show a state label ("Published", "Partly published", ...). */
export function waitForCardLabel(stack: Stack, postId: string, label: string): Promise<SlackMessage> {
  return waitForCard(stack, postId, (c) => c.text.startsWith(`${label}:`));
}

export function findPost(stack: Stack, postId: string): Promise<Post> {
  return stack.testDb.db.selectFrom('posts').selectAll().where('id', '=', postId).executeTakeFirstOrThrow();
}

export function deliveriesOf(stack: Stack, postId: string): Promise<Delivery[]> {
  return stack.testDb.db.selectFrom('deliveries').selectAll().where('post_id', '=', postId).orderBy('network').execute();
}

export async function deliveryOf(stack: Stack, postId: string, network: Network): Promise<Delivery> {
  const found = (await deliveriesOf(stack, postId)).find((d) => d.network === network);
  if (!found) throw new Error(`post ${postId} has no ${network} delivery`);
  return found;
}

export function waitForDelivery(stack: Stack, postId: string, network: Network, state: DeliveryState, timeoutMs = WAIT_MS): Promise<Delivery> {
  return waitUntil(
    stack,
    `the ${network} delivery of post ${postId} to be ${state}`,
    async () => {
      const d = (await deliveriesOf(stack, postId)).find((x) => x.network === network);
      return d?.state === state ? d : undefined;
    },
    timeoutMs,
  );
}

export function waitForPost(stack: Stack, postId: string, state: PostState | ((s: PostState) => boolean), timeoutMs = WAIT_MS): Promise<Post> {
  const ok = typeof state === 'function' ? state : (s: PostState) => s === state;
  return waitUntil(
    stack,
    `post ${postId} to be ${typeof state === 'function' ? 'ready' : state}`,
    async () => {
      const post = await findPost(stack, postId);
      return ok(post.state) ? post : undefined;
    },
    timeoutMs,
  );
}

export function partsOf(stack: Stack, deliveryId: string) {
  return stack.testDb.db.selectFrom('delivery_parts').selectAll().where('delivery_id', '=', deliveryId).orderBy('position').execute();
}

/** The publish jobs pg-boss holds for a delivery, on any publish queue (the job's singleton key is the delivery id). */
export async function publishJobs(stack: Stack, deliveryId: string): Promise<{ id: string; state: string; start_after: Date }[]> {
  const { rows } = await sql<{ id: string; state: string; start_after: Date }>`
    SELECT id, state, start_after FROM pgboss.job WHERE name LIKE 'publish%' AND singleton_key = ${deliveryId} ORDER BY created_on`.execute(stack.testDb.db);
  return rows;
}

/**
 * Waits until the post's attempt at `network` ended without an answer (pending, maybe sent), then moves
 * its retry to now and wakes its job: the wait for the network's lists to catch up (5 s) is skipped,
 * as nothing needs to catch up here. Resolves with the delivery as it was waiting.
 */
export async function retryUnknownOutcomeNow(stack: Stack, postId: string, network: Network): Promise<Delivery> {
  const waiting = await waitUntil(stack, 'the unknown outcome to be recorded', async () => {
    const d = await deliveryOf(stack, postId, network);
    return d.state === 'pending' && d.maybe_sent_at !== null ? d : undefined;
  });
  await sql`UPDATE deliveries SET due_at = now() WHERE id = ${waiting.id} AND state = 'pending'`.execute(stack.testDb.db);
  await wakeJobNow(stack, waiting.id);
  return waiting;
}

/** Wakes a delivery's waiting publish job now, as if its time had come (instead of waiting for it). */
export async function wakeJobNow(stack: Stack, deliveryId: string): Promise<string> {
  const { rows } = await sql<{ id: string }>`
    UPDATE pgboss.job SET start_after = now() WHERE name LIKE 'publish%' AND singleton_key = ${deliveryId} AND state IN ('created', 'retry') RETURNING id`.execute(
    stack.testDb.db,
  );
  if (rows.length !== 1) throw new Error(`expected one waiting publish job for delivery ${deliveryId}, found ${rows.length}`);
  return rows[0]!.id;
}

export function waitForJobDone(stack: Stack, jobId: string): Promise<string> {
  return waitUntil(stack, `publish job ${jobId} to finish`, async () => {
    const { rows } = await sql<{ state: string }>`SELECT state FROM pgboss.job WHERE id = ${jobId}`.execute(stack.testDb.db);
    const state = rows[0]?.state;
    return state === 'completed' || state === 'failed' ? state : undefined;
  });
}

/** Waits until no notify job is waiting, retrying or running: every receipt there is to post is posted. */
export function waitForNotifyDrained(stack: Stack, timeoutMs = WAIT_MS): Promise<true> {
  return waitUntil(
    stack,
    'the notify queue to drain',
    async () => {
      const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'notify' AND state < 'completed'`.execute(
        stack.testDb.db,
      );
      return rows[0]!.n === 0 || undefined;
    },
    timeoutMs,
  );
}

/** An ISO time `ms` from now, with seconds, as the compose and reschedule forms accept it. */
export function isoIn(ms: number): string {
  return new Date(Date.now() + ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Creates a post on X as the connected account, straight at the emulator (what a dead worker's request left behind). */
export async function postToX(stack: Stack, text: string): Promise<string> {
  const res = await fetch(`${stack.x.url}/2/tweets`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.tokens.x.accessToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ text }),
  });
  if (res.status !== 201) throw new Error(`X emulator refused the post: ${res.status}`);
  return ((await res.json()) as { data: { id: string } }).data.id;
}

/** Creates a Mastodon status as the connected account with a given Idempotency-Key, straight at the emulator. */
export async function postToMastodon(stack: Stack, text: string, idempotencyKey: string): Promise<string> {
  const res = await fetch(`${stack.mastodon.url}/api/v1/statuses`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.tokens.mastodon.accessToken}`, 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
    body: JSON.stringify({ status: text }),
  });
  if (res.status !== 200) throw new Error(`Mastodon emulator refused the status: ${res.status}`);
  return ((await res.json()) as { id: string }).id;
}

function adapters(stack: Stack) {
  return { x: createXAdapter({ baseUrl: stack.x.url, timeoutMs: 2_000 }), mastodon: createMastodonAdapter({ timeoutMs: 2_000 }) };
}

/**
 * The workflow's dependencies over the stack's own database pool and queue, for calling an engine
 * function (the sweeper) directly. No chat edge: a direct call's receipts go out through the stack's
 * notify workers, which have Slack.
 */
export function engineDeps(stack: Stack): WorkflowDeps {
  return {
    db: stack.app.db,
    queue: stack.app.queue,
    cipher: stack.app.cipher,
    log: createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    metrics: stack.app.metrics,
    now: () => new Date(),
    adapters: adapters(stack),
    chats: {},
    publicUrl: 'http://localhost:0',
    // As the stack's: 3 retries, its retry delays, stuck after 2 × NETWORK_TIMEOUT_MS (30 s default) + 10 s.
    publish: { retries: 3, ...RETRY_DELAYS, stuckAfterMs: 70_000 },
  };
}

/**
 * A second Greenlight process on the stack's database: its own queue client and publish workers,
 * the same adapters and emulators. It has the same Slack credentials (replicas run one config), so the
 * receipts it renders reach the same threads; Slack's events keep going to the first instance.
 */
export async function startSecondInstance(stack: Stack): Promise<Greenlight> {
  const config = loadConfig({
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    DATABASE_URL: stack.testDb.url,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    GREENLIGHT_DATA_DIR: '.greenlight/test-data',
    QUEUE_POLL_SECONDS: '0.5',
    // The emulators listen on loopback: allowed by name, not by switching the outbound guard off.
    OUTBOUND_ALLOW_PRIVATE: '127.0.0.0/8,::1/128',
    // No page is read for link cards unless a test turns them on (test/workflow/link-preview.test.ts).
    LINK_PREVIEW_TIMEOUT_MS: '0',
    SLACK_BOT_TOKEN: stack.slack.botToken,
    SLACK_SIGNING_SECRET: stack.slack.signingSecret,
    SLACK_API_URL: stack.slack.apiUrl,
    X_API_URL: stack.x.url,
  });
  return startGreenlight({
    config,
    log: createLogger({ level: config.logLevel }),
    extensions: [greenlightCore(config, { adapters: adapters(stack), retryDelays: RETRY_DELAYS })],
  });
}

/** Runs `body` against a stack of its own (so tests in one file can run concurrently), stopped afterwards. */
export async function withStack<T>(options: StackOptions, body: (stack: Stack) => Promise<T>): Promise<T> {
  const stack = await startStack(options);
  try {
    return await body(stack);
  } finally {
    await stack.stop();
  }
}
