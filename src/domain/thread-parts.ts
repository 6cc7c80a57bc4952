// A separator is a line holding only `---`, spaces or tabs around it allowed.
const SEPARATOR_LINE = /^[ \t]*---[ \t]*$/;

/** The parts of a thread, in order: split on `---` lines, each part trimmed, empty parts dropped. */
export function splitThreadParts(text: string): string[] {
  const parts: string[] = [];
  let current: string[] = [];
  for (const line of text.split(/\r\n|\r|\n/)) {
    if (SEPARATOR_LINE.test(line)) {
      parts.push(current.join('\n'));
      current = [];
    } else {
      current.push(line);
    }
  }
  parts.push(current.join('\n'));
  return parts.map((part) => part.trim()).filter((part) => part.length > 0);
}
