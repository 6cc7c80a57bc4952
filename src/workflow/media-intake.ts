import { createReadStream } from 'node:fs';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import type { Db } from '../db/database.ts';
import { deleteMedia, findVariant, type MediaBytes, MediaStoreError, readMedia, storeMedia, type MediaRow, type NewMedia } from '../db/media-store.ts';
import type { MediaFile } from '../domain/media-rules.ts';
import type { Network } from '../domain/networks.ts';
import { convertToJpeg, ImageProbeError, probeImage } from '../media/image-probe.ts';
import { MediaProbeError, probeMedia } from '../media/media-probe.ts';
import { probeVideoFile, remuxFaststart, VideoProbeError, withTemporaryCopy } from '../media/video-probe.ts';

/**
 * The workflow's side of the media store (issue 14): copying a file from a chat into the store, and
 * converting a stored file for a network that takes only JPEG. Wiring these into the Slack and Discord
 * compose flows and into the network adapters comes with the layout refactor.
 */
export interface MediaIntakeDeps {
  db: Db;
  /** Where media bytes live (MEDIA_STORE); default PostgreSQL. */
  mediaBytes?: MediaBytes | undefined;
  /** Config: media.quotaBytes and media.maxFileBytes. */
  media: { quotaBytes: number; maxFileBytes: number };
}

export type IntakeResult = { ok: true; media: MediaRow } | { ok: false; message: string };

/**
 * Copies one file into the store and probes it: an image (issue 14) or a video (issue 15), whose
 * poster frame is stored beside it as a JPEG copy (posterOf). A refusal the author can act on (too
 * large, quota full, neither an image nor a video) comes back as a message naming the file; nothing
 * of it stays stored. Anything else (the database is down) is thrown, for the caller's retry.
 */
export async function storeImage(deps: MediaIntakeDeps, input: NewMedia, source: AsyncIterable<Uint8Array>, signal?: AbortSignal): Promise<IntakeResult> {
  let poster: Buffer | undefined;
  try {
    const media = await storeMedia(
      deps,
      input,
      source,
      { quotaBytes: deps.media.quotaBytes, maxFileBytes: deps.media.maxFileBytes, ...(signal ? { signal } : {}) },
      async (head, bytes, read) => {
        const { poster: frame, ...facts } = await probeMedia(input.filename, head, bytes, read, signal);
        poster = frame;
        return facts;
      },
    );
    if (poster) await storePoster(deps, media, poster, signal);
    return { ok: true, media };
  } catch (error) {
    if (error instanceof MediaStoreError || error instanceof ImageProbeError || error instanceof MediaProbeError) return { ok: false, message: error.message };
    throw error;
  }
}

/** Any file a chat hands in: images and videos alike (the name storeImage is older than videos). */
export const storeFile = storeImage;

/**
 * A video's poster frame as a JPEG copy beside it (`variant_of` the video): the card shows it and a
 * network that takes a cover gets it. If it cannot be stored, the video goes too: a video without
 * its poster would show the approver nothing. A poster already there (a copy job run again) is kept.
 */
export async function storePoster(deps: MediaIntakeDeps, video: MediaRow, poster: Buffer, signal?: AbortSignal): Promise<void> {
  const filename = `${video.filename.replace(/\.[^./]+$/, '')}-poster.jpg`;
  if (await findVariant(deps.db, video.id, 'image/jpeg')) return;
  try {
    await storeMedia(
      deps,
      { workspaceId: video.workspace_id, filename, postId: video.post_id, variantOf: video.id },
      Readable.from([poster]),
      { quotaBytes: deps.media.quotaBytes, ...(signal ? { signal } : {}) },
      (head, bytes, read) => probeImage(filename, head, bytes, read),
    );
  } catch (error) {
    await deleteMedia(deps, video.id).catch(() => undefined);
    throw error;
  }
}

/** A video's poster frame (a JPEG in the store), if it has one. */
export function posterOf(deps: Pick<MediaIntakeDeps, 'db'>, video: Pick<MediaRow, 'id'>): Promise<MediaRow | undefined> {
  return findVariant(deps.db, video.id, 'image/jpeg');
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
    video: media.video,
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
    convertToJpeg(readMedia(deps, media)),
  );
}

/** Networks that fetch a video from Greenlight's signed link and want its index first (Meta's video specs). */
export const FETCHES_FASTSTART: ReadonlySet<Network> = new Set(['instagram', 'threads']);

/**
 * The video as Instagram and Threads should fetch it (issue 15): with its index (`moov`) before its media
 * data, "faststart" (Meta's video specs). A file that already is one (the probe read its boxes) is used
 * as it is; otherwise a copy remuxed with `-movflags +faststart` is stored beside it (`variant_of` the
 * video, the same type), made once and found by later calls. The remux copies the streams (`-c copy`):
 * the pictures and sound are the author's bytes, only the boxes move, so the approval still covers it.
 * WebM has no such index (and neither network takes it): the file itself.
 */
export async function faststartFor(deps: MediaIntakeDeps, video: MediaRow, signal?: AbortSignal): Promise<IntakeResult> {
  const container = video.video?.container;
  if (container !== 'mp4' && container !== 'mov') return { ok: true, media: video };
  if (video.video?.moovFirst === true) return { ok: true, media: video };
  const existing = await findVariant(deps.db, video.id, video.content_type);
  if (existing) return { ok: true, media: existing };
  try {
    const media = await withTemporaryCopy(
      () => readMedia(deps, video),
      signal,
      async (path) => {
        const out = join(dirname(path), `faststart.${container}`);
        await remuxFaststart(video.filename, path, out, container, signal);
        const probed = await probeVideoFile(video.filename, out, signal);
        return storeMedia(
          deps,
          { workspaceId: video.workspace_id, filename: video.filename, alt: video.alt, postId: video.post_id, variantOf: video.id },
          createReadStream(out),
          { quotaBytes: deps.media.quotaBytes, ...(signal ? { signal } : {}) },
          async () => ({ contentType: probed.contentType, width: probed.width, height: probed.height, animated: false, video: probed.video }),
        );
      },
    );
    return { ok: true, media };
  } catch (error) {
    if (error instanceof MediaStoreError || error instanceof VideoProbeError) return { ok: false, message: error.message };
    throw error;
  }
}
