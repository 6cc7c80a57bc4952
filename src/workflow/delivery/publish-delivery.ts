import { splitThreadParts } from '../../domain/thread-parts.ts';
import { validateContent } from '../../domain/text-rules.ts';
import { nextAttemptAt } from '../../domain/backoff.ts';
import { refreshIfExpiring } from '../../oauth/refresh-account.ts';
import { claimDelivery, listParts, savePart, transitionDelivery } from '../../db/deliveries.ts';
import { transitionPost } from '../../db/posts.ts';
import type { DeliveryError } from '../../db/schema.ts';
import { inTransaction } from '../../db/transaction.ts';
import { NetworkError, type Credentials, type NetworkAdapter, type PublishedPart } from '../../networks/adapter.ts';
import type { WorkflowDeps } from '../deps.ts';
import { recordEvent } from '../record-event.ts';
import { deliveryText, loadDeliveryContext, type DeliveryContext } from './load-delivery.ts';
import { reconcile, type Verdict } from './reconcile.ts';
import { recoverStuck } from './sweep.ts';
import { recordFailed, recordNeedsReconnect, recordPublished, recordRetry, recordUnconfirmed, toDeliveryError } from './record-outcome.ts';

/** A job that wakes a little early (clock skew between replicas) still counts as on time. */
const EARLY_TOLERANCE_MS = 250;
/** Refresh a token that expires within this window before using it. */
const REFRESH_WINDOW_MS = 5 * 60_000;

/**
 * The publish job's handler. The job only says "look at this delivery now"; the row decides. A
 * delivery is claimed atomically (`pending -> sending`), so of any number of workers woken for it
 * exactly one calls the network.
 */
export async function handlePublishJob(deps: WorkflowDeps, deliveryId: string, signal: AbortSignal): Promise<void> {
  const context = await loadDeliveryContext(deps.db, deliveryId);
  if (!context) return; // withdrawn by an edit or a cancel
  const { delivery, post, workspace, account } = context;
  // A job whose earlier run lost its worker comes back here; the attempt it left behind is recovered.
  if (delivery.state === 'sending' && (await recoverStuck(deps, delivery.id))) return;
  if (delivery.state !== 'pending') return;
  const now = deps.now();
  if (delivery.due_at.getTime() > now.getTime() + EARLY_TOLERANCE_MS) {
    await deps.queue.sendPublish(deps.db, delivery.id, delivery.due_at);
    return;
  }
  if (!['scheduled', 'publishing', 'failed', 'partially_published'].includes(post.state)) return;
  if (workspace.paused_at || account.status !== 'connected') {
    await hold(deps, context, workspace.paused_at ? 'paused' : 'needs_reconnect');
    return;
  }
  const claimed = await inTransaction(deps.db, async (tx) => {
    const row = await claimDelivery(tx, delivery.id, now);
    if (row) await transitionPost(tx, post.id, 'publishing', ['scheduled', 'failed', 'partially_published']);
    return row;
  });
  if (!claimed) return;
  if (claimed.attempts === 1) deps.metrics.publishLateness.observe({ network: claimed.network }, Math.max(0, now.getTime() - claimed.due_at.getTime()) / 1000);
  await attempt(deps, { ...context, delivery: claimed }, signal);
}

async function attempt(deps: WorkflowDeps, context: DeliveryContext, signal: AbortSignal): Promise<void> {
  const { delivery, workspace, content } = context;
  const adapter = deps.adapters[delivery.network];
  const parts = splitThreadParts(deliveryText(context));
  const media = content.media.map((m) => m.url);
  const problem = !adapter
    ? `Greenlight has no ${delivery.network} adapter configured on this server.`
    : validateContent(delivery.network, { text: deliveryText(context), media })[0]?.message;
  if (problem || !adapter) {
    await recordFailed(deps, delivery, workspace.id, { class: 'permanent', message: problem ?? 'no adapter' }, { published: 0, total: parts.length });
    return;
  }
  let publishedParts: PublishedPart[] = [];
  try {
    const credentials = await usableCredentials(deps, context, adapter, signal);
    // An earlier attempt ended without knowing whether the network took the post: look before sending again.
    if (delivery.last_error?.class === 'unknown_outcome' && !adapter.idempotent) {
      const verdict = await reconcileOrWait(deps, context, adapter, credentials, parts, signal);
      if (verdict === 'waiting') return;
      if (verdict === 'unconfirmed') return recordUnconfirmed(deps, delivery, workspace.id, delivery.last_error);
      if (verdict === 'complete') return finishFromParts(deps, context, parts.length);
    }
    publishedParts = (await listParts(deps.db, delivery.id)).map((p) => ({ position: p.position, externalId: p.externalId, url: p.url }));
    const result = await adapter.publish(
      {
        deliveryId: delivery.id,
        parts,
        media: content.media.map((m) => (m.alt ? { url: m.url, alt: m.alt } : { url: m.url })),
        publishedParts,
        signal,
        onPartPublished: async (part) => {
          publishedParts = [...publishedParts, part];
          await savePart(deps.db, delivery.id, part);
        },
      },
      credentials,
    );
    await recordPublished(deps, delivery, workspace.id, result);
  } catch (error) {
    await recordError(deps, context, error, { published: publishedParts.length, total: parts.length });
  }
}

async function recordError(deps: WorkflowDeps, context: DeliveryContext, error: unknown, parts: { published: number; total: number }): Promise<void> {
  const { delivery, workspace } = context;
  const classified: DeliveryError = error instanceof NetworkError ? toDeliveryError(error) : { class: 'unknown_outcome', message: error instanceof Error ? error.message : String(error) };
  deps.log.warn({ postId: delivery.post_id, deliveryId: delivery.id, network: delivery.network, attempt: delivery.attempts, error: classified }, 'delivery attempt failed');
  switch (classified.class) {
    case 'auth':
      return recordNeedsReconnect(deps, delivery, workspace.id, classified);
    case 'permanent':
      return recordFailed(deps, delivery, workspace.id, classified, parts);
    case 'unknown_outcome':
      // Reconciled at the next attempt, after a short wait so the network's own lists catch up.
      return recordRetry(deps, delivery, workspace.id, classified, new Date(deps.now().getTime() + 5_000));
    default: {
      if (delivery.attempts > deps.publish.retries) return recordFailed(deps, delivery, workspace.id, classified, parts);
      const retryAt = nextAttemptAt(deps.now(), delivery.attempts, deps.publish, Math.random(), error instanceof NetworkError ? error.retryAt : undefined);
      return recordRetry(deps, delivery, workspace.id, classified, retryAt);
    }
  }
}

/**
 * A failed lookup leaves the outcome as unknown as before: try the lookup again later (never a blind
 * send), and hand the question to the team once retries run out.
 */
async function reconcileOrWait(deps: WorkflowDeps, context: DeliveryContext, adapter: NetworkAdapter, credentials: Credentials, parts: string[], signal: AbortSignal): Promise<Verdict | 'waiting'> {
  const { delivery, workspace } = context;
  try {
    return await reconcile(deps, context, adapter, credentials, parts, signal);
  } catch (error) {
    if (error instanceof NetworkError && error.errorClass === 'auth') throw error;
    deps.log.warn({ postId: delivery.post_id, deliveryId: delivery.id, network: delivery.network, err: error }, 'reconciliation lookup failed');
    if (delivery.attempts > deps.publish.retries + 2) return 'unconfirmed';
    const retryAt = nextAttemptAt(deps.now(), delivery.attempts, deps.publish, Math.random());
    await recordRetry(deps, delivery, workspace.id, delivery.last_error!, retryAt);
    return 'waiting';
  }
}

/** Decrypts the account's token and refreshes it first when it is about to expire. */
function usableCredentials(deps: WorkflowDeps, context: DeliveryContext, adapter: NetworkAdapter, signal: AbortSignal): Promise<Credentials> {
  return refreshIfExpiring(deps, context.account, adapter, signal, REFRESH_WINDOW_MS);
}

/** Reconciliation found every part on the network: the delivery is published without a new post. */
async function finishFromParts(deps: WorkflowDeps, context: DeliveryContext, total: number): Promise<void> {
  const stored = await listParts(deps.db, context.delivery.id);
  const first = stored[0]!;
  await recordPublished(deps, context.delivery, context.workspace.id, { externalId: first.externalId, url: first.url, parts: stored.slice(0, total).map((p) => ({ position: p.position, externalId: p.externalId, url: p.url })) });
}

/** The workspace is paused or the account needs a reconnect: wait, and say so once. */
async function hold(deps: WorkflowDeps, context: DeliveryContext, reason: 'paused' | 'needs_reconnect'): Promise<void> {
  const { delivery, workspace } = context;
  await inTransaction(deps.db, async (tx) => {
    const held = await transitionDelivery(tx, delivery.id, 'held', {}, ['pending']);
    if (!held) return;
    deps.metrics.deliveries.inc({ network: delivery.network, outcome: 'held' });
    await recordEvent(tx, deps.queue, { workspaceId: workspace.id, postId: delivery.post_id, deliveryId: delivery.id, kind: 'delivery_held', data: { network: delivery.network, reason } });
  });
}
