import sharp from 'sharp';

/** Deterministic noise: it does not compress, so an image of N pixels is about 3-4 N bytes. */
export function noise(width: number, height: number, channels: 3 | 4, seed = 1): Buffer {
  const bytes = Buffer.alloc(width * height * channels);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < bytes.length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    bytes[i] = x & 0xff;
  }
  return bytes;
}

export async function pngOf(width: number, height: number, seed = 1): Promise<Buffer> {
  return sharp(noise(width, height, 3, seed), { raw: { width, height, channels: 3 } })
    .png({ compressionLevel: 1 })
    .toBuffer();
}

/** A PNG of about `bytes` bytes (noise, square-ish). */
export async function pngOfSize(bytes: number, seed = 1): Promise<Buffer> {
  const side = Math.ceil(Math.sqrt(bytes / 3));
  return pngOf(side, side, seed);
}

export async function jpegOf(width: number, height: number, seed = 1): Promise<Buffer> {
  return sharp(noise(width, height, 3, seed), { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 90 })
    .toBuffer();
}

/** An animated GIF of `frames` frames of `width` × `height`. */
export async function animatedGif(width: number, height: number, frames: number): Promise<Buffer> {
  return sharp(noise(width, height * frames, 4), { raw: { width, height: height * frames, channels: 4, pageHeight: height } })
    .gif({ loop: 0, effort: 1, dither: 0, reuse: true })
    .toBuffer();
}

/** Yields `data` in pieces of `size` bytes, as a socket or a download would. */
export async function* inPieces(data: Buffer, size = 64 * 1024): AsyncGenerator<Buffer> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}
