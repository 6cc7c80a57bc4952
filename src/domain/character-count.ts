import twitterText from 'twitter-text';
import { countForMastodonServer } from './mastodon-count.ts';

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

/**
 * Mastodon: exactly as its server's StatusLengthValidator counts (see mastodon-count.ts for the rules and their
 * sources): graphemes, after each link Mastodon recognises becomes 23 characters and each mention loses its domain.
 */
export function countForMastodon(text: string): number {
  return countForMastodonServer(text);
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

export function utf8Length(text: string): number {
  return utf8.encode(text).length;
}

/** The characters twitter-text refuses (its config's invalid characters), named as U+XXXX, each once. */
export function invalidXCharacters(text: string): string[] {
  if (!twitterText.hasInvalidCharacters(text)) return [];
  const names = new Set<string>();
  for (const char of text) {
    if (twitterText.hasInvalidCharacters(char)) {
      names.add(`U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`);
    }
  }
  return [...names];
}

/** Different links in the text, with or without a scheme ("www.threads.com" counts on Threads). */
export function uniqueLinks(text: string): number {
  return new Set(twitterText.extractUrls(text)).size;
}

/** Hashtags as twitter-text finds them (`#word`, not inside a word or a link). */
export function countHashtags(text: string): number {
  return twitterText.extractHashtags(text).length;
}

/** @mentions as twitter-text finds them (`@name`, not inside an e-mail address). */
export function countMentions(text: string): number {
  return twitterText.extractMentions(text).length;
}
