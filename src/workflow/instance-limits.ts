import { fetchInstanceLimit } from '../networks/mastodon.ts';
import { NetworkError } from '../networks/adapter.ts';
import type { WorkflowDeps } from './deps.ts';
import { mastodonInstances, setInstanceLimit } from '../db/accounts.ts';

const READ_TIMEOUT_MS = 15_000;

/**
 * Daily, with the token refresh: each Mastodon instance's own post length is read again, so a limit an
 * instance raised or lowered since its accounts connected is what the compose form, the card and the
 * last check before publishing use. One read per instance, however many accounts are on it. An
 * instance that does not answer keeps the stored limit until the next day.
 */
export async function refreshInstanceLimits(deps: Pick<WorkflowDeps, 'db' | 'log'>, signal: AbortSignal): Promise<{ changed: number; failed: number }> {
  const instances = await mastodonInstances(deps.db);
  const summary = { changed: 0, failed: 0 };
  for (const instanceUrl of instances) {
    if (signal.aborted || !instanceUrl) break;
    try {
      const limit = await fetchInstanceLimit(instanceUrl, { timeoutMs: READ_TIMEOUT_MS, signal });
      const changed = await setInstanceLimit(deps.db, instanceUrl, limit);
      if (changed > 0) deps.log.info({ instanceUrl, maxCharacters: limit, accounts: changed }, 'a Mastodon instance changed its post length');
      summary.changed += changed;
    } catch (err) {
      if (!(err instanceof NetworkError)) throw err;
      deps.log.warn({ err, instanceUrl }, 'could not read a Mastodon instance’s post length; keeping the stored one');
      summary.failed += 1;
    }
  }
  return summary;
}
