import twitterText from 'twitter-text';

/** X and Mastodon count every link as this many characters, whatever its length. */
export const LINK_LENGTH = 23;

const graphemeSegmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });

export function graphemes(text: string): string[] {
  return Array.from(graphemeSegmenter.segment(text), (segment) => segment.segment);
}

/** X: twitter-text's weighted length (CJK and most emoji weigh 2, links 23, text NFC-normalised). */
export function countForX(text: string): number {
  return twitterText.parseTweet(text).weightedLength;
}

/** Bluesky: grapheme clusters, so a ZWJ family emoji or a letter with combining marks is one. */
export function countGraphemes(text: string): number {
  return graphemes(text).length;
}

// A remote mention `@user@instance.example` counts only as `@user` on Mastodon.
const REMOTE_MENTION = /(^|[^\/\w])@(\w+)@[\w.-]*\w/gu;

/**
 * Mastodon's own rule: graphemes, after each http(s) link becomes 23 characters and each remote
 * mention loses its domain. Links without a scheme are plain text there.
 */
export function countForMastodon(text: string): number {
  const links = twitterText.extractUrlsWithIndices(text, { extractUrlsWithoutProtocol: false });
  let countable = '';
  let cursor = 0;
  for (const { indices } of links) {
    countable += text.slice(cursor, indices[0]) + 'x'.repeat(LINK_LENGTH);
    cursor = indices[1];
  }
  countable += text.slice(cursor);
  return countGraphemes(countable.replace(REMOTE_MENTION, '$1@$2'));
}

const EMOJI = /\p{Extended_Pictographic}|\p{Regional_Indicator}|\u20e3/u;
const utf8 = new TextEncoder();

/** Threads: characters, except that an emoji counts as its UTF-8 byte length (Threads API documentation). */
export function countForThreads(text: string): number {
  let count = 0;
  for (const grapheme of graphemes(text)) {
    count += EMOJI.test(grapheme) ? utf8.encode(grapheme).length : 1;
  }
  return count;
}

/**
 * LinkedIn, Facebook, Instagram: UTF-16 code units. Their documentation does not say how they count;
 * code units are never fewer than what they could mean, so a text that passes here is not refused there.
 */
export function countCodeUnits(text: string): number {
  return text.length;
}
