import { createHash } from 'node:crypto';
import { canonicalJson } from './content-hash.ts';
import type { Network } from './networks.ts';
import type { InstagramVideoKind } from './video-rules.ts';

/**
 * How a post's video goes to Instagram (issue 15), chosen per post in the compose form: a Reel (the
 * default, also in the feed) or a Story. The approval covers the choice: a Story of an approved Reel is
 * content the approver did not see.
 */
export const INSTAGRAM_KIND_LABELS: Record<InstagramVideoKind, string> = { reels: 'Reel', stories: 'Story' };

export function isInstagramKind(value: unknown): value is InstagramVideoKind {
  return value === 'reels' || value === 'stories';
}

/**
 * The content hash with the Instagram choice folded in. A Reel (the default), or a post that does not
 * go to Instagram, keeps its hash as it was before the choice existed, so earlier approvals stay valid.
 */
export function hashWithInstagramKind(baseHash: string, kind: InstagramVideoKind | undefined, networks: readonly Network[]): string {
  if (kind !== 'stories' || !networks.includes('instagram')) return baseHash;
  return createHash('sha256')
    .update(canonicalJson({ base: baseHash, instagram: kind }), 'utf8')
    .digest('hex');
}
