import { markNeedsReconnect } from '../../db/accounts.ts';
import type { Tx } from '../../db/database.ts';
import type { SocialAccount } from '../../db/schema.ts';
import { inTransaction } from '../../db/transaction.ts';
import { adminIds, findWorkspace } from '../../db/workspaces.ts';
import { NETWORK_LABELS } from '../../domain/networks.ts';
import { reconnectLink } from './connect-link.ts';
import type { WorkflowDeps } from '../deps.ts';
import { recordEvent } from '../record-event.ts';
import { holdDeliveries } from '../../db/deliveries.ts';

/**
 * A token refresh was refused outside a publish (the daily job): the account is marked once, its queued
 * deliveries are held (never deleted, never failed), each affected post's thread gets the Reconnect prompt,
 * and the account's connector and the workspace's admins get it in a direct message.
 */
export async function accountNeedsReconnect(deps: WorkflowDeps, account: SocialAccount, reason: string): Promise<void> {
  const held = await inTransaction(deps.db, (tx) => holdAccount(tx, deps, account, reason));
  if (held !== undefined) await promptReconnect(deps, account, reason, held);
}

/**
 * In the caller's transaction: marks the account as needing a reconnect and holds its queued deliveries
 * (but `except`, the one whose publish found out), each held post's thread saying why. Returns how many
 * were held, or undefined when the account was already marked: someone else has prompted for it, so
 * the caller does not prompt again (one prompt per account, not per delivery).
 */
export async function holdAccount(
  tx: Tx,
  deps: WorkflowDeps,
  account: Pick<SocialAccount, 'id' | 'workspace_id'>,
  reason: string,
  except?: string,
): Promise<number | undefined> {
  if (!(await markNeedsReconnect(tx, account.id, reason))) return undefined;
  const rows = await holdDeliveries(tx, { accountId: account.id, except });
  for (const d of rows) {
    await recordEvent(tx, deps.queue, {
      workspaceId: account.workspace_id,
      postId: d.post_id,
      deliveryId: d.id,
      kind: 'account_needs_reconnect',
      data: { network: d.network, reason },
    });
  }
  return rows.length;
}

/** After holdAccount committed: the log line and the one Reconnect prompt to the connector and the admins. */
export async function promptReconnect(deps: WorkflowDeps, account: SocialAccount, reason: string, held: number): Promise<void> {
  deps.log.warn({ workspaceId: account.workspace_id, accountId: account.id, network: account.network, held, reason }, 'account needs a reconnect');
  await promptAdmins(deps, account, reason, held);
}

/** Best effort: a chat that is down must not stop the job (the thread prompts are already queued). */
async function promptAdmins(deps: WorkflowDeps, account: SocialAccount, reason: string, held: number): Promise<void> {
  const workspace = await findWorkspace(deps.db, account.workspace_id);
  const chat = workspace ? deps.chats[workspace.chat] : undefined;
  if (!workspace || !chat) return;
  const people = [...new Set([account.connected_by, ...(await adminIds(deps.db, workspace.id))])];
  const label = NETWORK_LABELS[account.network];
  const waiting =
    held === 0 ? 'No scheduled post is waiting for it.' : `${held} scheduled ${held === 1 ? 'post waits' : 'posts wait'} until then (nothing is deleted).`;
  const link = deps.stateSecret ? ` Reconnect: ${reconnectLink(deps, account)}` : ` Reconnect with \`/greenlight connect ${account.network}\`.`;
  for (const person of people) {
    try {
      await chat.announce(
        workspace,
        person,
        `${label} account ${account.display_name} needs a reconnect: ${/[.!?]$/.test(reason.trim()) ? reason.trim() : `${reason.trim()}.`} ${waiting}${link}`,
      );
    } catch (err) {
      deps.log.warn({ err, workspaceId: workspace.id, accountId: account.id }, 'could not send the reconnect prompt to an admin');
    }
  }
}
