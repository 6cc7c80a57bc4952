import { loadMetricTargets, saveMetrics, type MetricRow, type MetricTarget } from '../../db/delivery-metrics.ts';
import { inTransaction } from '../../db/transaction.ts';
import { nextAttemptAt } from '../../domain/backoff.ts';
import { NetworkError, type PostMetrics } from '../../networks/adapter.ts';
import { refreshIfExpiring } from '../accounts/refresh-account.ts';
import type { StoredMetricsJob } from '../../queue/queue.ts';
import type { WorkflowDeps } from '../deps.ts';
import { recordMeasurements } from './measurement-events.ts';
import { SUMMARY_SLOT, type MetricSlot } from '../../domain/metric-slots.ts';
import { summarizeIfComplete } from './summarize-post.ts';

/**
 * The metrics worker. pg-boss hands over a few due jobs at a time (one per slot of the deliveries
 * published together, or of one delivery for jobs queued before batching); their deliveries are grouped by account, and each account's posts are looked up in as few calls as its network
 * allows (X: 100 ids a call), the groups in parallel. Outcomes per group:
 * - answered: a row per job; a post the network did not answer for is stored "not reported";
 * - transient or rate-limited: the jobs come back later with backoff and full jitter as publishing
 *   does, at the network's reset time when it gave one; after METRICS_MAX_ATTEMPTS they are stored
 *   "not reported", so a post's 24-hour summary is never held back forever;
 * - refused token or a permanent error: stored "not reported" at once (publishing asks for the reconnect).
 * Returns the ids of jobs whose handling crashed (pg-boss retries those, every delivery of the job:
 * a slot already stored is not stored again).
 */
export const METRICS_MAX_ATTEMPTS = 6;
const REFRESH_WINDOW_MS = 5 * 60_000;

export interface MetricsJobRun {
  id: string;
  data: StoredMetricsJob;
  signal: AbortSignal;
}

/** One delivery's measurement in one slot, and the job that asked for it. */
interface Work {
  job: { id: string; slot: MetricSlot; attempt: number };
  target: MetricTarget;
}

const deliveryIdsOf = (data: StoredMetricsJob): string[] => ('deliveryIds' in data ? data.deliveryIds : [data.deliveryId]);

export async function handleMetricsBatch(deps: WorkflowDeps, jobs: MetricsJobRun[]): Promise<string[]> {
  const targets = new Map((await loadMetricTargets(deps.db, [...new Set(jobs.flatMap((j) => deliveryIdsOf(j.data)))])).map((t) => [t.deliveryId, t]));
  const groups = new Map<string, Work[]>();
  for (const { id, data } of jobs) {
    for (const deliveryId of deliveryIdsOf(data)) {
      const target = targets.get(deliveryId);
      if (!target) continue; // withdrawn, or no longer published: nothing to measure
      const group = groups.get(target.account.id) ?? [];
      group.push({ job: { id, slot: data.slot, attempt: data.attempt }, target });
      groups.set(target.account.id, group);
    }
  }
  const signal = AbortSignal.any(jobs.map((j) => j.signal));
  const failed: string[] = [];
  await Promise.all(
    [...groups.values()].map((group) =>
      collectGroup(deps, group, signal).catch((error: unknown) => {
        deps.log.error(
          { err: error, network: group[0]!.target.network, deliveryIds: group.map((w) => w.target.deliveryId) },
          'collecting metrics failed; the jobs will retry',
        );
        failed.push(...group.map((w) => w.job.id));
      }),
    ),
  );
  return [...new Set(failed)];
}

async function collectGroup(deps: WorkflowDeps, group: Work[], signal: AbortSignal): Promise<void> {
  const { account, network } = group[0]!.target;
  const adapter = deps.adapters[network];
  if (!adapter?.metrics) return;
  let answered: Map<string, PostMetrics>;
  try {
    const credentials = await refreshIfExpiring(deps, account, adapter, signal, REFRESH_WINDOW_MS);
    answered = await adapter.metrics(credentials, [...new Set(group.map((w) => w.target.externalId))], signal);
  } catch (error) {
    if (!(error instanceof NetworkError)) throw error;
    return onNetworkError(deps, group, error);
  }
  await store(
    deps,
    group.map((w) => ({ target: w.target, slot: w.job.slot, metrics: answered.get(w.target.externalId) })),
  );
}

async function onNetworkError(deps: WorkflowDeps, group: Work[], error: NetworkError): Promise<void> {
  const retryable = ['transient', 'rate_limited', 'unknown_outcome'].includes(error.errorClass);
  const again = retryable ? group.filter((w) => w.job.attempt < METRICS_MAX_ATTEMPTS) : [];
  const giveUp = group.filter((w) => !again.includes(w));
  const context = { network: error.network, errorClass: error.errorClass, deliveryIds: group.map((w) => w.target.deliveryId), err: error };
  if (again.length > 0) {
    const attempt = Math.max(...again.map((w) => w.job.attempt));
    const at = nextAttemptAt(deps.now(), attempt, deps.publish, Math.random(), error.retryAt);
    deps.log.info({ ...context, retryAt: at.toISOString() }, 'metrics lookup failed; trying again later');
    // One job per slot and attempt for the whole group (one account's deliveries).
    const jobs = new Map<string, { deliveryIds: string[]; slot: MetricSlot; attempt: number; at: Date }>();
    for (const { job, target } of again) {
      const key = `${job.slot}:${job.attempt}`;
      const next = jobs.get(key) ?? { deliveryIds: [], slot: job.slot, attempt: job.attempt + 1, at };
      if (!next.deliveryIds.includes(target.deliveryId)) next.deliveryIds.push(target.deliveryId);
      jobs.set(key, next);
    }
    await deps.queue.sendMetrics(deps.db, [...jobs.values()]);
  }
  if (giveUp.length > 0) {
    deps.log.warn(context, 'metrics lookup gave up; stored as not reported');
    await store(
      deps,
      giveUp.map((w) => ({ target: w.target, slot: w.job.slot, metrics: undefined })),
    );
  }
}

/**
 * Saves the rows and, with them, an event per new row for the outgoing webhooks; each post that got a
 * new 24-hour row may now be complete enough for its summary.
 */
async function store(deps: WorkflowDeps, rows: MetricRow[]): Promise<void> {
  const fresh = await inTransaction(deps.db, async (tx) => {
    const saved = await saveMetrics(tx, rows);
    await recordMeasurements(tx, deps.queue, saved, deps.now());
    return saved;
  });
  const posts = new Map(fresh.filter((r) => r.slot === SUMMARY_SLOT).map((r) => [r.target.postId, r.target.workspaceId]));
  for (const [id, workspaceId] of posts) await summarizeIfComplete(deps, { id, workspaceId });
}
