import { disconnectAccount, findAccount } from '../db/accounts.ts';
import { holdDeliveries, listDeliveries } from '../db/deliveries.ts';
import { findPost, lockPost } from '../db/posts.ts';
import { inTransaction } from '../db/transaction.ts';
import { NETWORK_LABELS, type Network } from '../domain/networks.ts';
import { cancelLockedPost } from './author-actions.ts';
import { deliveryAction } from './delivery-actions.ts';
import type { Operator } from './actor.ts';
import type { WorkflowDeps } from './deps.ts';
import { ok, refused, type Outcome } from './outcome.ts';
import { recordEvent } from './record-event.ts';

/**
 * What the operator does from the server (`greenlight posts cancel|retry`, `greenlight accounts disconnect`):
 * the same guarded transitions as the chat's buttons, without the chat's rights checks, and recorded in the
 * event log (and so in the card's thread) under the operator's name.
 */

export function operatorCancelPost(deps: WorkflowDeps, operator: Operator, postId: string): Promise<Outcome> {
  return inTransaction(deps.db, async (tx) => {
    const post = await lockPost(tx, postId);
    if (!post) return refused(`There is no post ${postId}.`);
    return cancelLockedPost(tx, deps, post, operator.id);
  });
}

export interface RetryResult {
  deliveryId: string;
  network: Network;
  outcome: Outcome;
}

/** Retries each failed or needs_reconnect delivery of the post exactly as its Retry button does; undefined: no such post. */
export async function operatorRetryPost(deps: WorkflowDeps, operator: Operator, postId: string): Promise<RetryResult[] | undefined> {
  const post = await findPost(deps.db, postId);
  if (!post) return undefined;
  const actor = { workspaceId: post.workspace_id, userId: operator.id };
  const results: RetryResult[] = [];
  for (const d of await listDeliveries(deps.db, post.id)) {
    if (d.state !== 'failed' && d.state !== 'needs_reconnect') continue;
    results.push({ deliveryId: d.id, network: d.network, outcome: await deliveryAction(deps, actor, d.id, 'retry') });
  }
  return results;
}

/**
 * The account leaves the compose form and publishes nothing more; its queued deliveries wait (`held`,
 * nothing deleted) and resume when someone connects it again, as after a reconnect.
 */
export async function operatorDisconnectAccount(deps: WorkflowDeps, operator: Operator, accountId: string): Promise<Outcome> {
  const account = await findAccount(deps.db, accountId);
  if (!account) return refused(`There is no account ${accountId}.`);
  const label = NETWORK_LABELS[account.network];
  const held = await inTransaction(deps.db, async (tx) => {
    if (!(await disconnectAccount(tx, account.id))) return undefined;
    const rows = await holdDeliveries(tx, { accountId: account.id });
    for (const d of rows) {
      await recordEvent(tx, deps.queue, {
        workspaceId: account.workspace_id,
        postId: d.post_id,
        deliveryId: d.id,
        kind: 'account_disconnected',
        actor: operator.id,
        data: { network: account.network, account: account.display_name },
      });
    }
    return rows.length;
  });
  if (held === undefined) return refused(`${label} account ${account.display_name} is already disconnected.`);
  deps.log.warn(
    { workspaceId: account.workspace_id, accountId: account.id, network: account.network, held, operator: operator.id },
    'account disconnected by the operator',
  );
  return ok(
    `${label} account ${account.display_name} is disconnected; ${held} queued ${held === 1 ? 'delivery waits' : 'deliveries wait'} until it is connected again.`,
  );
}
