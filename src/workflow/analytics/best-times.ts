import { listAccounts } from '../../db/accounts.ts';
import { bestTimeStats } from '../../db/best-time-stats.ts';
import { findWorkspace } from '../../db/workspaces.ts';
import { DEFAULT_SLOTS } from '../../domain/best-time-defaults.ts';
import { suggestBestTimes, type BestTimes } from '../../domain/best-time.ts';
import { NETWORKS, type Network } from '../../domain/networks.ts';
import type { WorkflowDeps } from '../deps.ts';

/** How far back the history counts: a year of posts (audiences change; older rows stay stored). */
export const BEST_TIME_LOOKBACK_DAYS = 365;

/** Networks that have best times (a webhook has none). */
export function hasBestTimes(network: Network): boolean {
  return DEFAULT_SLOTS[network] !== undefined;
}

/** The networks of the workspace's accounts that have best times, in the usual network order. */
export async function bestTimeNetworks(deps: Pick<WorkflowDeps, 'db'>, workspaceId: string): Promise<Network[]> {
  const accounts = await listAccounts(deps.db, workspaceId);
  const have = new Set(accounts.filter((a) => a.status !== 'disconnected').map((a) => a.network));
  return NETWORKS.filter((n) => have.has(n) && hasBestTimes(n));
}

/**
 * Best times for `networks` in the workspace's zone. One aggregation statement per network, run side by
 * side on the pool: each reads its own range of the index with a hash aggregate, where one statement
 * for all of them sorts every row by network first (docs/benchmarks.md has both plans' times).
 */
export async function bestTimesFor(deps: Pick<WorkflowDeps, 'db' | 'now'>, workspaceId: string, networks: Network[]): Promise<BestTimes[]> {
  const wanted = networks.filter(hasBestTimes);
  if (wanted.length === 0) return [];
  const workspace = await findWorkspace(deps.db, workspaceId);
  const zone = workspace?.default_zone ?? 'UTC';
  const now = deps.now();
  const since = new Date(now.getTime() - BEST_TIME_LOOKBACK_DAYS * 86_400_000);
  const until = new Date(now.getTime() + 86_400_000);
  const stats = await Promise.all(wanted.map((network) => bestTimeStats(deps.db, { workspaceId, zone, since, until, networks: [network] })));
  return wanted.map((network, i) => suggestBestTimes({ network, zone, now, buckets: stats[i]!.get(network) ?? [], defaults: DEFAULT_SLOTS[network]! }));
}
