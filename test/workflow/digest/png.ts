import { inflateSync } from 'node:zlib';

/** What a test needs to know of a PNG: that it is one, its size, and the colour of a pixel. */
export interface DecodedPng {
  width: number;
  height: number;
  colorType: number;
  /** `#rrggbb` of the pixel at (x, y). */
  pixel(x: number, y: number): string;
}

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The signature and IHDR, read by hand (the first chunk must be IHDR: 13 bytes, width and height big-endian). */
export function pngHeader(png: Buffer): { width: number; height: number; bitDepth: number; colorType: number } {
  if (!png.subarray(0, 8).equals(PNG_SIGNATURE)) throw new Error('not a PNG: wrong signature');
  if (png.readUInt32BE(8) !== 13 || png.toString('latin1', 12, 16) !== 'IHDR') throw new Error('not a PNG: no IHDR first');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20), bitDepth: png[24]!, colorType: png[25]! };
}

/** Decodes an 8-bit, non-interlaced RGB or RGBA PNG (what the chart renderer writes). */
export function decodePng(png: Buffer): DecodedPng {
  const { width, height, bitDepth, colorType } = pngHeader(png);
  if (bitDepth !== 8 || (colorType !== 2 && colorType !== 6) || png[28] !== 0) throw new Error(`unsupported PNG: depth ${bitDepth}, colour type ${colorType}`);
  const channels = colorType === 6 ? 4 : 3;
  const raw = inflateSync(Buffer.concat(idatChunks(png)));
  const stride = width * channels;
  const out = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) unfilter(raw, out, y, stride, channels);
  return {
    width,
    height,
    colorType,
    pixel: (x, y) => `#${[0, 1, 2].map((c) => out[y * stride + x * channels + c]!.toString(16).padStart(2, '0')).join('')}`,
  };
}

function idatChunks(png: Buffer): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 8; at < png.length; ) {
    const length = png.readUInt32BE(at);
    if (png.toString('latin1', at + 4, at + 8) === 'IDAT') chunks.push(png.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  return chunks;
}

function unfilter(raw: Buffer, out: Buffer, y: number, stride: number, bpp: number): void {
  const filter = raw[y * (stride + 1)]!;
  const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
  for (let i = 0; i < stride; i++) {
    const a = i >= bpp ? out[y * stride + i - bpp]! : 0;
    const b = y > 0 ? out[(y - 1) * stride + i]! : 0;
    const c = i >= bpp && y > 0 ? out[(y - 1) * stride + i - bpp]! : 0;
    const predicted = [0, a, b, (a + b) >> 1, paeth(a, b, c)][filter]!;
    out[y * stride + i] = (line[i]! + predicted) & 0xff;
  }
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}
