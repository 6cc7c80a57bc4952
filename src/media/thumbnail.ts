import sharp from 'sharp';

/**
 * A link card's image as every network takes it: a JPEG at most THUMB_MAX_SIDE wide or high (never
 * enlarged), so it fits Bluesky's 1,000,000-byte thumbnail limit and LinkedIn's Images API alike.
 * Throws when the bytes are not an image sharp can read (an SVG, an HTML error page).
 */
export const THUMB_MAX_SIDE = 1200;

export async function linkCardThumbnail(bytes: Buffer): Promise<Buffer> {
  return sharp(bytes, { failOn: 'none', limitInputPixels: 50_000_000, animated: false })
    .autoOrient()
    .resize({ width: THUMB_MAX_SIDE, height: THUMB_MAX_SIDE, fit: 'inside', withoutEnlargement: true })
    .flatten({ background: '#ffffff' })
    .jpeg({ quality: 82 })
    .toBuffer();
}
