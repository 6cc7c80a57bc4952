import { svgToPng } from '../../../src/workflow/digest/chart-png.ts';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * Checks on a drawn picture, for the tests and for the demo before it writes one: the SVG parses
 * (resvg's XML parser is strict and refuses malformed markup), shows each expected text, and every
 * image it draws is a PNG embedded in it (a link to anything outside would break in the README, and
 * change from run to run); with `images`, it draws exactly that many.
 */
export async function pictureProblems(svg: string, expected: string[], options: { images?: number } = {}): Promise<string[]> {
  try {
    await svgToPng(svg);
  } catch (error) {
    return [`the SVG does not parse: ${error instanceof Error ? error.message : String(error)}`];
  }
  const shown = squash(pictureText(svg));
  const problems = expected.filter((t) => !shown.includes(squash(t))).map((t) => `not in the picture: ${t}`);
  const images = pictureImages(svg);
  images.forEach((image, i) => {
    if (image === undefined) problems.push(`image ${i + 1} is not a PNG embedded in the picture`);
  });
  if (options.images !== undefined && images.length !== options.images)
    problems.push(`the picture draws ${images.length} image${images.length === 1 ? '' : 's'}, not ${options.images}`);
  return problems;
}

/** Every text the picture draws, in drawing order, as a reader would read it aloud. */
export function pictureText(svg: string): string {
  return [...svg.matchAll(/<text\b[^>]*>([\s\S]*?)<\/text>/g)].map((m) => unxml(m[1]!.replace(/<[^>]+>/g, ''))).join(' ');
}

/** Every image the picture draws: its size as its PNG header gives it, or undefined when it is not an embedded PNG. */
export function pictureImages(svg: string): ({ width: number; height: number } | undefined)[] {
  return [...svg.matchAll(/<image\b[^>]*>/g)].map((m) => {
    const href = /\s(?:xlink:)?href="data:image\/png;base64,([A-Za-z0-9+/=]+)"/.exec(m[0])?.[1];
    const png = href === undefined ? undefined : Buffer.from(href, 'base64');
    if (!png || png.length < 24 || !png.subarray(0, 8).equals(PNG_SIGNATURE) || png.toString('latin1', 12, 16) !== 'IHDR') return undefined;
    return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
  });
}

/** Rows wrap at spaces or, in a long URL, anywhere: compare without whitespace. */
function squash(text: string): string {
  return text.replace(/\s+/g, '');
}

function unxml(text: string): string {
  return text.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&quot;', '"').replaceAll('&apos;', "'").replaceAll('&amp;', '&');
}
