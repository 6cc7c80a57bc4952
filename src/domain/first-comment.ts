import { createHash } from 'node:crypto';
import { canonicalJson } from './content-hash.ts';
import { NETWORK_LABELS, isThreadedNetwork, type Network } from './networks.ts';
import { countCharacters, type CountOptions } from './text-rules.ts';
import { splitThreadParts } from './thread-parts.ts';

/**
 * First comments (issue 16): a comment under the post on LinkedIn, Facebook and Instagram, a reply on
 * X, Bluesky, Mastodon and Threads. The networks that take one, their limits, and what the content hash
 * covers of them.
 */

/** Comment limits where the comment is not a post of its own (LinkedIn's Comments API; Meta's comment fields). */
const COMMENT_LIMITS: Partial<Record<Network, number>> = { linkedin: 1250, facebook: 8000, instagram: 2200 };

export function takesFirstComment(network: Network): boolean {
  return isThreadedNetwork(network) || network in COMMENT_LIMITS;
}

/** Why this first comment cannot go to the network, in words for the form field; undefined when it can. */
export function firstCommentProblem(network: Network, text: string, opts?: CountOptions): string | undefined {
  const label = NETWORK_LABELS[network];
  if (!takesFirstComment(network)) return `${label} takes no first comment.`;
  if (splitThreadParts(text).length > 1) return `The first comment on ${label} is one text: remove the --- lines.`;
  const limit = COMMENT_LIMITS[network];
  if (limit !== undefined) return text.length > limit ? `The first comment on ${label} is ${text.length} characters; ${label} takes ${limit}.` : undefined;
  const { count, limit: max } = countCharacters(network, text, opts);
  return count > max ? `The first comment on ${label} is ${count} characters as ${label} counts them; it takes ${max}.` : undefined;
}

/** The content hash with the first comments folded in: a changed comment is a change the approver did not see. */
export function hashWithComments(baseHash: string, comments: Partial<Record<Network, string>>): string {
  const entries = Object.entries(comments).filter(([, text]) => text && text.trim() !== '');
  if (entries.length === 0) return baseHash;
  const json = Object.fromEntries(entries.map(([n, t]) => [n, t!.trim()]));
  return createHash('sha256')
    .update(canonicalJson({ base: baseHash, comments: json }), 'utf8')
    .digest('hex');
}
