import { Readable } from 'node:stream';
import sharp, { type Metadata } from 'sharp';
import type { MediaFacts } from '../db/media-store.ts';

/**
 * Image probing and conversion with sharp (libvips): the type from the bytes, the size in pixels as
 * shown (EXIF orientation applied), and whether a GIF or WebP is animated. sharp is well kept, and
 * its prebuilt libvips ships inside its npm packages (@img/sharp-*), so installing needs no download.
 */

// libvips' operation cache keeps recent images in memory; Greenlight never processes one twice.
sharp.cache(false);

/** Formats Greenlight takes in; anything else (SVG, PDF, a renamed document) is refused at intake. */
const TAKEN: Record<string, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  tiff: 'image/tiff',
};

/** The largest GIF read whole to count its frames when its first frame fills the probe's head. */
const GIF_FULL_READ_MAX = 32 * 1024 * 1024;

/** A file that is not an image Greenlight can take; `message` is said to the author as it is. */
export class ImageProbeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImageProbeError';
  }
}

/**
 * Probes a stored file from its first bytes (`head`): the headers of JPEG, PNG and WebP are there,
 * and so are a GIF's first frames. A GIF that shows one frame in the head but goes on past it is
 * read whole (from `read`, up to 32 MiB) to tell a still GIF from an animated one.
 */
export async function probeImage(filename: string, head: Buffer, bytes: number, read?: () => AsyncIterable<Buffer>): Promise<MediaFacts> {
  const first = await metadata(filename, head);
  const contentType = contentTypeOf(first);
  if (!contentType) {
    throw new ImageProbeError(`${filename} is not an image Greenlight can take (JPEG, PNG, GIF or WebP).`);
  }
  let meta = first;
  if (first.format === 'gif' && (first.pages ?? 1) < 2 && bytes > head.length && read && bytes <= GIF_FULL_READ_MAX) {
    const parts: Buffer[] = [];
    for await (const part of read()) parts.push(part);
    meta = await metadata(filename, Buffer.concat(parts));
  }
  const pages = meta.pages ?? 1;
  const oriented = meta.autoOrient ?? { width: meta.width, height: meta.height };
  // An animated image's metadata height is all its frames stacked; one frame is pageHeight tall.
  const frameHeight = pages > 1 && meta.pageHeight ? meta.pageHeight : oriented.height;
  return {
    contentType,
    width: oriented.width ?? null,
    height: frameHeight ?? null,
    animated: pages > 1 && (meta.format === 'gif' || meta.format === 'webp'),
  };
}

async function metadata(filename: string, input: Buffer): Promise<Metadata> {
  try {
    // failOn 'none': a head is a truncated file by design; the header is all that is read here.
    return await sharp(input, { animated: true, failOn: 'none' }).metadata();
  } catch {
    throw new ImageProbeError(`${filename} is not an image Greenlight can read (JPEG, PNG, GIF or WebP).`);
  }
}

function contentTypeOf(meta: Metadata): string | undefined {
  return meta.format ? TAKEN[meta.format] : undefined;
}

/**
 * PNG, WebP or a still GIF to JPEG, faithfully, for a network that takes only JPEG (Instagram):
 * same pixels and size, EXIF orientation applied, colour profile kept, transparency laid on white
 * (JPEG has none), quality 92 without chroma subsampling so text and edges stay sharp. The output
 * streams; sharp holds the encoded input while it decodes.
 */
export function convertToJpeg(source: AsyncIterable<Buffer>): Readable {
  const transformer = sharp({ failOn: 'none' })
    .autoOrient()
    .flatten({ background: '#ffffff' })
    .keepIccProfile()
    .jpeg({ quality: 92, chromaSubsampling: '4:4:4' });
  const input = Readable.from(source);
  input.once('error', (error) => transformer.destroy(error));
  input.pipe(transformer);
  return transformer;
}
