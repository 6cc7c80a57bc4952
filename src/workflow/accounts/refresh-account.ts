import { decryptCredentials, lockAccount, saveRefreshedCredentials } from '../../db/accounts.ts';
import type { SocialAccount } from '../../db/schema.ts';
import { inTransaction } from '../../db/transaction.ts';
import type { Credentials, NetworkAdapter } from '../../networks/adapter.ts';
import type { WorkflowDeps } from '../deps.ts';

/**
 * The account's credentials, refreshed first when the access token expires within `windowMs`. The refresh
 * runs with the account row locked and re-read: refresh tokens are single use on some networks (X), so two
 * workers refreshing at once would make the second look revoked. A refused refresh throws the adapter's
 * NetworkError (class `auth`) and stores nothing.
 */
export async function refreshIfExpiring(
  deps: Pick<WorkflowDeps, 'db' | 'cipher' | 'now'>,
  account: SocialAccount,
  adapter: NetworkAdapter,
  signal: AbortSignal,
  windowMs: number,
): Promise<Credentials> {
  const expiring = (c: Credentials) => Boolean(adapter.refresh && c.expiresAt && c.expiresAt.getTime() - deps.now().getTime() <= windowMs);
  const credentials = decryptCredentials(deps.cipher, account);
  if (!expiring(credentials)) return credentials;
  return inTransaction(deps.db, async (tx) => {
    const current = await lockAccount(tx, account.id);
    if (!current) throw new Error(`account ${account.id} not found`);
    const latest = decryptCredentials(deps.cipher, current);
    // Another worker may have refreshed while this one waited for the lock.
    if (!expiring(latest)) return latest;
    const fresh = await adapter.refresh!(latest, signal);
    await saveRefreshedCredentials(tx, deps.cipher, current, fresh);
    return fresh;
  });
}
