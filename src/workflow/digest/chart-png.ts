import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { initWasm, Resvg } from '@resvg/resvg-wasm';
import { CHART_FONT } from './chart-svg.ts';

/**
 * SVG to PNG with resvg compiled to WebAssembly (@resvg/resvg-wasm): no browser, no native addon, the
 * same pixels on every platform Node runs on. It sees no system fonts; it is given DejaVu Sans from
 * the dejavu-fonts-ttf package, so a server without fonts still draws every label. The WebAssembly
 * module and the font load on first use (a digest a week needs no memory before that).
 */
const require = createRequire(import.meta.url);

let ready: Promise<Uint8Array[]> | undefined;

function load(): Promise<Uint8Array[]> {
  ready ??= (async () => {
    const [wasm, ...fonts] = await Promise.all([
      readFile(require.resolve('@resvg/resvg-wasm/index_bg.wasm')),
      readFile(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf')),
      readFile(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf')),
    ]);
    await initWasm(wasm);
    return fonts.map((font) => new Uint8Array(font));
  })().catch((error: unknown) => {
    ready = undefined;
    throw error;
  });
  return ready;
}

export async function svgToPng(svg: string): Promise<Buffer> {
  const fonts = await load();
  const resvg = new Resvg(svg, {
    font: { fontBuffers: fonts, defaultFontFamily: CHART_FONT, sansSerifFamily: CHART_FONT },
    fitTo: { mode: 'original' },
    background: '#ffffff',
  });
  try {
    const image = resvg.render();
    try {
      return Buffer.from(image.asPng());
    } finally {
      image.free();
    }
  } finally {
    resvg.free();
  }
}
