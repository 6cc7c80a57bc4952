import { NETWORK_LABELS, type Network } from './networks.ts';

/** One approver's approval of one version: of every network (`network` null) or of one. */
export interface NetworkApproval {
  approverId: string;
  contentHash: string;
  network: Network | null;
}

/** An approver held this network back from this version of the post. */
export interface NetworkHold {
  approverId: string;
  contentHash: string;
  network: Network;
}

export type NetworkVerdict =
  | {
      ok: true;
      /** What this click approves: every network of the post but the ones it holds. */
      approved: Network[];
      /** Every network held on this version, by anyone, this click included. */
      held: Network[];
      /** Each network not held has the approvals it needs: the post can be scheduled without the held ones. */
      complete: boolean;
    }
  | { ok: false; message: string };

/**
 * Approval per network. An approver approves the post except the networks they hold; a hold by any
 * approver keeps that network out of this version (one person's "not on X" is enough, as a Reject
 * would be for the whole post). The other networks each need `required` approvals that cover them.
 * Holding every network is refused: that is what Reject is for.
 */
export function approveNetworks(input: {
  networks: readonly Network[];
  required: number;
  actorId: string;
  contentHash: string;
  approvals: readonly NetworkApproval[];
  holds: readonly NetworkHold[];
  hold: readonly Network[];
}): NetworkVerdict {
  const networks = [...new Set(input.networks)];
  const stranger = input.hold.find((n) => !networks.includes(n));
  if (stranger) return { ok: false, message: `${NETWORK_LABELS[stranger] ?? stranger} is not one of this post's networks.` };
  const current = (h: { contentHash: string }) => h.contentHash === input.contentHash;
  const held = networks.filter((n) => input.hold.includes(n) || input.holds.some((h) => current(h) && h.network === n));
  const open = networks.filter((n) => !held.includes(n));
  if (open.length === 0) {
    return { ok: false, message: 'That would hold every network of this post, so nothing would be published: use Reject instead.' };
  }
  const approved = networks.filter((n) => !input.hold.includes(n));
  const mine: NetworkApproval[] =
    input.hold.length === 0
      ? [{ approverId: input.actorId, contentHash: input.contentHash, network: null }]
      : approved.map((network) => ({ approverId: input.actorId, contentHash: input.contentHash, network }));
  const all = [...input.approvals.filter(current), ...mine];
  const coverage = (n: Network) => new Set(all.filter((a) => a.network === null || a.network === n).map((a) => a.approverId)).size;
  return { ok: true, approved, held, complete: open.every((n) => coverage(n) >= input.required) };
}

/** The networks held on the current version, from the post's live decisions. */
export function heldNetworks(holds: readonly NetworkHold[], contentHash: string): Network[] {
  return [...new Set(holds.filter((h) => h.contentHash === contentHash).map((h) => h.network))];
}
