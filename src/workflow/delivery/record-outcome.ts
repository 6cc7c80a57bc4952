import { NETWORK_LABELS } from '../../domain/networks.ts';
import { findAccount } from '../../db/accounts.ts';
import { holdAccount, promptReconnect } from '../accounts/account-needs-reconnect.ts';
import { transitionDelivery } from '../../db/deliveries.ts';
import type { Tx } from '../../db/database.ts';
import { lockPost } from '../../db/posts.ts';
import type { Delivery, DeliveryError } from '../../db/schema.ts';
import { inTransaction } from '../../db/transaction.ts';
import type { NetworkError, PublishResult } from '../../networks/adapter.ts';
import type { WorkflowDeps } from '../deps.ts';
import { recordEvent } from '../record-event.ts';
import { recordPublishedAll } from './record-published.ts';
import { settlePost } from './settle-post.ts';

/**
 * Each outcome of an attempt is written in one transaction with the post row locked: the delivery's
 * state, the audit event, the thread receipt's job and the post's derived state commit together.
 */
async function withPostLocked(deps: WorkflowDeps, delivery: Delivery, work: (tx: Tx) => Promise<void>): Promise<void> {
  await inTransaction(deps.db, async (tx) => {
    await lockPost(tx, delivery.post_id);
    await work(tx);
    await settlePost(tx, delivery.post_id);
  });
}

const event = (delivery: Delivery, workspaceId: string, kind: string, data: Record<string, unknown>) => ({
  workspaceId,
  postId: delivery.post_id,
  deliveryId: delivery.id,
  kind,
  data: { network: delivery.network, ...data },
});

/** One published delivery; recordPublishedAll records any number in one transaction. */
export function recordPublished(deps: WorkflowDeps, delivery: Delivery, workspaceId: string, result: PublishResult): Promise<void> {
  return recordPublishedAll(deps, [{ delivery, workspaceId, result, publishedAt: deps.now() }]);
}

export function recordFailed(
  deps: WorkflowDeps,
  delivery: Delivery,
  workspaceId: string,
  error: DeliveryError,
  parts: { published: number; total: number },
): Promise<void> {
  return withPostLocked(deps, delivery, async (tx) => {
    const done = await transitionDelivery(tx, delivery.id, 'failed', { last_error: error }, ['sending']);
    if (!done) return;
    deps.metrics.deliveries.inc({ network: delivery.network, outcome: 'failed' });
    await recordEvent(
      tx,
      deps.queue,
      event(delivery, workspaceId, 'delivery_failed', { reason: describe(error), publishedParts: parts.published, totalParts: parts.total }),
    );
  });
}

/**
 * The token was refused: this delivery needs a reconnect, and the account is handled as the daily
 * refresh job handles a refused refresh (holdAccount): marked once, its other queued deliveries held
 * (`held`, each thread saying why) instead of failing one by one, and one Reconnect prompt to the
 * account's connector and the admins. A second delivery failing the same way finds the account marked
 * and prompts nobody again.
 */
export async function recordNeedsReconnect(deps: WorkflowDeps, delivery: Delivery, workspaceId: string, error: DeliveryError): Promise<void> {
  const reason = describe(error);
  let held: number | undefined;
  await withPostLocked(deps, delivery, async (tx) => {
    const done = await transitionDelivery(tx, delivery.id, 'needs_reconnect', { last_error: error }, ['sending']);
    if (!done) return;
    deps.metrics.deliveries.inc({ network: delivery.network, outcome: 'needs_reconnect' });
    held = await holdAccount(tx, deps, { id: delivery.account_id, workspace_id: workspaceId }, reason, delivery.id);
    await recordEvent(tx, deps.queue, event(delivery, workspaceId, 'delivery_needs_reconnect', { reason }));
  });
  if (held === undefined) return;
  const account = await findAccount(deps.db, delivery.account_id);
  if (account) await promptReconnect(deps, account, reason, held);
}

export function recordUnconfirmed(deps: WorkflowDeps, delivery: Delivery, workspaceId: string, error: DeliveryError): Promise<void> {
  return withPostLocked(deps, delivery, async (tx) => {
    const done = await transitionDelivery(tx, delivery.id, 'unconfirmed', { last_error: error }, ['sending']);
    if (!done) return;
    deps.metrics.deliveries.inc({ network: delivery.network, outcome: 'unconfirmed' });
    await recordEvent(tx, deps.queue, event(delivery, workspaceId, 'delivery_unconfirmed', { reason: '' }));
  });
}

/** Back to `pending` with a later due time and a new job; a long wait is said in the thread. */
export async function recordRetry(deps: WorkflowDeps, delivery: Delivery, workspaceId: string, error: DeliveryError, retryAt: Date): Promise<void> {
  await inTransaction(deps.db, async (tx) => {
    // An unknown outcome is remembered past the next attempt's error: see maybe_sent_at in the migration.
    const maybeSent = error.class === 'unknown_outcome' ? { maybe_sent_at: deps.now() } : {};
    const done = await transitionDelivery(tx, delivery.id, 'pending', { last_error: error, due_at: retryAt, ...maybeSent }, ['sending']);
    if (!done) return;
    deps.metrics.deliveries.inc({ network: delivery.network, outcome: 'retry' });
    await deps.queue.sendPublish(tx, delivery, retryAt);
    if (retryAt.getTime() - deps.now().getTime() > 60_000) {
      await recordEvent(tx, deps.queue, event(delivery, workspaceId, 'delivery_retrying', { reason: describe(error), retryAt: retryAt.toISOString() }));
    }
  });
}

/** What the team reads: the network's own words where it gave them. */
export function describe(error: DeliveryError): string {
  const label = error.networkMessage ?? error.message;
  // A code that only repeats the words ("Unauthorized (Unauthorized)") adds nothing.
  return error.networkCode && !label.toLowerCase().includes(error.networkCode.toLowerCase()) ? `${label} (${error.networkCode})` : label;
}

export function toDeliveryError(error: NetworkError): DeliveryError {
  return {
    class: error.errorClass,
    message: error.message,
    ...(error.status !== undefined ? { status: error.status } : {}),
    ...(error.networkCode ? { networkCode: error.networkCode } : {}),
    ...(error.networkMessage ? { networkMessage: error.networkMessage } : {}),
    ...(error.requestId ? { requestId: error.requestId } : {}),
  };
}

export const networkLabel = (delivery: Delivery) => NETWORK_LABELS[delivery.network];
