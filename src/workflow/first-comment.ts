import { findAccount } from '../db/accounts.ts';
import type { Executor } from '../db/database.ts';
import { findDelivery, listParts, saveFoundAddress } from '../db/deliveries.ts';
import { findDeliveryComment, queueComments, transitionComment } from '../db/first-comments.ts';
import type { DeliveryError } from '../db/schema.ts';
import { inTransaction } from '../db/transaction.ts';
import { findWorkspace } from '../db/workspaces.ts';
import { NETWORK_LABELS, isThreadedNetwork } from '../domain/networks.ts';
import { splitThreadParts } from '../domain/thread-parts.ts';
import { NetworkError, type Credentials, type NetworkAdapter, type PublishedPart, type RecentPost } from '../networks/adapter.ts';
import { deliveryText, loadDeliveryContexts } from './delivery/load-delivery.ts';
import { comparable, reconcile } from './delivery/reconcile.ts';
import type { Actor } from './actor.ts';
import { refreshIfExpiring } from './accounts/refresh-account.ts';
import type { WorkflowDeps } from './deps.ts';
import { ok, refused, type Outcome } from './outcome.ts';
import { recordEvent } from './record-event.ts';

/**
 * First comments (issue 16): the author's comment under the post on each network, published right after
 * the post (FIRST_COMMENT_DELAY_SECONDS later), by its own job. On LinkedIn, Facebook and Instagram it is a
 * comment (the adapter's `comment`); on X, Bluesky, Mastodon and Threads a reply, published as one more
 * part of the delivery's thread, so it gets what thread parts get: Bluesky's derived record key and
 * Mastodon's Idempotency-Key refuse a second copy. The comment row is claimed (`sending`) before the call:
 * a claim found still `sending` lost its worker mid-call, and on a network without keys it is then not
 * sent again blindly but reported ("it may be there"), with [Retry comment]. A comment that fails leaves
 * the post published and says so in the thread.
 */

/** Transient failures are retried by the job this many times before the comment is reported failed. */
const COMMENT_ATTEMPTS = 4;

/** In the transaction that records published deliveries: their first comments are due now (plus the delay). */
export async function scheduleFirstComments(tx: Executor, deps: WorkflowDeps, deliveryIds: string[]): Promise<void> {
  const queued = await queueComments(tx, deliveryIds);
  const at = new Date(deps.now().getTime() + (deps.firstCommentDelayMs ?? 0));
  for (const deliveryId of queued) await deps.queue.sendFirstComment(tx, { deliveryId }, at);
}

/** The job: publish one delivery's first comment, once. Throws for pg-boss to retry a transient failure. */
export async function handleFirstCommentJob(deps: WorkflowDeps, deliveryId: string, signal: AbortSignal): Promise<void> {
  const comment = await findDeliveryComment(deps.db, deliveryId);
  if (!comment || comment.state === 'published' || comment.state === 'failed') return;
  const delivery = await findDelivery(deps.db, deliveryId);
  // Published with no address: the team said "It is live" after an unknown outcome; the job looks for the post.
  if (delivery?.state !== 'published') return;
  const adapter = deps.adapters[delivery.network];
  const account = await findAccount(deps.db, delivery.account_id);
  const label = NETWORK_LABELS[delivery.network];
  const fail = (error: DeliveryError, from: ('pending' | 'sending')[]) => failComment(deps, delivery, error, from);
  if (!adapter || !account)
    return fail({ class: 'permanent', message: `Greenlight has no ${label} adapter or account for it any more.` }, ['pending', 'sending']);
  const threaded = isThreadedNetwork(delivery.network);
  if (!threaded && !adapter.comment) return fail({ class: 'permanent', message: `${label} takes no comments from Greenlight.` }, ['pending', 'sending']);
  if (comment.state === 'sending' && !adapter.idempotent) {
    // A reply is one of the account's posts: look for it, as reconciliation does for a post. Found: it is
    // recorded; absent: it did not go, and is sent below. A comment (LinkedIn, Meta) cannot be looked up so.
    const looked = threaded ? await lookForReply(deps, account, adapter, delivery, comment.text, signal) : 'unknown';
    if (looked !== 'absent' && looked !== 'unknown') return recordComment(deps, delivery, account.workspace_id, looked, ['sending']);
    if (looked === 'unknown')
      return fail(
        {
          class: 'unknown_outcome',
          message: 'Greenlight stopped while the comment was being sent: it may be there. Look under the post before pressing Retry comment.',
        },
        ['sending'],
      );
  }
  const claimed = await transitionComment(deps.db, deliveryId, 'sending', [comment.state], { countAttempt: true });
  if (!claimed) return;
  try {
    const credentials = await refreshIfExpiring(deps, account, adapter, signal, 5 * 60_000);
    const post = delivery.external_id
      ? { externalId: delivery.external_id, url: delivery.url ?? '' }
      : await findPost(deps, deliveryId, adapter, credentials, signal);
    if (!post) {
      const message = `Greenlight could not find the post on ${label} to put the first comment under: press Retry comment once it shows there, or post the comment by hand.`;
      return await fail({ class: 'permanent', message }, ['sending']);
    }
    let part: PublishedPart;
    if (threaded) {
      // One more part of the thread: it replies to the last part, under a key of its own where the network has keys.
      const stored = await listParts(deps.db, deliveryId);
      const posted = stored.map((p) => ({ position: p.position, externalId: p.externalId, url: p.url }));
      const result = await adapter.publish(
        {
          deliveryId,
          parts: [...posted.map(() => ''), claimed.text],
          media: [],
          publishedParts: posted,
          signal,
          onPartPublished: async () => {},
        },
        credentials,
      );
      part = result.parts[result.parts.length - 1]!;
    } else {
      part = await adapter.comment!({ deliveryId, post, text: claimed.text, signal }, credentials);
    }
    await recordComment(deps, { ...delivery, url: post.url }, account.workspace_id, part, ['sending']);
  } catch (error) {
    const e = error instanceof NetworkError ? error : undefined;
    const cls = e?.errorClass ?? 'transient';
    const detail: DeliveryError = {
      class: cls,
      message: e?.networkMessage ?? e?.message ?? String(error),
      ...(e?.status ? { status: e.status } : {}),
      ...(e?.networkCode ? { networkCode: e.networkCode } : {}),
    };
    if ((cls === 'transient' || cls === 'rate_limited') && claimed.attempts < COMMENT_ATTEMPTS) {
      await transitionComment(deps.db, deliveryId, 'pending', ['sending'], { last_error: detail });
      throw error;
    }
    // Sent, but no answer: a network with keys is asked again (it refuses a copy); a reply is looked for on the
    // next run (the row stays `sending`); a comment elsewhere is reported.
    if (cls === 'unknown_outcome' && (adapter.idempotent || threaded) && claimed.attempts < COMMENT_ATTEMPTS) throw error;
    const words = cls === 'unknown_outcome' ? `${detail.message}: it may be there. Look under the post before pressing Retry comment.` : detail.message;
    await fail({ ...detail, message: words }, ['sending']);
  }
}

/** The comment is on the network (sent now, or found there): saved as published, with its audit event and receipt. */
async function recordComment(
  deps: WorkflowDeps,
  delivery: { id: string; post_id: string; network: string; url: string | null },
  workspaceId: string,
  part: Pick<PublishedPart, 'externalId' | 'url'>,
  from: 'sending'[],
): Promise<void> {
  await inTransaction(deps.db, async (tx) => {
    const done = await transitionComment(tx, delivery.id, 'published', from, { external_id: part.externalId, url: part.url, last_error: null });
    if (!done) return;
    await recordEvent(tx, deps.queue, {
      workspaceId,
      postId: delivery.post_id,
      deliveryId: delivery.id,
      kind: 'comment_published',
      data: { network: delivery.network, url: part.url, postUrl: delivery.url },
    });
  });
}

/**
 * A reply whose sending was cut (a worker killed, no answer): the account's recent posts since the post
 * went out, its text among them or not. `unknown` when the network cannot be asked, or the asking failed.
 */
async function lookForReply(
  deps: WorkflowDeps,
  account: Parameters<typeof refreshIfExpiring>[1],
  adapter: NetworkAdapter,
  delivery: { id: string; published_at: Date | null; created_at: Date },
  text: string,
  signal: AbortSignal,
): Promise<RecentPost | 'absent' | 'unknown'> {
  try {
    const credentials = await refreshIfExpiring(deps, account, adapter, signal, 5 * 60_000);
    const since = new Date((delivery.published_at ?? delivery.created_at).getTime() - 60_000);
    const recent = await adapter.recentPosts(credentials, since, signal);
    if (!recent) return 'unknown';
    const wanted = comparable(text);
    return recent.find((p) => comparable(p.text) === wanted) ?? 'absent';
  } catch (error) {
    deps.log.warn({ deliveryId: delivery.id, err: error }, 'looking for a first comment reply failed; it is reported as maybe sent');
    return 'unknown';
  }
}

/**
 * The post of a delivery confirmed live by the team (no address known): looked for among the account's
 * recent posts as reconciliation does, every thread part (a reply goes under the last). Found: its address
 * is saved on the delivery; not found (or the network cannot be asked): undefined.
 */
async function findPost(
  deps: WorkflowDeps,
  deliveryId: string,
  adapter: NetworkAdapter,
  credentials: Credentials,
  signal: AbortSignal,
): Promise<{ externalId: string; url: string } | undefined> {
  const [context] = await loadDeliveryContexts(deps.db, [deliveryId]);
  if (!context) return undefined;
  const parts = splitThreadParts(deliveryText(context));
  if ((await reconcile(deps, context, adapter, credentials, parts, signal)) !== 'complete') return undefined;
  const first = (await listParts(deps.db, deliveryId))[0];
  if (!first) return undefined;
  const found = { externalId: first.externalId, url: first.url };
  const saved = await saveFoundAddress(deps.db, deliveryId, found);
  // Someone else saved an address first: that one is the post.
  if (!saved) {
    const again = await findDelivery(deps.db, deliveryId);
    return again?.external_id ? { externalId: again.external_id, url: again.url ?? '' } : undefined;
  }
  return found;
}

async function failComment(
  deps: WorkflowDeps,
  delivery: { id: string; post_id: string; network: string; url: string | null },
  error: DeliveryError,
  from: ('pending' | 'sending')[],
): Promise<void> {
  await inTransaction(deps.db, async (tx) => {
    const failed = await transitionComment(tx, delivery.id, 'failed', from, { last_error: error });
    if (!failed) return;
    const post = await tx.selectFrom('posts').select('workspace_id').where('id', '=', delivery.post_id).executeTakeFirst();
    if (!post) return;
    await recordEvent(tx, deps.queue, {
      workspaceId: post.workspace_id,
      postId: delivery.post_id,
      deliveryId: delivery.id,
      kind: 'comment_failed',
      data: { network: delivery.network, reason: error.message, postUrl: delivery.url },
    });
  });
}

/** [Retry comment]: a failed comment goes again (the post stays as it is). */
export async function retryComment(deps: WorkflowDeps, actor: Actor, deliveryId: string): Promise<Outcome> {
  const delivery = await findDelivery(deps.db, deliveryId);
  const workspace = await findWorkspace(deps.db, actor.workspaceId);
  if (!delivery || !workspace) return refused('That delivery no longer exists.');
  const label = NETWORK_LABELS[delivery.network];
  return inTransaction(deps.db, async (tx) => {
    const post = await tx.selectFrom('posts').select(['id', 'workspace_id']).where('id', '=', delivery.post_id).executeTakeFirst();
    if (!post || post.workspace_id !== workspace.id) return refused('That post no longer exists.');
    const again = await transitionComment(tx, deliveryId, 'pending', ['failed']);
    if (!again) return refused(`The ${label} first comment is not waiting for a retry: the thread says where it is.`);
    await deps.queue.sendFirstComment(tx, { deliveryId }, deps.now());
    await recordEvent(tx, deps.queue, {
      workspaceId: workspace.id,
      postId: post.id,
      deliveryId,
      kind: 'comment_retry_requested',
      actor: actor.userId,
      data: { network: delivery.network },
    });
    return ok();
  });
}
