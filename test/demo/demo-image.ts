import { svgToPng } from '../../src/workflow/digest/chart-png.ts';

/** The picture Ana attaches in the demo, its file name and the alt text she gives it. */
export const DEMO_IMAGE = {
  filename: 'greenlight-1.0.png',
  width: 804,
  height: 380,
  alt: 'Green gradient banner reading "Greenlight 1.0: draft, approve, publish everywhere" in white letters',
} as const;

/**
 * The demo's image: a green gradient with the product name, drawn from SVG by resvg (WebAssembly, with
 * the DejaVu fonts Greenlight ships for its charts), so the bytes are the same on every machine and
 * docs/card.svg, which embeds them, stays the same from run to run.
 */
export function demoImage(): Promise<Buffer> {
  const { width, height } = DEMO_IMAGE;
  return svgToPng(
    [
      `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
      '<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">',
      '<stop offset="0" stop-color="#0b3d20"/><stop offset="0.55" stop-color="#1f7a3a"/><stop offset="1" stop-color="#6fcf6b"/>',
      '</linearGradient></defs>',
      `<rect width="${width}" height="${height}" fill="url(#g)"/>`,
      `<circle cx="${width - 110}" cy="96" r="46" fill="#ffffff" fill-opacity="0.16"/>`,
      `<circle cx="${width - 110}" cy="96" r="22" fill="#b6f5a8"/>`,
      `<text x="56" y="190" font-size="72" font-weight="bold" fill="#ffffff">Greenlight 1.0</text>`,
      `<text x="58" y="248" font-size="30" fill="#e4f7e0">draft, approve, publish everywhere</text>`,
      '</svg>',
    ].join(''),
  );
}
