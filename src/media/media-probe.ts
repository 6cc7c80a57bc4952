import type { MediaFacts } from '../db/media-store.ts';
import { ImageProbeError, probeImage } from './image-probe.ts';
import { probeVideo, VideoProbeError } from './video-probe.ts';

/**
 * One probe for every file a chat hands in (issues 14 and 15): an image is read by sharp from the
 * file's head; anything sharp does not take is tried as a video with ffprobe. A video also yields its
 * poster frame (a JPEG), which the caller stores beside it.
 */
export type ProbedMedia = MediaFacts & { poster?: Buffer };

export class MediaProbeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MediaProbeError';
  }
}

export async function probeMedia(filename: string, head: Buffer, bytes: number, read: () => AsyncIterable<Buffer>, signal?: AbortSignal): Promise<ProbedMedia> {
  try {
    return await probeImage(filename, head, bytes, read);
  } catch (error) {
    if (!(error instanceof ImageProbeError)) throw error;
  }
  try {
    const video = await probeVideo(filename, read, signal);
    return { contentType: video.contentType, width: video.width, height: video.height, animated: false, video: video.video, poster: video.poster };
  } catch (error) {
    if (error instanceof VideoProbeError) {
      // A file that looks like neither: say what is taken. A broken video says its own reason.
      throw new MediaProbeError(
        error.message.includes('is not a video')
          ? `${filename} is not an image or a video Greenlight can take (JPEG, PNG, GIF or WebP images; MP4, MOV or WebM videos).`
          : error.message,
      );
    }
    throw error;
  }
}
