import { connectAccount, lockAccount, lockAccountByIdentity } from '../db/accounts.ts';
import type { SocialAccount } from '../db/schema.ts';
import { inTransaction } from '../db/transaction.ts';
import type { Network } from '../domain/networks.ts';
import { resumeAfterReconnect, type ReconnectOutcome } from '../workflow/accounts/account-reconnected.ts';
import type { WorkflowDeps } from '../workflow/deps.ts';
import type { ConnectedIdentity } from './connected-identity.ts';

export interface CompleteInput {
  workspaceId: string;
  userId: string;
  network: Network;
  identity: ConnectedIdentity;
  instanceUrl?: string | undefined;
  /** From a Reconnect link: only this account may be (re)connected. */
  boundAccountId?: string | null | undefined;
}

export type CompleteResult = ({ ok: true; account: SocialAccount; reconnected: boolean } & ReconnectOutcome) | { ok: false; expected: string };

/**
 * Stores the account with its credentials encrypted and, when it was waiting for a reconnect, lets its held
 * deliveries go and tells the threads of the failed ones to press Retry: one transaction.
 */
export function completeConnect(deps: WorkflowDeps, input: CompleteInput): Promise<CompleteResult> {
  const { identity } = input;
  return inTransaction(deps.db, async (tx) => {
    if (input.boundAccountId) {
      const bound = await lockAccount(tx, input.boundAccountId);
      if (!bound || bound.external_account_id !== identity.externalAccountId) return { ok: false, expected: bound?.display_name ?? 'another account' };
    }
    const before = await lockAccountByIdentity(tx, { workspaceId: input.workspaceId, network: input.network, externalAccountId: identity.externalAccountId });
    const account = await connectAccount(tx, deps.cipher, {
      workspaceId: input.workspaceId,
      network: input.network,
      externalAccountId: identity.externalAccountId,
      displayName: identity.displayName,
      ...(input.instanceUrl ? { instanceUrl: input.instanceUrl } : {}),
      ...(identity.maxCharacters ? { maxCharacters: identity.maxCharacters } : {}),
      connectedBy: input.userId,
      credentials: identity.credentials,
    });
    const reconnected = before?.status === 'needs_reconnect';
    const outcome = reconnected ? await resumeAfterReconnect(tx, deps, account) : { resumed: 0, waiting: 0, late: 0 };
    deps.log.info({ workspaceId: input.workspaceId, network: input.network, accountId: account.id, reconnected, ...outcome }, 'account connected');
    return { ok: true, account, reconnected, ...outcome };
  });
}
