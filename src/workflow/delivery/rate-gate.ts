import { POSTING_LIMITS, longestWindowMs, nextSendAt, type SendVerdict } from '../../domain/rate-limits.ts';
import type { Tx } from '../../db/database.ts';
import { alreadyToldWaiting, deferClaimed, lockAccountsRate, markAccountLimited, networkResetsOf, recentSendsOf, recordSends } from '../../db/rate-limits.ts';
import { lockPosts } from '../../db/posts.ts';
import { inTransaction } from '../../db/transaction.ts';
import type { WorkflowDeps } from '../deps.ts';
import { recordEvent } from '../record-event.ts';
import type { DeliveryContext } from './load-delivery.ts';

/**
 * The last check before a claimed delivery calls the network: may this account post `posts` more now?
 * Postgres holds the count (every worker process sees the same sends) and the reset time a network
 * gave with a 429. Over the limit, the delivery goes back to `pending` for the moment the window
 * frees, its attempt given back, and the thread is told once. Returns true when it may go.
 */
export async function passRateGate(deps: WorkflowDeps, context: DeliveryContext, posts: number): Promise<boolean> {
  return (await passRateGates(deps, [{ context, posts }]))[0]!;
}

/**
 * The gate for the deliveries of one publish batch at once, in one transaction of a few
 * statements whatever its size: the accounts locked in one order, their sends and reset times read
 * once, the verdicts taken in order (a delivery counts against the next of its account), the sends
 * written in one insert. Same answers as one by one; what waits is deferred in the same transaction.
 * The posts are locked first, as the batch claim does before it gates (gateClaimed): every
 * transaction that takes both takes posts before accounts, so none waits on the other in a circle.
 */
export async function passRateGates(deps: WorkflowDeps, items: { context: DeliveryContext; posts: number }[]): Promise<boolean[]> {
  return inTransaction(deps.db, async (tx) => {
    await lockPosts(
      tx,
      items.map((i) => i.context.delivery.post_id),
    );
    return gateClaimed(deps, tx, items);
  });
}

/**
 * The gate inside the caller's transaction, which holds the deliveries' posts locked (the batch claim:
 * claim and gate in one transaction, one round trip and commit fewer per batch).
 */
export async function gateClaimed(deps: WorkflowDeps, tx: Tx, items: { context: DeliveryContext; posts: number }[]): Promise<boolean[]> {
  if (items.length === 0) return [];
  const now = deps.now();
  const limitsOf = (item: { context: DeliveryContext }) => (deps.postingLimits ?? POSTING_LIMITS)[item.context.delivery.network] ?? [];
  const accounts = [...new Set(items.map((i) => i.context.delivery.account_id))];
  const counted = [...new Set(items.filter((i) => limitsOf(i).length > 0).map((i) => i.context.delivery.account_id))];
  const longest = Math.max(0, ...items.map((i) => longestWindowMs(limitsOf(i))));
  await lockAccountsRate(tx, counted);
  const sent = await recentSendsOf(tx, counted, new Date(now.getTime() - longest));
  const resets = await networkResetsOf(tx, accounts);
  const sends: Parameters<typeof recordSends>[1] = [];
  const answers: boolean[] = [];
  for (const { context, posts } of items) {
    const { delivery } = context;
    const limits = limitsOf({ context });
    const history = sent.get(delivery.account_id) ?? [];
    const verdict = nextSendAt({ limits, sent: history, posts, now, networkResetAt: resets.get(delivery.account_id) });
    if (verdict.go && limits.length > 0) {
      history.push({ at: now, posts });
      sends.push({ accountId: delivery.account_id, deliveryId: delivery.id, at: now, posts });
    }
    if (!verdict.go) await defer(deps, tx, context, verdict);
    answers.push(verdict.go);
  }
  await recordSends(tx, sends);
  return answers;
}

async function defer(deps: WorkflowDeps, tx: Tx, context: DeliveryContext, verdict: Extract<SendVerdict, { go: false }>): Promise<void> {
  const { delivery, workspace, account } = context;
  const row = await deferClaimed(tx, delivery.id, verdict.at);
  if (!row) return;
  await deps.queue.sendPublish(tx, delivery, verdict.at);
  deps.metrics.deliveries.inc({ network: delivery.network, outcome: 'rate_waiting' });
  deps.log.info(
    { postId: delivery.post_id, deliveryId: delivery.id, network: delivery.network, until: verdict.at.toISOString(), because: verdict.because.kind },
    'delivery waits for the account’s rate limit',
  );
  if (await alreadyToldWaiting(tx, delivery.post_id, delivery.id)) return;
  await recordEvent(tx, deps.queue, {
    workspaceId: workspace.id,
    postId: delivery.post_id,
    deliveryId: delivery.id,
    kind: 'delivery_rate_limited',
    data: {
      network: delivery.network,
      account: account.display_name,
      until: verdict.at.toISOString(),
      ...(verdict.because.kind === 'limit' ? { limit: verdict.because.limit.label } : {}),
    },
  });
}

/**
 * The network answered "too many" with a reset time (a 429, Instagram's publishing-limit codes): the
 * limit is the account's, not this delivery's, so every other due delivery of the account waits for
 * the reset at the gate instead of each spending a retry to learn the same thing.
 */
export async function noteNetworkLimit(deps: WorkflowDeps, context: DeliveryContext, until: Date, reason: string): Promise<void> {
  if (until.getTime() <= deps.now().getTime()) return;
  await markAccountLimited(deps.db, context.delivery.account_id, until, reason);
}
