import { svgToPng } from '../../../src/workflow/digest/chart-png.ts';

/**
 * Checks on a drawn picture, for the tests and for the demo before it writes one: the SVG parses
 * (resvg's XML parser is strict and refuses malformed markup) and shows each expected text.
 */
export async function pictureProblems(svg: string, expected: string[]): Promise<string[]> {
  try {
    await svgToPng(svg);
  } catch (error) {
    return [`the SVG does not parse: ${error instanceof Error ? error.message : String(error)}`];
  }
  const shown = squash(pictureText(svg));
  return expected.filter((t) => !shown.includes(squash(t))).map((t) => `not in the picture: ${t}`);
}

/** Every text the picture draws, in drawing order, as a reader would read it aloud. */
export function pictureText(svg: string): string {
  return [...svg.matchAll(/<text\b[^>]*>([\s\S]*?)<\/text>/g)].map((m) => unxml(m[1]!.replace(/<[^>]+>/g, ''))).join(' ');
}

/** Rows wrap at spaces or, in a long URL, anywhere: compare without whitespace. */
function squash(text: string): string {
  return text.replace(/\s+/g, '');
}

function unxml(text: string): string {
  return text.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&quot;', '"').replaceAll('&apos;', "'").replaceAll('&amp;', '&');
}
