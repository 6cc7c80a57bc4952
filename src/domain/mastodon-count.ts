import { domainToASCII } from 'node:url';
import twitterText from 'twitter-text';

/**
 * Mastodon's own length rule, as its server applies it when a status is posted.
 *
 * Sources (mastodon/mastodon, read December 2026):
 * - app/validators/status_length_validator.rb: the text is blank -> 0; otherwise links (extracted with
 *   `extract_url_without_protocol: false`) and mentions are found, overlapping ones dropped (earlier start wins),
 *   each link becomes a 23-character placeholder, each mention `@user@domain` becomes `@user`, and the
 *   result is counted in grapheme clusters.
 * - config/initializers/twitter_regex.rb: Mastodon replaces twitter-text's URL path and query rules (any
 *   non-space character in a path, Unicode in queries, `^` allowed) and its scheme list (http, https, dat, dweb,
 *   ipfs, ipns, ssb, gopher, gemini). Domain, port and preceding-character rules stay twitter-text's own
 *   (twitter-text gem 3.x, the same rules as the twitter-text npm package, whose `regexen` we reuse for them).
 * - app/lib/extractor.rb: mentions are matched with Account::MENTION_RE, skipped when followed by an at sign, a
 *   Latin accent or `://` (twitter-text's end_mention_match), or when the domain is longer than 253 characters.
 * - app/models/account.rb: USERNAME_RE and MENTION_RE.
 * - twitter-text's extract_urls_with_indices / is_valid_domain: a match without a scheme is skipped (and the scan
 *   goes on after it), a t.co link keeps only its slug, and a link whose length with the domain in punycode is
 *   over 4096 is not a link.
 * The patterns below are written from those rules; they are not copies of the Ruby source.
 */

export const MASTODON_URL_PLACEHOLDER_LENGTH = 23;

const MAX_URL_LENGTH = 4096;
const MAX_TCO_SLUG_LENGTH = 40;
const MAX_MENTION_DOMAIN_LENGTH = 253;

const { regexen } = twitterText;

// Ruby's \p{White_Space}, which is not JavaScript's \s (\s has U+FEFF and lacks U+0085).
const WHITE_SPACE = '\\t-\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';

/**
 * A character class for code point ranges, usable without the `u` flag (twitter-text's domain pattern is not
 * valid with it): BMP ranges go in a bracket, astral ranges become surrogate-pair alternatives.
 */
function codePointClass(bmp: string, astral: ReadonlyArray<readonly [number, number]>): string {
  const alternatives = [`[${bmp}]`];
  const unit = (n: number) => `\\u${n.toString(16).padStart(4, '0')}`;
  for (const [from, to] of astral) {
    const hi = (cp: number) => 0xd800 + ((cp - 0x10000) >> 10);
    const lo = (cp: number) => 0xdc00 + ((cp - 0x10000) & 0x3ff);
    const [hiFrom, hiTo] = [hi(from), hi(to)];
    if (hiFrom === hiTo) {
      alternatives.push(`${unit(hiFrom)}[${unit(lo(from))}-${unit(lo(to))}]`);
      continue;
    }
    alternatives.push(`${unit(hiFrom)}[${unit(lo(from))}-\\udfff]`);
    if (hiTo - hiFrom > 1) alternatives.push(`[${unit(hiFrom + 1)}-${unit(hiTo - 1)}][\\udc00-\\udfff]`);
    alternatives.push(`${unit(hiTo)}[\\udc00-${unit(lo(to))}]`);
  }
  return `(?:${alternatives.join('|')})`;
}

// Mastodon's UCHARS (twitter_regex.rb): the RFC 3987 ucschar and iprivate ranges.
const UCHARS_BMP = '\\u00a0-\\ud7ff\\uf900-\\ufdcf\\ufdf0-\\uffef\\ue000-\\uf8ff';
const UCHARS_ASTRAL: Array<readonly [number, number]> = [];
for (let plane = 1; plane <= 16; plane++) {
  const start = plane === 14 ? 0xe1000 : plane * 0x10000;
  UCHARS_ASTRAL.push([start, plane * 0x10000 + 0xfffd]);
}

const QUERY_CHAR = codePointClass(`a-z0-9!?*'();:&=+$/%#\\[\\]\\-_.,~|@^${UCHARS_BMP}`, UCHARS_ASTRAL);
const QUERY_ENDING_CHAR = codePointClass(`a-z0-9_&=#/\\-${UCHARS_BMP}`, UCHARS_ASTRAL);
const PATH_CHAR = `[^${WHITE_SPACE}<>()?]`;
const BALANCED_PARENS = `\\((?:${PATH_CHAR}+|(?:${PATH_CHAR}*\\(${PATH_CHAR}+\\)${PATH_CHAR}*))\\)`;
// Mastodon defines the path's last character before it redefines the balanced parentheses, so this one still
// uses twitter-text's original parentheses rule.
const PATH_ENDING = `(?:[^${WHITE_SPACE}()?!*"'「」<>;:=,.$%\\[\\]~&|@]|(?:${regexen.validUrlBalancedParens.source}))`;
const PATH = `(?:(?:${PATH_CHAR}*(?:${BALANCED_PARENS}${PATH_CHAR}*)*${PATH_ENDING})|(?:${PATH_CHAR}+/))`;
const SCHEME = '(?:https?|dat|dweb|ipfs|ipns|ssb|gopher|gemini)://';

/** Groups: 1 preceding character, 2 link, 3 scheme, 4 domain. */
const URL_SOURCE =
  `(${regexen.validUrlPrecedingChars.source})` +
  `((${SCHEME})?(${regexen.validDomain.source})(?::(?:${regexen.validPortNumber.source}))?` +
  `(?:/${PATH}*)?(?:\\?${QUERY_CHAR}*${QUERY_ENDING_CHAR})?)`;

// twitter-text builds its t.co rule before Mastodon changes the query characters, so it keeps the original ones.
const TCO = new RegExp(regexen.validTcoUrl.source, 'i');

const WORD = '\\p{L}\\p{M}\\p{Nd}\\p{Pc}'; // Ruby's [[:word:]] on a UTF-8 string
// USERNAME_RE is case-insensitive (Ruby /i, Unicode case folding, as the `iu` flags below).
const USERNAME = '[a-z0-9_]+(?:[.-]+[a-z0-9_]+)*';
const MENTION_SOURCE = `(?<![=/${WORD}])@((${USERNAME})(?:@[${WORD}]+(?:[.-]+[${WORD}]+)*)?)`;

// matchAll copies a global pattern, so one compiled pattern serves every call.
const URL_PATTERN = new RegExp(URL_SOURCE, 'gi');
const MENTION_PATTERN = new RegExp(MENTION_SOURCE, 'giu');

interface Entity {
  start: number;
  end: number;
  replacement: string;
}

function isValidDomain(urlLength: number, domain: string): boolean {
  const ascii = domainToASCII(domain);
  if (ascii === '') return false;
  return urlLength + Math.max(0, ascii.length - domain.length) <= MAX_URL_LENGTH;
}

/** Links Mastodon shortens to 23 characters: UTF-16 offsets into `text`. */
export function mastodonLinks(text: string): Array<{ start: number; end: number; url: string }> {
  if (!text.includes(':')) return [];
  const links: Array<{ start: number; end: number; url: string }> = [];
  for (const match of text.matchAll(URL_PATTERN)) {
    const [, before = '', url = '', scheme, domain = ''] = match;
    if (scheme === undefined) continue;
    const start = (match.index ?? 0) + before.length;
    let link = url;
    const tco = TCO.exec(link);
    if (tco) {
      if ((tco[1] ?? '').length > MAX_TCO_SLUG_LENGTH) continue;
      link = tco[0];
    }
    if (!isValidDomain(link.length, domain)) continue;
    links.push({ start, end: start + link.length, url: link });
  }
  return links;
}

/** Mentions Mastodon recognises, with the `@user` they count as. */
export function mastodonMentions(text: string): Array<{ start: number; end: number; username: string }> {
  if (!regexen.atSigns.test(text)) return [];
  const mentions: Array<{ start: number; end: number; username: string }> = [];
  for (const match of text.matchAll(MENTION_PATTERN)) {
    const [whole, screenName = '', username = ''] = match;
    const start = match.index ?? 0;
    const end = start + whole.length;
    if (regexen.endMentionMatch.test(text.slice(end, end + 3))) continue;
    const domain = screenName.split('@')[1] ?? '';
    if (domain.length > MAX_MENTION_DOMAIN_LENGTH) continue;
    mentions.push({ start, end, username });
  }
  return mentions;
}

const graphemeSegmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });
const BLANK = /^[\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$/;

/** The text as Mastodon counts it: links as 23 x's, mentions without their domain. */
export function mastodonCountableText(text: string): string {
  if (BLANK.test(text)) return '';
  const entities: Entity[] = [
    ...mastodonLinks(text).map(({ start, end }) => ({ start, end, replacement: 'x'.repeat(MASTODON_URL_PLACEHOLDER_LENGTH) })),
    ...mastodonMentions(text).map(({ start, end, username }) => ({ start, end, replacement: `@${username}` })),
  ].sort((a, b) => a.start - b.start);
  let result = '';
  let cursor = 0;
  for (const entity of entities) {
    if (entity.start < cursor) continue; // overlaps the one before: twitter-text's remove_overlapping_entities
    result += text.slice(cursor, entity.start) + entity.replacement;
    cursor = entity.end;
  }
  return result + text.slice(cursor);
}

export function countForMastodonServer(text: string): number {
  let count = 0;
  for (const _ of graphemeSegmenter.segment(mastodonCountableText(text))) count++;
  return count;
}
