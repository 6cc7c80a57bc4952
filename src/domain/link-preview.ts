import { createHash } from 'node:crypto';
import { canonicalJson } from './content-hash.ts';

/**
 * A link preview card (issue 16): what a post's first link shows on networks that draw a card from the
 * page's Open Graph / Twitter-card tags. Greenlight reads the page once, after the compose form is
 * answered, stores the card with the post (its image in the media store), shows it on the approval
 * card and publishes exactly that card where the network takes one from the caller (Bluesky, LinkedIn).
 */

/** `pending` until the page was read; `unreadable` = no card (said on the card, never blocks publishing). */
export type LinkPreviewStatus = 'pending' | 'ok' | 'unreadable' | 'disabled';

export interface LinkPreview {
  url: string;
  status: LinkPreviewStatus;
  title: string;
  description: string;
  /** The stored image (media store id) and its sha256, when the page named one that could be read. */
  imageMediaId: string | null;
  imageSha256: string | null;
  /** For `unreadable`: why, in words for the card ("the page did not answer in time"). */
  reason: string | null;
}

/** Card fields are cut to what the networks show: Bluesky has no limit, LinkedIn titles stop at 400. */
export const PREVIEW_TITLE_MAX = 300;
export const PREVIEW_DESCRIPTION_MAX = 1000;

/** The first http(s) link in a text, without trailing punctuation; undefined when there is none. */
export function previewUrlOf(text: string): string | undefined {
  const m = /https?:\/\/[^\s<>"]+/i.exec(text);
  return m ? m[0].replace(/[.,;:!?)\]'"]+$/, '') : undefined;
}

/** What the content hash covers of a preview: a new title, description or image is a change the approver did not see. */
export function previewHashPart(preview: LinkPreview | undefined): { url: string; title: string; description: string; image: string | null } | null {
  if (preview?.status !== 'ok') return null;
  return { url: preview.url, title: preview.title, description: preview.description, image: preview.imageSha256 };
}

/**
 * The content hash with the card: the hash of the texts, media and time (src/domain/content-hash.ts)
 * folded with the card's title, description and image sha. No card: the hash is unchanged.
 */
export function hashWithPreview(baseHash: string, preview: LinkPreview | undefined): string {
  const part = previewHashPart(preview);
  if (!part) return baseHash;
  return createHash('sha256')
    .update(canonicalJson({ base: baseHash, preview: part }), 'utf8')
    .digest('hex');
}
