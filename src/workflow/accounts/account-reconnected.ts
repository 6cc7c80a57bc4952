import { deliveriesAwaitingReconnect, transitionDelivery } from '../../db/deliveries.ts';
import { findWorkspace } from '../../db/workspaces.ts';
import type { Tx } from '../../db/database.ts';
import type { SocialAccount } from '../../db/schema.ts';
import type { WorkflowDeps } from '../deps.ts';
import { recordEvent } from '../record-event.ts';

/** A delivery held longer than this past its time asks before publishing late (as after a resume). */
const LATE_AFTER_MS = 60 * 60_000;

export interface ReconnectOutcome {
  /** Held deliveries that go out now. */
  resumed: number;
  /** Deliveries that failed with needs_reconnect: they wait for someone to press Retry. */
  waiting: number;
  /** Held deliveries long past their time: their thread asks whether to publish late. */
  late: number;
}

/**
 * The account is connected again (same transaction as the new credentials). Its held deliveries go back to
 * pending (unless the workspace is paused, or their time passed long ago: then the thread asks); the ones
 * that failed with needs_reconnect stay as they are and their thread says "press Retry". Nothing is deleted.
 */
export async function resumeAfterReconnect(tx: Tx, deps: WorkflowDeps, account: SocialAccount): Promise<ReconnectOutcome> {
  const workspace = await findWorkspace(tx, account.workspace_id);
  if (!workspace) throw new Error(`workspace ${account.workspace_id} of account ${account.id} not found`);
  const rows = await deliveriesAwaitingReconnect(tx, account.id);
  const outcome: ReconnectOutcome = { resumed: 0, waiting: 0, late: 0 };
  const now = deps.now();
  for (const d of rows) {
    const event = { workspaceId: account.workspace_id, postId: d.post_id, deliveryId: d.id, data: { network: d.network, account: account.display_name } };
    if (d.state === 'needs_reconnect') {
      await recordEvent(tx, deps.queue, { ...event, kind: 'account_reconnected', data: { ...event.data, retry: true } });
      outcome.waiting += 1;
    } else if (workspace.paused_at) {
    } else if (now.getTime() - d.due_at.getTime() > LATE_AFTER_MS) {
      await recordEvent(tx, deps.queue, { ...event, kind: 'delivery_late', data: { ...event.data, dueAt: d.due_at.toISOString() } });
      outcome.late += 1;
    } else {
      const due = d.due_at.getTime() > now.getTime() ? d.due_at : now;
      if (!(await transitionDelivery(tx, d.id, 'pending', { due_at: due }, ['held']))) continue;
      await deps.queue.sendPublish(tx, d, due);
      await recordEvent(tx, deps.queue, { ...event, kind: 'account_reconnected', data: { ...event.data, retry: false } });
      outcome.resumed += 1;
    }
  }
  return outcome;
}
