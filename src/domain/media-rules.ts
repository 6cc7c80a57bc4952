// Which images each network takes (issue 14), as pure rules: a post's files are checked in the form,
// per network, and every refusal names the network and the file in words a marketer understands
// ("Bluesky takes images up to 2 MB; team-photo.png is 3.4 MB").
//
// Facts come from each network's own documentation, linked beside its rules below. Where the network
// publishes no figure (Facebook photos, LinkedIn images), the figure is from a secondary source and the
// comment says so: change it when the network's own page is read.
import { NETWORK_LABELS, type Network } from './networks.ts';
import type { PostState } from './post-state.ts';
import type { VideoFacts } from './video-facts.ts';

/** Posts whose files the signed media URL serves: a network pulls them while publishing (Instagram, Threads, Facebook). */
export const MEDIA_SERVED_POST_STATES = ['approved', 'scheduled', 'publishing'] as const satisfies readonly PostState[];
/** Posts that will never publish again: their files are removed after MEDIA_RETENTION_DAYS. */
export const MEDIA_DONE_POST_STATES = ['published', 'canceled', 'rejected'] as const satisfies readonly PostState[];

/** One file as probed (src/media/image-probe.ts) and stored. */
export interface MediaFile {
  filename: string;
  /** From the bytes: image/jpeg, image/png, image/gif, image/webp, … */
  contentType: string;
  bytes: number;
  width: number | null;
  height: number | null;
  /** A GIF (or WebP) of more than one frame. */
  animated: boolean;
  alt?: string | null;
  /** A video's facts (src/domain/video-facts.ts); absent or null for images. */
  video?: VideoFacts | null;
}

export interface ImageRules {
  network: Network;
  /** Most files in one post. */
  maxImages: number;
  /** Content types taken as they are. */
  types: readonly string[];
  /** Content types Greenlight converts to JPEG for this network (still images only). */
  convertToJpeg: readonly string[];
  /** Largest still image, in bytes, and how it is said. */
  maxBytes: number;
  maxBytesText: string;
  /** Animated GIFs: refused, or taken up to a size and perhaps only alone in a post. */
  animatedGif: { maxBytes: number; maxBytesText: string; alone: boolean } | 'refused' | 'still';
  /** Width / height, inclusive, and how it is said. */
  aspect?: { min: number; max: number; text: string };
  /** Most pixels (width × height). */
  maxPixels?: number;
  /** Longest alt text in characters (undefined: no documented limit, or no alt text at all). */
  maxAltChars?: number;
  /** A post needs at least one image (Instagram has no text-only posts). */
  requiresMedia: boolean;
}

const MIB = 1024 * 1024;
const STILL = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'] as const;

/**
 * The documented defaults. Mastodon's are the instance's own (GET /api/v2/instance,
 * configuration.media_attachments and statuses.max_media_attachments): pass them as overrides when known.
 */
export const IMAGE_RULES: Record<Exclude<Network, 'webhook'>, ImageRules> = {
  // https://docs.x.com/x-api/media/introduction: images jpg/png/gif/webp <= 5 MB, animated GIF <= 15 MB;
  // up to 4 photos or 1 GIF; alt text (media metadata) <= 1000 characters.
  x: {
    network: 'x',
    maxImages: 4,
    types: STILL,
    convertToJpeg: [],
    maxBytes: 5 * MIB,
    maxBytesText: '5 MB',
    animatedGif: { maxBytes: 15 * MIB, maxBytesText: '15 MB', alone: true },
    maxAltChars: 1000,
    requiresMedia: false,
  },
  // The app.bsky.embed.images lexicon (github.com/bluesky-social/atproto, lexicons/app/bsky/embed/images.json):
  // up to 4 images, each blob <= 2,000,000 bytes, `alt` required (may be empty);
  // the embed records each image's aspectRatio (blueskyAspectRatio below). Bluesky shows a GIF's first frame.
  bluesky: {
    network: 'bluesky',
    maxImages: 4,
    types: STILL,
    convertToJpeg: [],
    maxBytes: 2_000_000,
    maxBytesText: '2 MB',
    animatedGif: 'still',
    requiresMedia: false,
  },
  // https://docs.joinmastodon.org/methods/instance/ (configuration.media_attachments): the instance
  // decides. Defaults: 4 attachments,
  // image_size_limit 16 MiB and image_matrix_limit 33,177,600 pixels (what mastodon.social reports for
  // Mastodon 4), description_limit 1500 (the documentation's example). Older instances: 8-10 MB.
  mastodon: {
    network: 'mastodon',
    maxImages: 4,
    types: STILL,
    convertToJpeg: [],
    maxBytes: 16 * MIB,
    maxBytesText: '16 MB',
    animatedGif: { maxBytes: 16 * MIB, maxBytesText: '16 MB', alone: false },
    maxPixels: 33_177_600,
    maxAltChars: 1500,
    requiresMedia: false,
  },
  // https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media:
  // image_url JPEG only, <= 8 MiB, carousel up to 10, media required, alt_text <= 1000. Aspect 4:5 to
  // 1.91:1 (https://developers.facebook.com/docs/instagram-platform/content-publishing).
  instagram: {
    network: 'instagram',
    maxImages: 10,
    types: ['image/jpeg'],
    convertToJpeg: ['image/png', 'image/webp', 'image/gif'],
    maxBytes: 8 * MIB,
    maxBytesText: '8 MB',
    animatedGif: 'refused',
    aspect: { min: 4 / 5, max: 1.91, text: 'from 4:5 (portrait) to 1.91:1 (landscape)' },
    maxAltChars: 1000,
    requiresMedia: true,
  },
  // https://developers.facebook.com/docs/threads/posts: images JPEG/PNG <= 8 MB; carousel 2-20 items
  // (one image is a plain image post).
  threads: {
    network: 'threads',
    maxImages: 20,
    types: ['image/jpeg', 'image/png'],
    convertToJpeg: ['image/webp'],
    maxBytes: 8 * MIB,
    maxBytesText: '8 MB',
    animatedGif: 'refused',
    requiresMedia: false,
  },
  // Meta's Pages API documents only "photos via /{page-id}/photos", no figures: 10 images of up to 10 MB, JPEG/PNG/GIF/WebP,
  // from a secondary media guide; check developers.facebook.com before relying on it.
  facebook: {
    network: 'facebook',
    maxImages: 10,
    types: STILL,
    convertToJpeg: [],
    maxBytes: 10 * MIB,
    maxBytesText: '10 MB',
    animatedGif: { maxBytes: 10 * MIB, maxBytesText: '10 MB', alone: false },
    requiresMedia: false,
  },
  // LinkedIn's Images API documents the upload, not these figures: JPG/PNG/GIF, fewer than 36,152,320 pixels, up to 20
  // images (multiImage), and 5 MB, the lower of two secondary guides' figures (5 and 8 MB).
  linkedin: {
    network: 'linkedin',
    maxImages: 20,
    types: ['image/jpeg', 'image/png', 'image/gif'],
    convertToJpeg: ['image/webp'],
    maxBytes: 5 * MIB,
    maxBytesText: '5 MB',
    animatedGif: { maxBytes: 5 * MIB, maxBytesText: '5 MB', alone: false },
    maxPixels: 36_152_319,
    requiresMedia: false,
  },
};

/** What an instance (Mastodon) or a setting says instead of the documented default. */
export interface ImageRuleOverrides {
  maxImages?: number;
  maxBytes?: number;
  maxPixels?: number;
  types?: readonly string[];
  maxAltChars?: number;
}

/** The rules for one network, with an instance's own limits applied; undefined where no images go (webhooks). */
export function imageRulesFor(network: Network, overrides: ImageRuleOverrides = {}): ImageRules | undefined {
  if (network === 'webhook') return undefined;
  const base = IMAGE_RULES[network];
  const maxBytes = overrides.maxBytes ?? base.maxBytes;
  return {
    ...base,
    maxImages: overrides.maxImages ?? base.maxImages,
    maxBytes,
    maxBytesText: overrides.maxBytes === undefined ? base.maxBytesText : megabytes(maxBytes, 'down'),
    animatedGif:
      typeof base.animatedGif === 'object' && overrides.maxBytes !== undefined
        ? { ...base.animatedGif, maxBytes, maxBytesText: megabytes(maxBytes, 'down') }
        : base.animatedGif,
    maxPixels: overrides.maxPixels ?? base.maxPixels,
    types: overrides.types ?? base.types,
    maxAltChars: overrides.maxAltChars ?? base.maxAltChars,
  };
}

export type MediaProblemCode =
  | 'too_many'
  | 'required'
  | 'type'
  | 'too_large'
  | 'gif_alone'
  | 'gif_refused'
  | 'aspect'
  | 'too_many_pixels'
  | 'alt_too_long'
  | 'unknown_size'
  // Videos (src/domain/video-rules.ts).
  | 'too_many_videos'
  | 'video_alone'
  | 'video_container'
  | 'video_codec'
  | 'video_audio'
  | 'video_pixel_format'
  | 'video_too_large'
  | 'video_duration'
  | 'video_frame_rate'
  | 'video_size';

export interface MediaProblem {
  network: Network;
  /** The file the problem is about; absent for the post as a whole (too many files). */
  filename?: string;
  code: MediaProblemCode;
  message: string;
}

export interface MediaPlan {
  problems: MediaProblem[];
  /** Files Greenlight converts to JPEG before this network gets them (checked again after converting). */
  convertToJpeg: string[];
}

/**
 * Checks a post's files against one network's rules. A file that Greenlight converts (PNG for
 * Instagram) is not a problem here: it is listed in `convertToJpeg`, and the converted file is
 * checked again (its size is known only then).
 */
export function checkImagesFor(network: Network, files: readonly MediaFile[], overrides: ImageRuleOverrides = {}): MediaPlan {
  const rules = imageRulesFor(network, overrides);
  const plan: MediaPlan = { problems: [], convertToJpeg: [] };
  if (!rules) return plan;
  const name = NETWORK_LABELS[network];
  const problem = (code: MediaProblemCode, message: string, filename?: string) =>
    plan.problems.push({ network, code, message, ...(filename === undefined ? {} : { filename }) });

  if (files.length === 0) {
    if (rules.requiresMedia) problem('required', `${name} needs at least one image: it has no text-only posts.`);
    return plan;
  }
  if (files.length > rules.maxImages) {
    problem('too_many', `${name} takes up to ${rules.maxImages} ${rules.maxImages === 1 ? 'image' : 'images'} in a post; this post has ${files.length}.`);
  }
  for (const file of files) {
    const gif = file.animated && file.contentType === 'image/gif';
    if (gif && rules.animatedGif === 'refused') {
      problem('gif_refused', `${name} takes no animated GIFs; ${file.filename} is one. Use a still image or a video.`, file.filename);
      continue;
    }
    if (gif && typeof rules.animatedGif === 'object') {
      if (rules.animatedGif.alone && files.length > 1) {
        problem(
          'gif_alone',
          `${name} takes an animated GIF only on its own; ${file.filename} is in a post with ${files.length - 1} other ${files.length === 2 ? 'file' : 'files'}.`,
          file.filename,
        );
      }
      if (file.bytes > rules.animatedGif.maxBytes) {
        problem(
          'too_large',
          `${name} takes animated GIFs up to ${rules.animatedGif.maxBytesText}; ${file.filename} is ${megabytes(file.bytes)}.`,
          file.filename,
        );
      }
    } else if (rules.types.includes(file.contentType)) {
      if (file.bytes > rules.maxBytes) {
        problem('too_large', `${name} takes images up to ${rules.maxBytesText}; ${file.filename} is ${megabytes(file.bytes)}.`, file.filename);
      }
    } else if (rules.convertToJpeg.includes(file.contentType)) {
      plan.convertToJpeg.push(file.filename);
    } else {
      problem('type', `${name} takes ${typeList(rules.types)} images; ${file.filename} is ${describeType(file.contentType)}.`, file.filename);
      continue;
    }
    checkShape(rules, name, file, problem);
    const alt = file.alt ?? '';
    if (rules.maxAltChars !== undefined && [...alt].length > rules.maxAltChars) {
      problem(
        'alt_too_long',
        `${name} takes alt text up to ${rules.maxAltChars.toLocaleString('en-US')} characters; the alt text of ${file.filename} has ${[...alt].length.toLocaleString('en-US')}.`,
        file.filename,
      );
    }
  }
  return plan;
}

function checkShape(rules: ImageRules, name: string, file: MediaFile, problem: (code: MediaProblemCode, message: string, filename?: string) => void): void {
  if (!rules.aspect && rules.maxPixels === undefined) return;
  if (!file.width || !file.height) {
    problem('unknown_size', `${name} needs to know the size of ${file.filename} in pixels, and Greenlight could not read it.`, file.filename);
    return;
  }
  const size = `${file.width} × ${file.height} pixels`;
  if (rules.aspect) {
    const ratio = file.width / file.height;
    // A thousandth of slack: 1080 × 1350 is exactly 4:5 and must not fail on a rounding.
    if (ratio < rules.aspect.min - 0.001 || ratio > rules.aspect.max + 0.001) {
      problem('aspect', `${name} takes images ${rules.aspect.text}; ${file.filename} is ${size} (${aspectText(ratio)}). Crop it to fit.`, file.filename);
    }
  }
  if (rules.maxPixels !== undefined && file.width * file.height > rules.maxPixels) {
    problem(
      'too_many_pixels',
      `${name} takes images up to ${megapixels(rules.maxPixels)} megapixels; ${file.filename} is ${size} (${megapixels(file.width * file.height)} megapixels).`,
      file.filename,
    );
  }
}

/** Bluesky's `aspectRatio` for the images embed (lexicon app.bsky.embed.defs#aspectRatio): integers of at least 1. */
export function blueskyAspectRatio(file: Pick<MediaFile, 'width' | 'height'>): { width: number; height: number } | undefined {
  if (!file.width || !file.height || file.width < 1 || file.height < 1) return undefined;
  return { width: Math.round(file.width), height: Math.round(file.height) };
}

/**
 * "3.4 MB": decimal megabytes with one decimal. A file's size rounds up, so a file over a limit
 * never reads as equal to it; a limit rounds down.
 */
export function megabytes(bytes: number, rounding: 'up' | 'down' = 'up'): string {
  const tenths = rounding === 'up' ? Math.ceil(bytes / 100_000) : Math.floor(bytes / 100_000);
  return tenths % 10 === 0 ? `${tenths / 10} MB` : `${(tenths / 10).toFixed(1)} MB`;
}

function megapixels(pixels: number): string {
  return (Math.floor(pixels / 100_000) / 10).toString();
}

function aspectText(ratio: number): string {
  return `${Number(ratio.toFixed(2))}:1`;
}

const TYPE_WORDS: Record<string, string> = {
  'image/jpeg': 'JPEG',
  'image/png': 'PNG',
  'image/gif': 'GIF',
  'image/webp': 'WebP',
  'image/avif': 'AVIF',
  'image/heif': 'HEIC',
  'image/heic': 'HEIC',
  'image/tiff': 'TIFF',
  'image/svg+xml': 'SVG',
  'application/pdf': 'PDF',
};

function typeList(types: readonly string[]): string {
  const words = types.map((t) => TYPE_WORDS[t] ?? t);
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;
}

function describeType(contentType: string): string {
  const word = TYPE_WORDS[contentType];
  if (word) return `${['AVIF', 'SVG'].includes(word) ? 'an' : 'a'} ${word} file`;
  return contentType === 'application/octet-stream' ? 'not an image Greenlight can read' : `a file of type ${contentType}`;
}
