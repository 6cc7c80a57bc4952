import type { TokenCipher } from '../crypto/token-cipher.ts';
import { decryptCredentials } from '../db/accounts.ts';
import type { Db } from '../db/database.ts';
import { accountsToCheck } from '../db/operator-views.ts';
import type { SocialAccount } from '../db/schema.ts';
import { NETWORK_LABELS, type Network } from '../domain/networks.ts';
import { NetworkError, type NetworkAdapter } from '../networks/adapter.ts';
import { errorText, type Check } from './output.ts';

/**
 * Token health, account by account: decrypt the credentials and make the network's cheapest authenticated
 * read (the adapter's `verify`). Read-only: nothing is refreshed or marked (a refresh would rotate a
 * refresh token the service then no longer has).
 */
export interface AccountCheck extends Check {
  accountId: string;
  network: Network;
}

export interface CheckDeps {
  db: Db;
  cipher: TokenCipher;
  adapters: Partial<Record<Network, NetworkAdapter>>;
  timeoutMs: number;
  now: Date;
}

const CONCURRENCY = 8;

export async function checkAccounts(deps: CheckDeps, accountId?: string): Promise<AccountCheck[]> {
  const accounts = await accountsToCheck(deps.db, accountId);
  const results: AccountCheck[] = new Array(accounts.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < accounts.length; i = next++) results[i] = await checkAccount(deps, accounts[i]!);
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, accounts.length) }, worker));
  return results;
}

async function checkAccount(deps: CheckDeps, account: SocialAccount): Promise<AccountCheck> {
  const label = NETWORK_LABELS[account.network];
  const base = { accountId: account.id, network: account.network, name: `${label} ${account.display_name} ${account.id}` };
  const result = (status: Check['status'], detail: string, hint?: string): AccountCheck => ({ ...base, status, detail, ...(hint ? { hint } : {}) });
  const reconnect = `reconnect it: /greenlight connect ${account.network}`;
  if (account.status === 'disconnected') return result('skip', 'disconnected');
  const adapter = deps.adapters[account.network];
  if (!adapter?.verify) return result('skip', `no check available for ${label}`);
  let credentials;
  try {
    credentials = decryptCredentials(deps.cipher, account);
  } catch (error) {
    return result('fail', `cannot decrypt the token: ${errorText(error)}`, "run the CLI with the server's ENCRYPTION_KEYS");
  }
  if (credentials.expiresAt && credentials.expiresAt <= deps.now) {
    if (adapter.refresh && credentials.refreshToken)
      return result(
        'warn',
        `the access token expired at ${credentials.expiresAt.toISOString()}; the service refreshes it before the next publish (not checked)`,
      );
    return result('fail', `the access token expired at ${credentials.expiresAt.toISOString()}`, reconnect);
  }
  try {
    const who = await adapter.verify(credentials, AbortSignal.timeout(deps.timeoutMs));
    if (who.accountId && who.accountId !== account.external_account_id) {
      return result('fail', `the token belongs to ${who.name} (${who.accountId}), not to the stored account ${account.external_account_id}`, reconnect);
    }
    const note = account.status === 'needs_reconnect' ? `; the account is still marked needs_reconnect (${account.last_error ?? 'no reason stored'})` : '';
    return result(
      account.status === 'needs_reconnect' ? 'warn' : 'ok',
      `token works (${label} says ${who.name})${note}`,
      account.status === 'needs_reconnect' ? reconnect : undefined,
    );
  } catch (error) {
    if (error instanceof NetworkError && error.errorClass === 'auth') {
      return result('fail', `${label} refused the token: ${error.networkMessage ?? error.message}`, reconnect);
    }
    return result('fail', `could not check: ${errorText(error)}`, `${label} did not answer as expected; try again later`);
  }
}
