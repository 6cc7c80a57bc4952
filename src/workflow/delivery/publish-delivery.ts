import { setTimeout as sleep } from 'node:timers/promises';
import { addLogContext } from '../../log.ts';
import { isPublishable } from '../../domain/post-state.ts';
import { splitThreadParts } from '../../domain/thread-parts.ts';
import { validateContent } from '../../domain/text-rules.ts';
import { nextAttemptAt } from '../../domain/backoff.ts';
import { refreshIfExpiring } from '../accounts/refresh-account.ts';
import { countOptionsOf } from '../../db/accounts.ts';
import { claimDelivery, type StoredPart } from '../../db/claim.ts';
import { listParts, savePart, transitionDelivery } from '../../db/deliveries.ts';
import type { DeliveryError } from '../../db/schema.ts';
import { inTransaction } from '../../db/transaction.ts';
import { NetworkError, type Credentials, type NetworkAdapter, type PublishedPart } from '../../networks/adapter.ts';
import type { WorkflowDeps } from '../deps.ts';
import { recordEvent } from '../record-event.ts';
import { createBatches, type PublishBatches } from './batches.ts';
import { deliveryText, type DeliveryContext } from './load-delivery.ts';
import { mediaItemsFor } from './publish-media.ts';
import { videoFor } from './publish-video.ts';
import { reconcile, type Verdict } from './reconcile.ts';
import { noteNetworkLimit, passRateGate } from './rate-gate.ts';
import { recoverStuck } from './sweep.ts';
import { describe, recordFailed, recordNeedsReconnect, recordPublished, recordRetry, recordUnconfirmed, toDeliveryError } from './record-outcome.ts';
import { recordPublishedAll } from './record-published.ts';
import { linkCardOf } from './link-card-of.ts';
import { clearMaybeSent } from '../../db/deliveries.ts';

/** A job that wakes a little early (clock skew between replicas) waits for its time instead of going back to the queue. */
const EARLY_TOLERANCE_MS = 250;
/** Refresh a token that expires within this window before using it. */
const REFRESH_WINDOW_MS = 5 * 60_000;

/** The publish job's handler for one process: `(deliveryId, signal) => ...`, sharing its batches across jobs. */
export function createPublisher(deps: WorkflowDeps): (deliveryId: string, signal: AbortSignal) => Promise<void> {
  const publisher: Publisher = { deps, ...createBatches(deps) };
  return (deliveryId, signal) => handlePublishJob(publisher, deliveryId, signal);
}

type Publisher = { deps: WorkflowDeps } & PublishBatches;

/**
 * The publish job's handler. The job only says "look at this delivery now"; the row decides. A
 * delivery is claimed atomically (`pending -> sending`), so of any number of workers woken for it
 * exactly one calls the network, never before its time.
 */
async function handlePublishJob(publisher: Publisher, deliveryId: string, signal: AbortSignal): Promise<void> {
  const { deps } = publisher;
  const context = await publisher.load(deliveryId);
  if (!context) return; // withdrawn by an edit or a cancel
  const { delivery, post, workspace, account } = context;
  addLogContext({ postId: post.id });
  // A job whose earlier run lost its worker comes back here; the attempt it left behind is recovered.
  if (delivery.state === 'sending' && (await recoverStuck(deps, delivery.id))) return;
  if (delivery.state !== 'pending') return;
  const early = delivery.due_at.getTime() - deps.now().getTime();
  if (early > EARLY_TOLERANCE_MS) {
    await deps.queue.sendPublish(deps.db, delivery, delivery.due_at);
    return;
  }
  if (early > 0) await sleep(early, undefined, { signal });
  if (!isPublishable(post.state)) return;
  if (workspace.paused_at || account.status !== 'connected') {
    await hold(deps, context, workspace.paused_at ? 'paused' : 'needs_reconnect');
    return;
  }
  // The claim also moves the post to `publishing` and returns the parts earlier attempts published;
  // a delivery whose content can go is gated in the same transaction (a content problem fails it
  // without counting a send). What the batch left out (someone held the row, or a failed batch) is
  // claimed alone, and gated alone.
  const gate = contentProblem(deps, context) ? undefined : { context, partCount: splitThreadParts(deliveryText(context)).length };
  let { claimed, now, passed } = await publisher.claim({ id: delivery.id, postId: post.id, ...(gate ? { gate } : {}) });
  if (!claimed) {
    now = deps.now();
    claimed = await claimDelivery(deps.db, delivery.id, now);
  }
  if (!claimed) return;
  const { parts: stored, ...row } = claimed;
  await attempt(publisher, { ...context, delivery: row }, stored, signal, now, passed);
}

/** Why this delivery's content cannot go to its network (no adapter, a text or media rule), if it cannot. */
function contentProblem(deps: WorkflowDeps, context: DeliveryContext): string | undefined {
  const { delivery, content } = context;
  const adapter = deps.adapters[delivery.network];
  // Stored files count as media beside typed links (X's four, Bluesky's four...).
  const media = [...content.files.map((f) => f.id), ...content.media.map((m) => m.url)];
  return !adapter
    ? `Greenlight has no ${delivery.network} adapter configured on this server.`
    : validateContent(delivery.network, { text: deliveryText(context), media }, countOptionsOf(context.account))[0]?.message;
}

async function attempt(
  publisher: Publisher,
  context: DeliveryContext,
  stored: StoredPart[],
  signal: AbortSignal,
  claimedAt: Date,
  passed: boolean | undefined,
): Promise<void> {
  const { deps } = publisher;
  const { delivery, workspace } = context;
  const adapter = deps.adapters[delivery.network];
  const parts = splitThreadParts(deliveryText(context));
  const problem = contentProblem(deps, context);
  if (problem || !adapter) {
    await recordFailed(deps, delivery, workspace.id, { class: 'permanent', message: problem ?? 'no adapter' }, { published: 0, total: parts.length });
    return;
  }
  // Over the account's posting limit (or inside a reset time the network gave): wait, not an attempt.
  // Gated with the claim already, or now (claimed alone).
  if (!(passed ?? (await passGateWithOthers(publisher, context, Math.max(1, parts.length - stored.length))))) return;
  // Observed once the delivery really goes: a wait for a limit is not lateness of the schedule.
  if (delivery.attempts === 1)
    deps.metrics.publishLateness.observe({ network: delivery.network }, Math.max(0, claimedAt.getTime() - delivery.due_at.getTime()) / 1000);
  let publishedParts: PublishedPart[] = [];
  let lookup: Lookup | undefined;
  try {
    const credentials = await usableCredentials(deps, context, adapter, signal);
    lookup = { adapter, credentials, parts, signal };
    // An earlier attempt ended without knowing whether the network took the post: look before sending
    // again. An idempotent network refuses the second post itself, so it is simply sent again.
    const unknown = delivery.maybe_sent_at !== null && !adapter.idempotent;
    if (unknown) {
      const verdict = await reconcileOrWait(deps, context, adapter, credentials, parts, signal);
      if (verdict === 'waiting') return;
      if (verdict === 'unconfirmed') return recordUnconfirmed(deps, delivery, workspace.id, unknownOutcome(delivery));
      if (verdict === 'complete') return finishFromParts(deps, context, parts.length);
      await clearMaybeSent(deps.db, delivery.id);
    }
    // Reconciliation may have found parts on the network since the claim: read them again then.
    publishedParts = (unknown ? await listParts(deps.db, delivery.id) : stored).map((p) => ({ position: p.position, externalId: p.externalId, url: p.url }));
    const result = await adapter.publish(
      {
        deliveryId: delivery.id,
        parts,
        media: await mediaItemsFor(deps, context, deps.now()),
        video: await videoFor(deps, context, deps.now()),
        publishedParts,
        signal,
        linkCard: linkCardOf(deps, context.content.linkPreview),
        onPartPublished: async (part) => {
          publishedParts = [...publishedParts, part];
          // The last part is stored with the outcome (recordPublishedAll), in the same transaction.
          if (part.position < parts.length - 1) await savePart(deps.db, delivery.id, part);
        },
      },
      credentials,
    );
    const item = { delivery, workspaceId: workspace.id, result, publishedAt: deps.now() };
    // Recorded together with others that finished at the same time; alone if that batch failed.
    if (!(await publisher.published(item))) await recordPublishedAll(deps, [item]);
  } catch (error) {
    await recordError(deps, context, error, { published: publishedParts.length, total: parts.length }, lookup);
  }
}

/** The posting-limit gate, batched with the deliveries of the same turn; alone if that batch failed. */
async function passGateWithOthers(publisher: Publisher, context: DeliveryContext, posts: number): Promise<boolean> {
  try {
    return await publisher.gate({ context, posts });
  } catch (error) {
    publisher.deps.log.warn({ err: error, deliveryId: context.delivery.id }, 'the batched posting-limit check failed; checking alone');
    return passRateGate(publisher.deps, context, posts);
  }
}

/** What a last look at the network needs: the adapter, usable credentials and the delivery's parts. */
type Lookup = { adapter: NetworkAdapter; credentials: Credentials; parts: string[]; signal: AbortSignal };

async function recordError(
  deps: WorkflowDeps,
  context: DeliveryContext,
  error: unknown,
  parts: { published: number; total: number },
  lookup: Lookup | undefined,
): Promise<void> {
  const { delivery, workspace } = context;
  const classified: DeliveryError =
    error instanceof NetworkError ? toDeliveryError(error) : { class: 'unknown_outcome', message: error instanceof Error ? error.message : String(error) };
  deps.log.warn(
    { postId: delivery.post_id, deliveryId: delivery.id, network: delivery.network, attempt: delivery.attempts, error: classified },
    'delivery attempt failed',
  );
  if (classified.class === 'rate_limited' && error instanceof NetworkError && error.retryAt)
    await noteNetworkLimit(deps, context, error.retryAt, describe(classified));
  switch (classified.class) {
    case 'auth':
      return recordNeedsReconnect(deps, delivery, workspace.id, classified);
    case 'permanent':
      return recordFinalFailure(deps, context, classified, parts, lookup);
    case 'unknown_outcome':
      // Reconciled at the next attempt, after a short wait so the network's own lists catch up.
      return recordRetry(deps, delivery, workspace.id, classified, new Date(deps.now().getTime() + 5_000));
    default: {
      if (delivery.attempts > deps.publish.retries) return recordFinalFailure(deps, context, classified, parts, lookup);
      const retryAt = nextAttemptAt(deps.now(), delivery.attempts, deps.publish, Math.random(), error instanceof NetworkError ? error.retryAt : undefined);
      return recordRetry(deps, delivery, workspace.id, classified, retryAt);
    }
  }
}

/**
 * A failed lookup leaves the outcome as unknown as before: try the lookup again later (never a blind
 * send), and hand the question to the team once retries run out.
 */
async function reconcileOrWait(
  deps: WorkflowDeps,
  context: DeliveryContext,
  adapter: NetworkAdapter,
  credentials: Credentials,
  parts: string[],
  signal: AbortSignal,
): Promise<Verdict | 'waiting'> {
  const { delivery, workspace } = context;
  try {
    return await reconcile(deps, context, adapter, credentials, parts, signal);
  } catch (error) {
    if (error instanceof NetworkError && error.errorClass === 'auth') throw error;
    deps.log.warn({ postId: delivery.post_id, deliveryId: delivery.id, network: delivery.network, err: error }, 'reconciliation lookup failed');
    if (delivery.attempts > deps.publish.retries + 2) return 'unconfirmed';
    const retryAt = nextAttemptAt(deps.now(), delivery.attempts, deps.publish, Math.random());
    await recordRetry(deps, delivery, workspace.id, unknownOutcome(delivery), retryAt);
    return 'waiting';
  }
}

/**
 * The last word on a delivery that will not be tried again. One whose earlier attempt may have
 * reached the network is never called failed on the strength of a later error (a 429 after a
 * timeout): the account's recent posts are read first. Found: published. Absent: failed. No way
 * to tell: the team decides (`unconfirmed`).
 */
async function recordFinalFailure(
  deps: WorkflowDeps,
  context: DeliveryContext,
  error: DeliveryError,
  parts: { published: number; total: number },
  lookup: Lookup | undefined,
): Promise<void> {
  const { delivery, workspace } = context;
  if (delivery.maybe_sent_at === null) return recordFailed(deps, delivery, workspace.id, error, parts);
  if (!lookup) return recordUnconfirmed(deps, delivery, workspace.id, error);
  let verdict: Verdict;
  try {
    verdict = await reconcile(deps, context, lookup.adapter, lookup.credentials, lookup.parts, lookup.signal);
  } catch (lookupError) {
    deps.log.warn({ postId: delivery.post_id, deliveryId: delivery.id, network: delivery.network, err: lookupError }, 'reconciliation lookup failed');
    verdict = 'unconfirmed';
  }
  if (verdict === 'complete') return finishFromParts(deps, context, lookup.parts.length);
  if (verdict === 'unconfirmed') return recordUnconfirmed(deps, delivery, workspace.id, error);
  const published = (await listParts(deps.db, delivery.id)).length;
  return recordFailed(deps, delivery, workspace.id, error, { published, total: parts.total });
}

const unknownOutcome = (delivery: DeliveryContext['delivery']): DeliveryError =>
  delivery.last_error?.class === 'unknown_outcome'
    ? delivery.last_error
    : { class: 'unknown_outcome', message: 'an earlier attempt ended without knowing whether the network took the post' };

/** Decrypts the account's token and refreshes it first when it is about to expire. */
function usableCredentials(deps: WorkflowDeps, context: DeliveryContext, adapter: NetworkAdapter, signal: AbortSignal): Promise<Credentials> {
  return refreshIfExpiring(deps, context.account, adapter, signal, REFRESH_WINDOW_MS);
}

/** Reconciliation found every part on the network: the delivery is published without a new post. */
async function finishFromParts(deps: WorkflowDeps, context: DeliveryContext, total: number): Promise<void> {
  const stored = await listParts(deps.db, context.delivery.id);
  const first = stored[0]!;
  await recordPublished(deps, context.delivery, context.workspace.id, {
    externalId: first.externalId,
    url: first.url,
    parts: stored.slice(0, total).map((p) => ({ position: p.position, externalId: p.externalId, url: p.url })),
  });
}

/** The workspace is paused or the account needs a reconnect: wait, and say so once. */
async function hold(deps: WorkflowDeps, context: DeliveryContext, reason: 'paused' | 'needs_reconnect'): Promise<void> {
  const { delivery, workspace } = context;
  await inTransaction(deps.db, async (tx) => {
    const held = await transitionDelivery(tx, delivery.id, 'held', {}, ['pending']);
    if (!held) return;
    deps.metrics.deliveries.inc({ network: delivery.network, outcome: 'held' });
    await recordEvent(tx, deps.queue, {
      workspaceId: workspace.id,
      postId: delivery.post_id,
      deliveryId: delivery.id,
      kind: 'delivery_held',
      data: { network: delivery.network, reason },
    });
  });
}
