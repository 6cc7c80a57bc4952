/**
 * LinkedIn "little" text format for Posts API commentary. The characters `\ | { } @ [ ] ( ) < > # * _ ~`
 * are reserved: unescaped, LinkedIn silently truncates the post at the first one. Hashtags are written as
 * the template `{hashtag|\#|word}` so they stay hashtags; everything else reserved is backslash-escaped.
 */

const RESERVED = /[\\|{}@[\]()<>#*_~]/g;
const HASHTAG = /(^|[^\p{L}\p{N}_&])#([\p{L}\p{N}_]+)/gu;

function escapeReserved(text: string): string {
  return text.replace(RESERVED, (c) => `\\${c}`);
}

/** Plain text as written by the author → commentary LinkedIn shows exactly as written. */
export function toLittleText(text: string): string {
  let out = '';
  let last = 0;
  for (const m of text.matchAll(HASHTAG)) {
    const start = m.index + m[1]!.length;
    out += escapeReserved(text.slice(last, start)) + `{hashtag|\\#|${m[2]}}`;
    last = start + 1 + m[2]!.length;
  }
  return out + escapeReserved(text.slice(last));
}

/** Commentary as LinkedIn returns it → the plain text shown (hashtag and mention templates become #tag, @Name). */
export function fromLittleText(commentary: string): string {
  return commentary
    .replace(/\{hashtag\|\\?#\|([^}]*)\}/g, '#$1')
    .replace(/@\[([^\]]*)\]\(urn:li:[^)]*\)/g, '@$1')
    .replace(/\\([\\|{}@[\]()<>#*_~])/g, '$1');
}
