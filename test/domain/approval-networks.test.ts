import { describe, expect, it } from 'vitest';
import { approveNetworks, heldNetworks } from '../../src/domain/approval-networks.ts';

const H = 'hash-v1';
const base = { networks: ['linkedin', 'x', 'bluesky'] as const, required: 1, actorId: 'ana', contentHash: H, approvals: [], holds: [], hold: [] };

describe('approveNetworks', () => {
  it('approves every network when nothing is held', () => {
    expect(approveNetworks({ ...base, networks: [...base.networks] })).toEqual({ ok: true, approved: ['linkedin', 'x', 'bluesky'], held: [], complete: true });
  });

  it('approves the rest and holds X', () => {
    expect(approveNetworks({ ...base, networks: [...base.networks], hold: ['x'] })).toEqual({
      ok: true,
      approved: ['linkedin', 'bluesky'],
      held: ['x'],
      complete: true,
    });
  });

  it('refuses holding every network, and a network the post does not have', () => {
    expect(approveNetworks({ ...base, networks: ['x'], hold: ['x'] })).toMatchObject({ ok: false, message: expect.stringContaining('use Reject instead') });
    const earlier = [{ approverId: 'bo', contentHash: H, network: 'x' as const }];
    expect(approveNetworks({ ...base, networks: ['x', 'linkedin'], holds: earlier, hold: ['linkedin'] })).toMatchObject({ ok: false });
    expect(approveNetworks({ ...base, networks: ['x', 'linkedin'], hold: ['mastodon'] })).toEqual({
      ok: false,
      message: "Mastodon is not one of this post's networks.",
    });
  });

  it('needs N approvals covering each network that is not held; an earlier hold stands', () => {
    const two = { ...base, networks: ['linkedin', 'x'] as ('linkedin' | 'x')[], required: 2 };
    expect(approveNetworks({ ...two, hold: ['x'] })).toMatchObject({ ok: true, held: ['x'], complete: false });
    const anaApprovedLinkedIn = [{ approverId: 'ana', contentHash: H, network: 'linkedin' as const }];
    const anaHeldX = [{ approverId: 'ana', contentHash: H, network: 'x' as const }];
    expect(approveNetworks({ ...two, actorId: 'bo', approvals: anaApprovedLinkedIn, holds: anaHeldX })).toEqual({
      ok: true,
      approved: ['linkedin', 'x'],
      held: ['x'],
      complete: true,
    });
  });

  it('counts only approvals and holds of the current content', () => {
    const old = [{ approverId: 'bo', contentHash: 'hash-v0', network: null }];
    const oldHold = [{ approverId: 'bo', contentHash: 'hash-v0', network: 'x' as const }];
    expect(approveNetworks({ ...base, networks: ['linkedin', 'x'], required: 2, approvals: old, holds: oldHold })).toEqual({
      ok: true,
      approved: ['linkedin', 'x'],
      held: [],
      complete: false,
    });
    expect(heldNetworks([...oldHold, { approverId: 'ana', contentHash: H, network: 'linkedin' }], H)).toEqual(['linkedin']);
  });
});
