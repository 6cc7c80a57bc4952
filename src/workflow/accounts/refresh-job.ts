import { pruneOauthStates } from '../../db/oauth-states.ts';
import { NetworkError } from '../../networks/adapter.ts';
import { accountNeedsReconnect } from './account-needs-reconnect.ts';
import type { WorkflowDeps } from '../deps.ts';
import { refreshIfExpiring } from './refresh-account.ts';
import { accountsExpiringBefore } from '../../db/accounts.ts';

/** The daily job refreshes every token that would expire before the next run (and then some). */
const HORIZON_MS = 24 * 3600_000;

export interface RefreshSummary {
  refreshed: number;
  needsReconnect: number;
  failed: number;
}

/**
 * The daily refresh (networks whose tokens die unless refreshed: Threads, Instagram Login, LinkedIn, Bluesky,
 * X's refresh tokens). A refused refresh (`auth`) marks the account for a reconnect and holds its queue; any
 * other failure is logged and tried again at publish time or the next day. Nothing is ever deleted.
 */
export async function refreshExpiringTokens(deps: WorkflowDeps, signal: AbortSignal): Promise<RefreshSummary> {
  const networks = Object.values(deps.adapters).flatMap((a) => (a?.refresh ? [a.network] : []));
  const summary: RefreshSummary = { refreshed: 0, needsReconnect: 0, failed: 0 };
  const accounts = await accountsExpiringBefore(deps.db, networks, new Date(deps.now().getTime() + HORIZON_MS));
  for (const account of accounts) {
    if (signal.aborted) break;
    try {
      await refreshIfExpiring(deps, account, deps.adapters[account.network]!, signal, HORIZON_MS);
      summary.refreshed += 1;
    } catch (err) {
      if (err instanceof NetworkError && err.errorClass === 'auth') {
        await accountNeedsReconnect(deps, account, err.networkMessage ?? err.message);
        summary.needsReconnect += 1;
      } else {
        deps.log.warn({ err, accountId: account.id, network: account.network }, 'token refresh failed; trying again at publish time');
        summary.failed += 1;
      }
    }
  }
  const pruned = await pruneOauthStates(deps.db);
  deps.log.info({ ...summary, prunedStates: pruned }, 'daily token refresh done');
  return summary;
}
