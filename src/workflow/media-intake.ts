import type { Db } from '../db/database.ts';
import { findVariant, MediaStoreError, readMedia, storeMedia, type MediaRow, type NewMedia } from '../db/media-store.ts';
import type { MediaFile } from '../domain/media-rules.ts';
import { convertToJpeg, ImageProbeError, probeImage } from '../media/image-probe.ts';

/**
 * The workflow's side of the media store (issue 14): copying a file from a chat into the store, and
 * converting a stored file for a network that takes only JPEG. Wiring these into the Slack and Discord
 * compose flows and into the network adapters comes with the layout refactor.
 */
export interface MediaIntakeDeps {
  db: Db;
  /** Config: media.quotaBytes and media.maxFileBytes. */
  media: { quotaBytes: number; maxFileBytes: number };
}

export type IntakeResult = { ok: true; media: MediaRow } | { ok: false; message: string };

/**
 * Copies one file into the store and probes it. A refusal the author can act on (too large, quota
 * full, not an image) comes back as a message naming the file; nothing of it stays stored. Anything
 * else (the database is down) is thrown, for the caller's retry.
 */
export async function storeImage(deps: MediaIntakeDeps, input: NewMedia, source: AsyncIterable<Uint8Array>, signal?: AbortSignal): Promise<IntakeResult> {
  try {
    const media = await storeMedia(
      deps.db,
      input,
      source,
      { quotaBytes: deps.media.quotaBytes, maxFileBytes: deps.media.maxFileBytes, ...(signal ? { signal } : {}) },
      (head, bytes, read) => probeImage(input.filename, head, bytes, read),
    );
    return { ok: true, media };
  } catch (error) {
    if (error instanceof MediaStoreError || error instanceof ImageProbeError) return { ok: false, message: error.message };
    throw error;
  }
}

/** A stored file as the per-network rules see it (src/domain/media-rules.ts). */
export function mediaFileOf(media: MediaRow): MediaFile {
  return {
    filename: media.filename,
    contentType: media.content_type,
    bytes: Number(media.bytes),
    width: media.width,
    height: media.height,
    animated: media.animated,
    alt: media.alt,
  };
}

/**
 * The file as a JPEG, for a network that takes nothing else (Instagram): the file itself when it is
 * one, else a faithful converted copy stored beside it (made once; later calls find it). The copy
 * streams from the store through sharp back into the store, and must be checked against the
 * network's rules again (its size is known only now).
 */
export async function jpegFor(deps: MediaIntakeDeps, media: MediaRow): Promise<IntakeResult> {
  if (media.content_type === 'image/jpeg') return { ok: true, media };
  const existing = await findVariant(deps.db, media.id, 'image/jpeg');
  if (existing) return { ok: true, media: existing };
  if (media.animated) return { ok: false, message: `${media.filename} is an animated image; Greenlight cannot turn it into a still JPEG faithfully.` };
  const filename = `${media.filename.replace(/\.[^./]+$/, '')}.jpg`;
  return storeImage(
    deps,
    { workspaceId: media.workspace_id, filename, alt: media.alt, postId: media.post_id, variantOf: media.id },
    convertToJpeg(readMedia(deps.db, media)),
  );
}
