import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { convertToJpeg, ImageProbeError, probeImage } from '../../src/media/image-probe.ts';
import { inPieces, jpegOf, noise, pngOf } from '../helpers/images.ts';

async function collect(source: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of source) parts.push(part);
  return Buffer.concat(parts);
}

describe('probeImage', () => {
  it('reads the type from the bytes, not the name', async () => {
    const jpeg = await jpegOf(320, 200);
    expect(await probeImage('photo.png', jpeg, jpeg.length)).toEqual({ contentType: 'image/jpeg', width: 320, height: 200, animated: false });
  });

  it('gives the size as shown, EXIF orientation applied', async () => {
    const rotated = await sharp(noise(400, 100, 3), { raw: { width: 400, height: 100, channels: 3 } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    expect(await probeImage('phone.jpg', rotated, rotated.length)).toMatchObject({ width: 100, height: 400 });
  });

  it('refuses an SVG and a text file in words the author understands', async () => {
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>');
    await expect(probeImage('logo.svg', svg, svg.length)).rejects.toThrow(
      new ImageProbeError('logo.svg is not an image Greenlight can take (JPEG, PNG, GIF or WebP).'),
    );
    const text = Buffer.from('hello');
    await expect(probeImage('notes.png', text, text.length)).rejects.toThrow('notes.png is not an image Greenlight can read (JPEG, PNG, GIF or WebP).');
  });
});

describe('convertToJpeg', () => {
  it('turns a PNG into a JPEG of the same size and (nearly) the same pixels', async () => {
    // A smooth gradient, as photos are: JPEG at quality 92 without subsampling stays within a few levels.
    const width = 640;
    const height = 480;
    const raw = Buffer.alloc(width * height * 3);
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) raw.set([x % 256, y % 256, (x + y) % 256], (y * width + x) * 3);
    const png = await sharp(raw, { raw: { width, height, channels: 3 } })
      .png()
      .toBuffer();
    const jpeg = await collect(convertToJpeg(inPieces(png, 10_000)));
    const meta = await sharp(jpeg).metadata();
    expect(meta).toMatchObject({ format: 'jpeg', width, height });
    const decoded = await sharp(jpeg).raw().toBuffer();
    let total = 0;
    for (let i = 0; i < raw.length; i++) total += Math.abs(raw[i]! - decoded[i]!);
    expect(total / raw.length).toBeLessThan(2);
  });

  it('lays transparency on white', async () => {
    const clear = await sharp({ create: { width: 8, height: 8, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
      .png()
      .toBuffer();
    const jpeg = await collect(convertToJpeg(inPieces(clear)));
    const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
    expect(info.channels).toBe(3);
    expect(Math.min(...data)).toBeGreaterThanOrEqual(250);
  });

  it('fails, not hangs, when its source fails', async () => {
    const png = await pngOf(100, 100);
    async function* broken() {
      yield png.subarray(0, 100);
      throw new Error('store read failed');
    }
    await expect(collect(convertToJpeg(broken()))).rejects.toThrow('store read failed');
  });
});
