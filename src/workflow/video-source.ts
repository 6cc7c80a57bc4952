import { MEDIA_CHUNK_BYTES, type MediaAt, type MediaRow, readMedia } from '../db/media-store.ts';
import type { Pace } from '../media/bulk-pace.ts';
import type { VideoSource } from '../networks/adapter.ts';

/**
 * A stored video as the adapters see it (issue 15): its facts from the probe, reads of any byte range
 * streamed from the store, and the signed URLs a pull network is given. Throws for a file that is not
 * a probed video, which the form's validation keeps from ever reaching a delivery.
 */
export function videoSourceOf(at: MediaAt & { videoPace?: Pace | undefined }, media: MediaRow, urls: { url?: string; posterUrl?: string } = {}): VideoSource {
  if (!media.video || !media.width || !media.height) throw new Error(`media ${media.id} is not a probed video`);
  const bytes = Number(media.bytes);
  return {
    mediaId: media.id,
    filename: media.filename,
    contentType: media.content_type,
    bytes,
    width: media.width,
    height: media.height,
    durationMs: media.video.durationMs,
    ...(media.alt ? { alt: media.alt } : {}),
    // Whole chunks per query: a video is read one at a time per post (src/db/media-store.ts, READ_SLICE_BYTES).
    read: (range) => readMedia(at, { id: media.id, bytes }, range, MEDIA_CHUNK_BYTES),
    // Segments wait their turns (VIDEO_SEND_MB_PER_S): the process's videos together never take the CPU
    // that the deliveries due meanwhile need (src/media/bulk-pace.ts).
    pace: at.videoPace,
    ...urls,
  };
}
