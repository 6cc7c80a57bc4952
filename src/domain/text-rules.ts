import {
  countCodeUnits,
  countForMastodon,
  countForThreads,
  countForX,
  countGraphemes,
} from './character-count.ts';
import { NETWORK_LABELS, type Network } from './networks.ts';
import { splitThreadParts } from './thread-parts.ts';

export interface NetworkRule {
  /** Characters per post (per part in a thread), counted the network's way. */
  limit: number;
  threads: boolean;
  mediaRequired: boolean;
  maxMedia: number;
}

export const NETWORK_RULES: Record<Network, NetworkRule> = {
  x: { limit: 280, threads: true, mediaRequired: false, maxMedia: 4 },
  linkedin: { limit: 3000, threads: false, mediaRequired: false, maxMedia: 20 },
  bluesky: { limit: 300, threads: true, mediaRequired: false, maxMedia: 4 },
  // 500 is Mastodon's default; instances may allow more (pass opts.limit).
  mastodon: { limit: 500, threads: true, mediaRequired: false, maxMedia: 4 },
  facebook: { limit: 63206, threads: false, mediaRequired: false, maxMedia: 10 },
  instagram: { limit: 2200, threads: false, mediaRequired: true, maxMedia: 10 },
  threads: { limit: 500, threads: true, mediaRequired: false, maxMedia: 20 },
  // A team's own blog or CMS: a generous limit, one post (no threads).
  webhook: { limit: 100_000, threads: false, mediaRequired: false, maxMedia: 20 },
};

const COUNTERS: Record<Network, (text: string) => number> = {
  x: countForX,
  linkedin: countCodeUnits,
  bluesky: countGraphemes,
  mastodon: countForMastodon,
  facebook: countCodeUnits,
  instagram: countCodeUnits,
  threads: countForThreads,
  webhook: countCodeUnits,
};

export interface CountOptions {
  /** Overrides the network's default limit (a Mastodon instance's own limit, an X account allowed longer posts). */
  limit?: number;
}

/** The length of one post (one thread part) as `network` counts it, with the limit that applies. */
export function countCharacters(network: Network, text: string, opts?: CountOptions): { count: number; limit: number } {
  return { count: COUNTERS[network](text), limit: opts?.limit ?? NETWORK_RULES[network].limit };
}

export interface FieldIssue {
  field: 'text' | 'media';
  message: string;
}

export interface PostContent {
  text: string;
  media: readonly string[];
}

/** Every problem with this content on `network`, as user-facing sentences; empty when it can be published. */
export function validateContent(network: Network, content: PostContent, opts?: CountOptions): FieldIssue[] {
  const rule = NETWORK_RULES[network];
  const label = NETWORK_LABELS[network];
  const issues: FieldIssue[] = [];
  const parts = splitThreadParts(content.text);

  if (parts.length === 0) {
    issues.push({ field: 'text', message: `Write some text for ${label}.` });
  } else if (parts.length > 1 && !rule.threads) {
    issues.push({
      field: 'text',
      message: `${label} does not support threads: remove the --- lines or write one text for ${label}.`,
    });
  } else {
    parts.forEach((part, index) => {
      const { count, limit } = countCharacters(network, part, opts);
      if (count <= limit) return;
      const subject = parts.length === 1 ? 'The text' : `Part ${index + 1} of ${parts.length}`;
      issues.push({ field: 'text', message: `${subject} is ${count}/${limit} characters on ${label}.` });
    });
  }

  if (rule.mediaRequired && content.media.length === 0) {
    issues.push({ field: 'media', message: `${label} needs at least one image or video.` });
  }
  if (content.media.length > rule.maxMedia) {
    issues.push({
      field: 'media',
      message: `${label} allows at most ${rule.maxMedia} images or videos; this post has ${content.media.length}.`,
    });
  }
  return issues;
}
