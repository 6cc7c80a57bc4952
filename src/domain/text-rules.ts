import {
  countCodeUnits,
  countForMastodon,
  countForThreads,
  countForX,
  countGraphemes,
  countHashtags,
  countMentions,
  invalidXCharacters,
  uniqueLinks,
  utf8Length,
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

export const BLUESKY_MAX_BYTES = 3000;
export const THREADS_MAX_LINKS = 5;
export const INSTAGRAM_MAX_HASHTAGS = 30;
export const INSTAGRAM_MAX_MENTIONS = 20;

/**
 * Rules beyond the length, per post (per thread part). Each returns the end of a sentence that starts with
 * "The text" or "Part n of m", for every rule the part breaks.
 */
const EXTRA_TEXT_RULES: Partial<Record<Network, (text: string) => string[]>> = {
  // twitter-text (X's counting library) calls a text invalid (parseTweet().valid false) for its length and for
  // U+FFFE, U+FEFF and U+FFFF. The weighted length is checked against the account's limit by countForX; this
  // adds the characters. Source: twitter/twitter-text js/src/parseTweet.js, js/src/regexp/invalidCharsGroup.js.
  x: (text) => {
    const invalid = invalidXCharacters(text);
    return invalid.length === 0 ? [] : [`contains ${invalid.join(', ')}, which X does not accept. Remove it.`];
  },
  // The post record's text: maxGraphemes 300 and maxLength 3000 (UTF-8 bytes).
  // Source: bluesky-social/atproto lexicons/app/bsky/feed/post.json.
  bluesky: (text) => {
    const bytes = utf8Length(text);
    return bytes <= BLUESKY_MAX_BYTES
      ? []
      : [`is ${bytes}/${BLUESKY_MAX_BYTES} bytes on Bluesky, which also limits the size in UTF-8 (an emoji takes 4 bytes or more).`];
  },
  // "Starting December 22, 2025, Threads posts containing more than 5 links will fail to post
  // (THREADS_API__LINK_LIMIT_EXCEEDED)"; all unique URLs in the text count.
  // Source: https://developers.facebook.com/documentation/threads/create-posts/text-attachments
  threads: (text) => {
    const links = uniqueLinks(text);
    return links <= THREADS_MAX_LINKS ? [] : [`has ${links} different links; Threads allows at most ${THREADS_MAX_LINKS}.`];
  },
  // The caption takes at most 2,200 characters, 30 hashtags and 20 @ tags (the `caption` parameter of IG User Media).
  // Source: https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media
  // Hashtags and mentions are found as twitter-text finds them; Instagram does not document its own pattern.
  instagram: (text) => {
    const problems: string[] = [];
    const hashtags = countHashtags(text);
    if (hashtags > INSTAGRAM_MAX_HASHTAGS) {
      problems.push(`has ${hashtags} hashtags; Instagram allows at most ${INSTAGRAM_MAX_HASHTAGS}.`);
    }
    const mentions = countMentions(text);
    if (mentions > INSTAGRAM_MAX_MENTIONS) {
      problems.push(`has ${mentions} @mentions; Instagram allows at most ${INSTAGRAM_MAX_MENTIONS}.`);
    }
    return problems;
  },
  // Facebook (Pages feed `message`) and LinkedIn (Posts API `commentary`, 3,000 characters) document nothing
  // beyond the length that a compose form can check; LinkedIn's reserved "little text" characters are escaped by
  // src/networks/linkedin-text.ts rather than refused.
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
      const subject = parts.length === 1 ? 'The text' : `Part ${index + 1} of ${parts.length}`;
      const { count, limit } = countCharacters(network, part, opts);
      if (count > limit) {
        issues.push({ field: 'text', message: `${subject} is ${count}/${limit} characters on ${label}.` });
      }
      for (const problem of EXTRA_TEXT_RULES[network]?.(part) ?? []) {
        issues.push({ field: 'text', message: `${subject} ${problem}` });
      }
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
