import type { Network } from '../../domain/networks.ts';
import type { WorkflowDeps } from '../deps.ts';
import { reconnectLink } from './connect-link.ts';
import { accountsOfPost } from '../../db/accounts.ts';

/** Event kinds whose receipt carries a Reconnect button. */
export const RECONNECT_KINDS: readonly string[] = ['delivery_needs_reconnect', 'account_needs_reconnect', 'account_disconnected'];

/**
 * The Reconnect buttons of one post's thread: each a signed link for the post's account on that network
 * (the one that needs a reconnect first). Without STATE_SECRET or an account the link still leads to the
 * connect page, which then explains how to get a fresh one.
 */
export async function reconnectLinksFor(deps: WorkflowDeps, postId: string, workspaceId: string): Promise<(network: Network) => string> {
  const accounts = await accountsOfPost(deps.db, postId);
  return (network) => {
    const onNetwork = accounts.filter((a) => a.network === network);
    const account = onNetwork.find((a) => a.status === 'needs_reconnect') ?? onNetwork[0];
    if (account && deps.stateSecret) return reconnectLink(deps, account);
    return `${deps.publicUrl}/connect/${network}?workspace=${workspaceId}`;
  };
}
