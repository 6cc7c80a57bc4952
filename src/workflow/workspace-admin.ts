import { heldDeliveriesOfWorkspace, holdDeliveries, transitionDelivery } from '../db/deliveries.ts';
import { inTransaction } from '../db/transaction.ts';
import { findWorkspace, setPaused, updateWorkspaceSettings, type WorkspaceSettings } from '../db/workspaces.ts';
import { isValidTimeZone } from '../domain/local-time.ts';
import { validateApprovalPolicy } from '../domain/approval-policy.ts';
import { NETWORK_LABELS, NETWORKS, isNetwork } from '../domain/networks.ts';
import { connectLink } from './accounts/connect-link.ts';
import type { Actor } from './actor.ts';
import type { WorkflowDeps } from './deps.ts';
import { ok, refused, type Outcome } from './outcome.ts';
import { recordEvent } from './record-event.ts';

/** A delivery held longer than this past its time asks before publishing late. */
const LATE_AFTER_MS = 60 * 60_000;

/** Runs `work` only for a workspace admin (rights asked of the chat at every command). */
export async function asAdmin(deps: WorkflowDeps, actor: Actor, work: () => Promise<Outcome>): Promise<Outcome> {
  const workspace = await findWorkspace(deps.db, actor.workspaceId);
  if (!workspace) return refused('This workspace is not set up in Greenlight yet.');
  const roles = await deps.chats[workspace.chat]?.roles(workspace, actor.userId);
  if (!roles?.admin) return refused('Only workspace admins can do that.');
  return work();
}

/** The emergency brake: every queued delivery of the workspace waits until resumed. */
export function pauseWorkspace(deps: WorkflowDeps, actor: Actor): Promise<Outcome> {
  return asAdmin(deps, actor, async () => {
    const workspace = await findWorkspace(deps.db, actor.workspaceId);
    if (workspace?.paused_at) return refused(`Publishing is already paused (since ${workspace.paused_at.toISOString()}, by <@${workspace.paused_by}>).`);
    const held = await inTransaction(deps.db, async (tx) => {
      await setPaused(tx, actor.workspaceId, actor.userId);
      // Deliveries already sending finish; everything waiting is held right now, not at its due time.
      return (await holdDeliveries(tx, { workspaceId: actor.workspaceId })).length;
    });
    return ok(`Publishing is paused: ${held} queued ${held === 1 ? 'delivery is' : 'deliveries are'} on hold until \`/greenlight resume\`.`);
  });
}

/** Lifts the brake: held deliveries go out, or ask first when their time passed long ago. */
export function resumeWorkspace(deps: WorkflowDeps, actor: Actor): Promise<Outcome> {
  return asAdmin(deps, actor, async () => {
    const now = deps.now();
    const counts = await inTransaction(deps.db, async (tx) => {
      await setPaused(tx, actor.workspaceId, null);
      const held = await heldDeliveriesOfWorkspace(tx, actor.workspaceId);
      let resumed = 0;
      let asked = 0;
      for (const d of held) {
        if (now.getTime() - d.due_at.getTime() > LATE_AFTER_MS) {
          await recordEvent(tx, deps.queue, {
            workspaceId: actor.workspaceId,
            postId: d.post_id,
            deliveryId: d.id,
            kind: 'delivery_late',
            data: { network: d.network, dueAt: d.due_at.toISOString() },
          });
          asked += 1;
          continue;
        }
        const due = d.due_at.getTime() > now.getTime() ? d.due_at : now;
        if (await transitionDelivery(tx, d.id, 'pending', { due_at: due }, ['held'])) {
          await deps.queue.sendPublish(tx, d, due);
          resumed += 1;
        }
      }
      return { resumed, asked };
    });
    return ok(
      `Publishing resumed: ${counts.resumed} held ${counts.resumed === 1 ? 'delivery continues' : 'deliveries continue'}${counts.asked ? `, ${counts.asked} long past their time ask in their thread whether to publish late` : ''}.`,
    );
  });
}

export function changeSettings(deps: WorkflowDeps, actor: Actor, settings: WorkspaceSettings): Promise<Outcome> {
  return asAdmin(deps, actor, async () => {
    const problems: string[] = [];
    if (settings.default_zone !== undefined && !isValidTimeZone(settings.default_zone))
      problems.push(`"${settings.default_zone}" is not an IANA time zone (e.g. Europe/Berlin).`);
    if (settings.approvals_required !== undefined)
      problems.push(...validateApprovalPolicy({ approvalsRequired: settings.approvals_required, allowSelfApproval: false }));
    if (settings.reminder_after_minutes !== undefined && !(settings.reminder_after_minutes >= 5 && settings.reminder_after_minutes <= 10_080))
      problems.push('The reminder delay must be 5 to 10080 minutes.');
    if (problems.length > 0) return refused(problems.join(' '));
    await updateWorkspaceSettings(deps.db, actor.workspaceId, settings);
    return ok('Settings saved.');
  });
}

/**
 * `/greenlight connect <network>`: a personal link, valid 10 minutes, for workspace admins only —
 * whoever connects an account decides where the whole team's posts go.
 */
export function connectInvitation(deps: WorkflowDeps, actor: Actor, network: string | undefined): Promise<Outcome> {
  if (!network || !isNetwork(network)) return Promise.resolve(refused(`Which network? \`/greenlight connect <network>\` with one of: ${NETWORKS.join(', ')}.`));
  return asAdmin(deps, actor, async () =>
    ok(`Open this link to connect ${NETWORK_LABELS[network]} (it is valid for 10 minutes, for you only): ${connectLink(deps, actor, network)}`),
  );
}
