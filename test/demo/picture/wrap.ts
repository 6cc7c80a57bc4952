import type { Span } from './mrkdwn.ts';

/**
 * Text widths without a browser: advance widths of DejaVu Sans (the widest of the fonts the picture
 * names, and the one it is checked with), in ems, rounded up. Wrapping with them leaves every line
 * inside its column whichever of the named fonts draws it.
 */
const EM: [RegExp, number][] = [
  [/[ .,:;|'!iljI]/, 0.34],
  [/[ft()[\]/\-·“”"]/, 0.42],
  [/[r]/, 0.45],
  [/[mMW@…%]/, 1.0],
  [/[wGOQDHNU]/, 0.8],
  [/[A-Z]/, 0.7],
  [/[sczkvxy]/, 0.6],
  [/[✔✘●]/, 0.9],
];

export function textWidth(text: string, size: number, bold = false): number {
  let ems = 0;
  for (const c of text) ems += EM.find(([pattern]) => pattern.test(c))?.[1] ?? 0.64;
  return ems * size * (bold ? 1.12 : 1);
}

export function spanWidth(span: Span, size: number): number {
  return textWidth(span.text, size, span.bold);
}

/**
 * Greedy wrapping of one line of styled runs into rows no wider than `width`: breaks at spaces, and
 * inside a word (a long URL) only when the word alone is wider than a row.
 */
export function wrapSpans(spans: Span[], width: number, size: number): Span[][] {
  const rows: Span[][] = [[]];
  let used = 0;
  for (const word of words(spans)) {
    const w = spanWidth(word, size);
    const row = rows[rows.length - 1]!;
    const space = /^\s+$/.test(word.text);
    if (space && row.length === 0) continue; // a row never starts with a space
    if (used + w <= width) {
      push(row, word);
      used += w;
    } else if (space) {
      continue; // nor ends with one it has no room for
    } else if (w <= width) {
      rows.push([word]);
      used = w;
    } else {
      if (row.length > 0) rows.push([]); // as a browser does: a new row first, then cut if still too long
      used = breakWord(rows, word, width, size, 0);
    }
  }
  for (const row of rows) if (row.length > 0) row[row.length - 1]!.text = row[row.length - 1]!.text.trimEnd();
  return rows;
}

/** A word wider than a row, cut by characters; returns the width used on the last row. */
function breakWord(rows: Span[][], word: Span, width: number, size: number, used: number): number {
  let piece = '';
  for (const c of word.text) {
    if (used + spanWidth({ ...word, text: piece + c }, size) > width && (piece !== '' || used > 0)) {
      if (piece !== '') push(rows[rows.length - 1]!, { ...word, text: piece });
      rows.push([]);
      used = 0;
      piece = '';
    }
    piece += c;
  }
  push(rows[rows.length - 1]!, { ...word, text: piece });
  return used + spanWidth({ ...word, text: piece }, size);
}

/** Words and the spaces between them, each keeping its run's style. */
function words(spans: Span[]): Span[] {
  return spans.flatMap((s) => s.text.split(/(\s+)/).filter((t) => t !== '').map((text) => ({ ...s, text })));
}

/** Adds a piece to a row, joining it with the previous one when both have the same style. */
function push(row: Span[], piece: Span): void {
  const prev = row[row.length - 1];
  if (prev && prev.bold === piece.bold && prev.italic === piece.italic && prev.link === piece.link && prev.color === piece.color) prev.text += piece.text;
  else row.push({ ...piece });
}
