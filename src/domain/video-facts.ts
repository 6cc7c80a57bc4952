/**
 * What Greenlight knows about a stored video (issue 15), as read from the file by ffprobe
 * (src/media/video-probe.ts) and kept on its media row. Codec names are ffprobe's (`h264`, `hevc`,
 * `vp9`, `av1`, `aac`, `opus`); sizes in pixels are as shown (rotation applied) and live on the
 * media row beside this (width, height).
 */
export interface VideoFacts {
  /** mp4, mov or webm: from the container's brand, never from the file's name. */
  container: VideoContainer;
  videoCodec: string;
  /** The video profile as ffprobe names it (High, Main, …); null when it has none. */
  videoProfile: string | null;
  /** yuv420p, yuv422p10le, …; null when unknown. */
  pixelFormat: string | null;
  /** Null: the video has no sound. */
  audioCodec: string | null;
  /** AAC's LC, HE-AAC, …; null when unknown or no sound. */
  audioProfile: string | null;
  audioSampleRate: number | null;
  audioChannels: number | null;
  durationMs: number;
  /** Frames per second (average); null when the file does not say. */
  frameRate: number | null;
  /** Bits per second over the whole file; null when unknown. */
  bitRate: number | null;
  /**
   * An MP4 or MOV whose index (`moov`) comes before its media data (`mdat`), "faststart", as Instagram and
   * Threads want a file they fetch: true or false as ffprobe read the boxes; null for WebM or when it did
   * not say; absent on files probed before this was read.
   */
  moovFirst?: boolean | null;
}

export type VideoContainer = 'mp4' | 'mov' | 'webm';

export const VIDEO_CONTENT_TYPES: Record<VideoContainer, string> = {
  mp4: 'video/mp4',
  mov: 'video/quicktime',
  webm: 'video/webm',
};

/**
 * "2 min 14 s", "45 s", "0.4 s", "1 h 2 min": a duration as a person reads it. Under 10 s in tenths,
 * else whole seconds. `rounding` away from a limit: a file too long rounds up and one too short rounds
 * down, so a file that breaks a limit never reads as equal to it.
 */
export function durationText(ms: number, rounding: 'up' | 'down' | 'nearest' = 'nearest'): string {
  const round = rounding === 'up' ? Math.ceil : rounding === 'down' ? Math.floor : Math.round;
  if (ms < 10_000) {
    const tenths = round(Math.round(ms) / 100) / 10;
    if (tenths < 10) return `${Number.isInteger(tenths) ? tenths : tenths.toFixed(1)} s`;
  }
  const total = round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const parts: string[] = [];
  if (h > 0) parts.push(`${h} h`);
  if (m > 0) parts.push(`${m} min`);
  if (s > 0 || parts.length === 0) parts.push(`${s} s`);
  return parts.join(' ');
}
