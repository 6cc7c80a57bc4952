import { signMediaUrl } from '../../crypto/media-url.ts';
import { readMedia, type MediaRow } from '../../db/media-store.ts';
import { checkImagesFor, imageRulesFor } from '../../domain/media-rules.ts';
import { NETWORK_LABELS, type Network } from '../../domain/networks.ts';
import { NetworkError, type MediaItem } from '../../networks/adapter.ts';
import type { WorkflowDeps } from '../deps.ts';
import { mediaLimits } from '../media-copy.ts';
import { jpegFor, mediaFileOf } from '../media-intake.ts';
import type { DeliveryContext } from './load-delivery.ts';

/**
 * Networks that fetch a post's images from a URL (Greenlight's signed `/media/<id>` link) instead of
 * taking an upload; the webhook network hands the link on to its receiver.
 */
const PULLS_MEDIA: ReadonlySet<Network> = new Set(['instagram', 'threads', 'facebook', 'webhook']);

/** When the workflow is given no media settings (tests, tools): no quota for a converted copy beyond the store's own. */
/**
 * The images one delivery publishes: the post's stored files first (in order), then any typed links.
 * A stored file gets a signed URL valid for an hour from this attempt (signed here, at publish time, so
 * a post scheduled for next week still gets a fresh one) and a reader that streams it from the store.
 * A file the network takes only as JPEG (a PNG for Instagram) is replaced by its converted copy, made
 * once and kept beside it. The per-network rules are checked again: a refusal is permanent and says
 * what is wrong in the form's words; a store or conversion failure is transient (the attempt is retried).
 */
export async function mediaItemsFor(deps: WorkflowDeps, context: DeliveryContext, now: Date): Promise<MediaItem[]> {
  const network = context.delivery.network;
  const links: MediaItem[] = context.content.media.map((m) => (m.alt ? { url: m.url, alt: m.alt } : { url: m.url }));
  // A video goes as PublishRequest.video (publish-video.ts); these are the images.
  const files = context.content.files.filter((f) => !f.video);
  if (files.length === 0) return links;
  const refuse = (message: string) => new NetworkError({ network, errorClass: 'permanent', message, networkMessage: message, networkCode: 'media_refused' });
  const first = checkImagesFor(network, files.map(mediaFileOf)).problems[0];
  if (first) throw refuse(first.message);
  if (PULLS_MEDIA.has(network) && !deps.stateSecret) {
    throw refuse(`${NETWORK_LABELS[network]} fetches images from Greenlight by a signed link, and this server has no STATE_SECRET to sign one.`);
  }
  const rules = imageRulesFor(network);
  const items: MediaItem[] = [];
  for (const original of files) {
    let file = original;
    if (rules?.convertToJpeg.includes(original.content_type)) {
      const converted = await jpegFor({ db: deps.db, mediaBytes: deps.mediaBytes, media: mediaLimits(deps) }, original).catch((err: unknown) => {
        throw new NetworkError({ network, errorClass: 'transient', message: `converting ${original.filename} to JPEG failed`, cause: err });
      });
      if (!converted.ok) throw refuse(converted.message);
      file = converted.media;
      const again = checkImagesFor(network, [mediaFileOf(file)]).problems[0];
      if (again) throw refuse(again.message);
    }
    items.push(storedItem(deps, file, original, now));
  }
  return [...items, ...links];
}

/** `file` is what is sent (a converted copy, or the original itself); the author's name and alt text are the original's. */
function storedItem(deps: WorkflowDeps, file: MediaRow, original: MediaRow, now: Date): MediaItem {
  const bytes = Number(file.bytes);
  const url = deps.stateSecret ? signMediaUrl(deps.publicUrl, file.id, deps.stateSecret, now) : '';
  const alt = original.alt ?? undefined;
  return {
    url,
    ...(alt ? { alt } : {}),
    stored: {
      id: file.id,
      filename: file.filename,
      contentType: file.content_type,
      bytes,
      width: file.width,
      height: file.height,
      animated: file.animated,
      read: (range) => readMedia(deps, { id: file.id, bytes }, range),
    },
  };
}
