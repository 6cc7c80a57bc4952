import { digestWorkspaces, findDigest, insertDigest, markDigestSent } from '../../db/digests.ts';
import { inTransaction } from '../../db/transaction.ts';
import { findWorkspace } from '../../db/workspaces.ts';
import { dueDigestPeriod } from '../../domain/digest-schedule.ts';
import type { DigestJob } from '../../queue/queue.ts';
import type { WorkflowDeps } from '../deps.ts';
import { buildDigest } from './build-digest.ts';

/**
 * The hourly check: every workspace whose digest day and hour have just passed in its zone gets this
 * week's digest, once. The digest row and its job are written together, so running the check again
 * (another replica, a retry) finds the row and sends nothing twice.
 */
export async function scheduleDigests(deps: WorkflowDeps): Promise<number> {
  const now = deps.now();
  let queued = 0;
  for (const workspace of await digestWorkspaces(deps.db)) {
    const period = dueDigestPeriod(now, { day: workspace.digest_day, hour: workspace.digest_hour, zone: workspace.default_zone });
    if (!period || !deps.chats[workspace.chat]) continue;
    const channelId = workspace.digest_channel_id ?? workspace.approvals_channel_id;
    if (!channelId) {
      deps.log.warn({ workspaceId: workspace.id }, 'weekly digest due but the workspace has no digest or approvals channel');
      continue;
    }
    const added = await inTransaction(deps.db, async (tx) => {
      if (!(await insertDigest(tx, workspace.id, period.due, channelId))) return false;
      await deps.queue.sendDigest(tx, { workspaceId: workspace.id, dueAt: period.due.toISOString() });
      return true;
    });
    if (added) queued += 1;
  }
  return queued;
}

/** One workspace's digest: built from the database, posted with its chart, then marked sent. */
export async function handleDigestJob(deps: WorkflowDeps, job: DigestJob): Promise<void> {
  const due = new Date(job.dueAt);
  const [digest, workspace] = await Promise.all([findDigest(deps.db, job.workspaceId, due), findWorkspace(deps.db, job.workspaceId)]);
  if (!digest || digest.sent_at || !workspace) return;
  const chat = deps.chats[workspace.chat];
  if (!chat) return;
  const built = await buildDigest(deps, workspace, due);
  await chat.postDigest(workspace, digest.channel_id, built.text, built.png);
  await markDigestSent(deps.db, workspace.id, due);
  deps.log.info({ workspaceId: workspace.id, dueAt: job.dueAt, channelId: digest.channel_id, bytes: built.png.length }, 'weekly digest posted');
}
