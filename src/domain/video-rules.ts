// Which videos each network takes (issue 15), as pure rules: a post's files are checked in the form,
// per network, and every refusal names the network, the rule and the file's value in words a marketer
// acts on ("Instagram Stories need videos of 3 s to 60 s; launch.mp4 is 2 min 14 s").
//
// Facts come from each network's documentation, linked beside its rules. Where a network publishes no
// figure (LinkedIn, Facebook), the figure is from a secondary source and the comment says so.
import { checkImagesFor, type ImageRuleOverrides, type MediaFile, type MediaPlan, megabytes, type MediaProblemCode } from './media-rules.ts';
import { NETWORK_LABELS, type Network } from './networks.ts';
import { durationText, type VideoContainer } from './video-facts.ts';

/** How a video goes to Instagram: a Reel (also in the feed) or a Story; chosen per post in the form. */
export type InstagramVideoKind = 'reels' | 'stories';

/** The rule sets: one per network, and two for Instagram. */
export type VideoRuleSet = Exclude<Network, 'webhook' | 'instagram'> | 'instagram_reels' | 'instagram_stories';

export interface VideoRules {
  /** Said in every problem: "Instagram Reels", "X", "this Mastodon server". */
  label: string;
  /** The label is plural ("Instagram Reels take"). */
  plural?: boolean;
  containers: readonly VideoContainer[];
  /** ffprobe codec names (h264, hevc); undefined: the network names none. */
  videoCodecs?: readonly string[];
  /** ffprobe codec names of the sound; undefined: any. A silent video always passes. */
  audioCodecs?: readonly string[];
  /** AAC's profile, where the network names one (X: AAC-LC). */
  audioProfiles?: readonly string[];
  maxAudioChannels?: number;
  maxAudioSampleRate?: number;
  /** ffprobe pixel formats (yuv420p); undefined: any. */
  pixelFormats?: readonly string[];
  maxBytes: number;
  maxBytesText: string;
  minMs?: number;
  /** Undefined: the network documents no longest (Mastodon). */
  maxMs?: number;
  minFps?: number;
  maxFps?: number;
  minSide?: number;
  maxWidth?: number;
  maxPixels?: number;
  /** Width / height, inclusive, and how it is said. */
  aspect?: { min: number; max: number; text: string };
  /** Videos in one post. */
  maxVideos: number;
  /** A video may not share the post with images. */
  alone: boolean;
  /** Why a video must be alone, said after the fact ("Greenlight publishes a Threads video on its own"). */
  aloneText?: string;
}

const MIB = 1024 * 1024;
const H264_HEVC = ['h264', 'hevc'] as const;
const YUV420 = ['yuv420p', 'yuvj420p'] as const;

export const VIDEO_RULES: Record<VideoRuleSet, VideoRules> = {
  // https://docs.x.com/x-api/media/introduction and quickstart/best-practices: <= 512 MB, 0.5-140 s, <= 60 fps,
  // 32x32 to 1280x1024, aspect 1:3 to 3:1, YUV 4:2:0, AAC-LC mono or stereo, H.264 (High profile recommended);
  // one video per post, alone. The 1280x1024 box is not enforced: the same page recommends 720x1280 portrait
  // (outside it), and X takes 1080x1920 phone video and scales it; the aspect rule keeps the shape in range.
  x: {
    label: 'X',
    containers: ['mp4', 'mov'],
    videoCodecs: ['h264'],
    audioCodecs: ['aac'],
    audioProfiles: ['LC'],
    maxAudioChannels: 2,
    pixelFormats: YUV420,
    maxBytes: 512 * MIB,
    maxBytesText: '512 MB',
    minMs: 500,
    maxMs: 140_000,
    maxFps: 60,
    minSide: 32,
    aspect: { min: 1 / 3, max: 3, text: 'from 1:3 (portrait) to 3:1 (landscape)' },
    maxVideos: 1,
    alone: true,
  },
  // The app.bsky.embed.video lexicon (github.com/bluesky-social/atproto): one video/mp4 blob of at most
  // 300,000,000 bytes, aspectRatio set from the file; the app takes up to 10 minutes. The account's PDS may
  // take less (describeServer.blobUploadLimit): pass it as an override.
  bluesky: {
    label: 'Bluesky',
    containers: ['mp4'],
    maxBytes: 300_000_000,
    maxBytesText: '300 MB',
    maxMs: 10 * 60_000,
    maxVideos: 1,
    alone: true,
  },
  // https://docs.joinmastodon.org/methods/instance/ configuration.media_attachments: the instance decides.
  // Defaults from the documentation's example: video_size_limit 103,809,024 bytes, video_frame_rate_limit
  // 120, video_matrix_limit 8,294,400 pixels (4K). No duration limit is documented. Mastodon refuses a
  // video beside images (one video per status).
  mastodon: {
    label: 'Mastodon',
    containers: ['mp4', 'mov', 'webm'],
    maxBytes: 103_809_024,
    maxBytesText: '99 MB',
    maxFps: 120,
    maxPixels: 8_294_400,
    maxVideos: 1,
    alone: true,
  },
  // https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media (Reels):
  // MOV/MP4, H.264 or HEVC, 4:2:0, AAC up to 48 kHz, 23-60 fps, at most 1920 pixels wide, aspect 0.01:1 to
  // 10:1, 3 s to 15 min, 300 MB (the v24.0 text; another copy says 1 GB: the lower is kept). Reels are not
  // allowed in carousels.
  instagram_reels: {
    label: 'Instagram Reels',
    plural: true,
    containers: ['mp4', 'mov'],
    videoCodecs: H264_HEVC,
    audioCodecs: ['aac'],
    maxAudioSampleRate: 48_000,
    pixelFormats: YUV420,
    maxBytes: 300 * MIB,
    maxBytesText: '300 MB',
    minMs: 3_000,
    maxMs: 15 * 60_000,
    minFps: 23,
    maxFps: 60,
    maxWidth: 1920,
    aspect: { min: 0.01, max: 10, text: 'from 1:100 to 10:1' },
    maxVideos: 1,
    alone: true,
    aloneText: 'a Reel cannot be part of a carousel',
  },
  // The same page (Stories): the Reels codecs, aspect 0.1:1 to 10:1, 3 to 60 s, up to 100 MB.
  instagram_stories: {
    label: 'Instagram Stories',
    plural: true,
    containers: ['mp4', 'mov'],
    videoCodecs: H264_HEVC,
    audioCodecs: ['aac'],
    maxAudioSampleRate: 48_000,
    pixelFormats: YUV420,
    maxBytes: 100 * MIB,
    maxBytesText: '100 MB',
    minMs: 3_000,
    maxMs: 60_000,
    minFps: 23,
    maxFps: 60,
    maxWidth: 1920,
    aspect: { min: 0.1, max: 10, text: 'from 1:10 to 10:1' },
    maxVideos: 1,
    alone: true,
    aloneText: 'a Story is one image or one video',
  },
  // https://developers.facebook.com/docs/threads/posts (video): MOV/MP4, H.264 or HEVC, AAC up to 48 kHz,
  // 23-60 fps, at most 1920 pixels wide, aspect 0.01:1 to 10:1, up to 5 minutes and 1 GB. Threads takes
  // videos in carousels; Greenlight publishes a Threads video as a VIDEO post on its own.
  threads: {
    label: 'Threads',
    containers: ['mp4', 'mov'],
    videoCodecs: H264_HEVC,
    audioCodecs: ['aac'],
    maxAudioSampleRate: 48_000,
    pixelFormats: YUV420,
    maxBytes: 1024 * MIB,
    maxBytesText: '1 GB',
    maxMs: 300_000,
    minFps: 23,
    maxFps: 60,
    maxWidth: 1920,
    aspect: { min: 0.01, max: 10, text: 'from 1:100 to 10:1' },
    maxVideos: 1,
    alone: true,
    aloneText: 'Greenlight publishes a Threads video as a post of its own',
  },
  // Meta's Page videos (developers.facebook.com/docs/video-api/guides/publishing) document the upload,
  // not these figures: MP4 or MOV, up to 4 GB and 240 minutes is the secondary figure kept here (Meta's
  // help centre says 10 GB; the lower is kept). A Page video post is the video alone.
  facebook: {
    label: 'Facebook',
    containers: ['mp4', 'mov'],
    maxBytes: 4 * 1024 * MIB,
    maxBytesText: '4 GB',
    maxMs: 240 * 60_000,
    maxVideos: 1,
    alone: true,
  },
  // LinkedIn's Videos API documents the upload, not these figures (secondary guide: MP4, 3 s to 30 min,
  // 75 KB to 500 MB, aspect 1:2.4 to 2.4:1). A post's content.media is one video.
  linkedin: {
    label: 'LinkedIn',
    containers: ['mp4'],
    maxBytes: 500 * MIB,
    maxBytesText: '500 MB',
    minMs: 3_000,
    maxMs: 30 * 60_000,
    aspect: { min: 1 / 2.4, max: 2.4, text: 'from 1:2.4 (portrait) to 2.4:1 (landscape)' },
    maxVideos: 1,
    alone: true,
  },
};

/** What an instance (Mastodon), a PDS (Bluesky) or a setting says instead of the documented default. */
export interface VideoRuleOverrides {
  maxBytes?: number;
  maxFps?: number;
  maxPixels?: number;
  /** Content types the instance takes (Mastodon's supported_mime_types); containers not named go. */
  types?: readonly string[];
}

export interface VideoCheckOptions {
  /** How a video goes to Instagram (default reels). */
  instagram?: InstagramVideoKind;
  video?: VideoRuleOverrides;
  image?: ImageRuleOverrides;
}

export function videoRuleSet(network: Network, instagram: InstagramVideoKind = 'reels'): VideoRuleSet | undefined {
  if (network === 'webhook') return undefined;
  if (network === 'instagram') return instagram === 'stories' ? 'instagram_stories' : 'instagram_reels';
  return network;
}

const CONTAINER_TYPES: Record<VideoContainer, string> = { mp4: 'video/mp4', mov: 'video/quicktime', webm: 'video/webm' };

/** The rules for one network (and Instagram kind), with an instance's own limits applied. */
export function videoRulesFor(network: Network, options: VideoCheckOptions = {}): VideoRules | undefined {
  const set = videoRuleSet(network, options.instagram);
  if (!set) return undefined;
  const base = VIDEO_RULES[set];
  const o = options.video ?? {};
  const types = o.types;
  return {
    ...base,
    label: network === 'mastodon' && Object.keys(o).length > 0 ? 'This Mastodon server' : base.label,
    containers: types ? base.containers.filter((c) => types.includes(CONTAINER_TYPES[c])) : base.containers,
    maxBytes: o.maxBytes ?? base.maxBytes,
    maxBytesText: o.maxBytes === undefined ? base.maxBytesText : megabytes(o.maxBytes, 'down'),
    maxFps: o.maxFps ?? base.maxFps,
    maxPixels: o.maxPixels ?? base.maxPixels,
  };
}

export const isVideo = (file: Pick<MediaFile, 'contentType' | 'video'>): boolean => Boolean(file.video) || file.contentType.startsWith('video/');

/**
 * Checks a post's files, images and videos, against one network: a post without a video is checked
 * as images (src/domain/media-rules.ts); a post with one is checked against the network's video rules,
 * the count of videos and the mixing rule.
 */
export function checkMediaFor(network: Network, files: readonly MediaFile[], options: VideoCheckOptions = {}): MediaPlan {
  const videos = files.filter(isVideo);
  if (videos.length === 0) return checkImagesFor(network, files, options.image);
  const rules = videoRulesFor(network, options);
  const plan: MediaPlan = { problems: [], convertToJpeg: [] };
  if (!rules) return plan;
  const problem = (code: VideoProblemCode, message: string, filename?: string) =>
    plan.problems.push({ network, code, message, ...(filename === undefined ? {} : { filename }) });
  const images = files.length - videos.length;
  if (videos.length > rules.maxVideos) {
    problem(
      'too_many_videos',
      `${rules.label} ${verb(rules, 'takes')} ${rules.maxVideos === 1 ? 'one video' : `up to ${rules.maxVideos} videos`} in a post; this post has ${videos.length}.`,
    );
  }
  if (rules.alone && images > 0) {
    const first = videos[0]?.filename ?? '';
    const why = rules.aloneText ? ` (${rules.aloneText})` : '';
    problem(
      'video_alone',
      `${rules.label} ${verb(rules, 'takes')} a video only on its own${why}; ${first} is in a post with ${images} ${images === 1 ? 'image' : 'images'}.`,
      first,
    );
  }
  for (const file of videos) {
    for (const p of videoProblems(rules, file)) problem(p.code, p.message, file.filename);
  }
  return plan;
}

export type VideoProblemCode = Extract<
  MediaProblemCode,
  | 'too_many_videos'
  | 'video_alone'
  | 'video_container'
  | 'video_codec'
  | 'video_audio'
  | 'video_pixel_format'
  | 'video_too_large'
  | 'video_duration'
  | 'video_frame_rate'
  | 'video_size'
  | 'aspect'
  | 'unknown_size'
>;

/** Every rule one video breaks, each said with the file's own value. */
export function videoProblems(rules: VideoRules, file: MediaFile): { code: VideoProblemCode; message: string }[] {
  const out: { code: VideoProblemCode; message: string }[] = [];
  const name = file.filename;
  const v = file.video;
  const add = (code: VideoProblemCode, message: string) => out.push({ code, message });
  if (!v) {
    // Not probed yet (the form sees what the chat declared): the size is known, the rest comes with the probe.
    if (file.bytes > rules.maxBytes)
      add('video_too_large', `${rules.label} ${verb(rules, 'takes')} videos up to ${rules.maxBytesText}; ${name} is ${megabytes(file.bytes)}.`);
    add('unknown_size', `${rules.label} ${verb(rules, 'needs')} to know the length and format of ${name}, and Greenlight has not read them yet.`);
    return out;
  }
  if (!rules.containers.includes(v.container)) {
    add(
      'video_container',
      `${rules.label} ${verb(rules, 'takes')} ${list(
        rules.containers.map((c) => CONTAINER_WORDS[c]),
        'or',
      )} videos; ${name} is ${article(CONTAINER_WORDS[v.container])} video.`,
    );
  }
  if (rules.videoCodecs && !rules.videoCodecs.includes(v.videoCodec)) {
    add(
      'video_codec',
      `${rules.label} ${verb(rules, 'takes')} ${list(rules.videoCodecs.map(codecWord), 'or')} video; ${name} is ${codecWord(v.videoCodec)}. Export it again as H.264.`,
    );
  }
  if (v.audioCodec !== null) {
    if (rules.audioCodecs && !rules.audioCodecs.includes(v.audioCodec)) {
      add(
        'video_audio',
        `${rules.label} ${verb(rules, 'takes')} ${list(rules.audioCodecs.map(codecWord), 'or')} sound; ${name} has ${codecWord(v.audioCodec)} sound.`,
      );
    } else if (rules.audioProfiles && v.audioProfile !== null && !rules.audioProfiles.includes(v.audioProfile)) {
      add('video_audio', `${rules.label} ${verb(rules, 'takes')} AAC-LC sound; ${name} has ${v.audioProfile} sound.`);
    }
    if (rules.maxAudioChannels !== undefined && v.audioChannels !== null && v.audioChannels > rules.maxAudioChannels) {
      add('video_audio', `${rules.label} ${verb(rules, 'takes')} mono or stereo sound; ${name} has ${v.audioChannels} channels.`);
    }
    if (rules.maxAudioSampleRate !== undefined && v.audioSampleRate !== null && v.audioSampleRate > rules.maxAudioSampleRate) {
      add('video_audio', `${rules.label} ${verb(rules, 'takes')} sound up to ${kHz(rules.maxAudioSampleRate)}; ${name} has ${kHz(v.audioSampleRate)}.`);
    }
  }
  if (rules.pixelFormats && v.pixelFormat !== null && !rules.pixelFormats.includes(v.pixelFormat)) {
    add(
      'video_pixel_format',
      `${rules.label} ${verb(rules, 'takes')} video in 4:2:0 colour (yuv420p); ${name} is ${v.pixelFormat}. Export it again with standard settings.`,
    );
  }
  if (file.bytes > rules.maxBytes) {
    add('video_too_large', `${rules.label} ${verb(rules, 'takes')} videos up to ${rules.maxBytesText}; ${name} is ${megabytes(file.bytes)}.`);
  }
  const tooShort = rules.minMs !== undefined && v.durationMs < rules.minMs;
  const tooLong = rules.maxMs !== undefined && v.durationMs > rules.maxMs;
  if (tooShort || tooLong) {
    const min = rules.minMs === undefined ? undefined : durationText(rules.minMs, 'up');
    const max = rules.maxMs === undefined ? undefined : durationText(rules.maxMs, 'down');
    const range = min === undefined ? `up to ${max}` : max === undefined ? `of at least ${min}` : `of ${min} to ${max}`;
    add(
      'video_duration',
      `${rules.label} ${verb(rules, rules.minMs === undefined ? 'takes' : 'needs')} videos ${range}; ${name} is ${durationText(v.durationMs, tooShort ? 'down' : 'up')}.`,
    );
  }
  if (v.frameRate !== null) {
    const low = rules.minFps !== undefined && v.frameRate < rules.minFps - 0.01;
    const high = rules.maxFps !== undefined && v.frameRate > rules.maxFps + 0.01;
    if (low || high) {
      const range =
        rules.minFps === undefined ? `up to ${rules.maxFps}` : rules.maxFps === undefined ? `at least ${rules.minFps}` : `${rules.minFps} to ${rules.maxFps}`;
      add(
        'video_frame_rate',
        `${rules.label} ${verb(rules, rules.minFps === undefined ? 'takes' : 'needs')} ${range} frames per second; ${name} has ${fps(v.frameRate)}.`,
      );
    }
  }
  if (!file.width || !file.height) {
    if (rules.aspect || rules.maxWidth || rules.maxPixels || rules.minSide) {
      add('unknown_size', `${rules.label} ${verb(rules, 'needs')} to know the size of ${name} in pixels, and Greenlight could not read it.`);
    }
    return out;
  }
  const size = `${file.width} × ${file.height} pixels`;
  if (rules.minSide !== undefined && Math.min(file.width, file.height) < rules.minSide) {
    add('video_size', `${rules.label} ${verb(rules, 'takes')} videos at least ${rules.minSide} × ${rules.minSide} pixels; ${name} is ${size}.`);
  }
  if (rules.maxWidth !== undefined && file.width > rules.maxWidth) {
    add('video_size', `${rules.label} ${verb(rules, 'takes')} videos up to ${rules.maxWidth} pixels wide; ${name} is ${size}.`);
  }
  if (rules.maxPixels !== undefined && file.width * file.height > rules.maxPixels) {
    add('video_size', `${rules.label} ${verb(rules, 'takes')} videos up to ${rules.maxPixels.toLocaleString('en-US')} pixels a frame; ${name} is ${size}.`);
  }
  if (rules.aspect) {
    const ratio = file.width / file.height;
    if (ratio < rules.aspect.min - 0.001 || ratio > rules.aspect.max + 0.001) {
      add('aspect', `${rules.label} ${verb(rules, 'takes')} videos ${rules.aspect.text}; ${name} is ${size} (${Number(ratio.toFixed(2))}:1).`);
    }
  }
  return out;
}

/** The network's own name for a problem about a post as a whole. */
export function videoLabel(network: Network, instagram?: InstagramVideoKind): string {
  const set = videoRuleSet(network, instagram);
  return set ? VIDEO_RULES[set].label : NETWORK_LABELS[network];
}

const CONTAINER_WORDS: Record<VideoContainer, string> = { mp4: 'MP4', mov: 'MOV', webm: 'WebM' };
const CODEC_WORDS: Record<string, string> = {
  h264: 'H.264',
  hevc: 'HEVC (H.265)',
  vp8: 'VP8',
  vp9: 'VP9',
  av1: 'AV1',
  prores: 'ProRes',
  mpeg4: 'MPEG-4 Part 2',
  aac: 'AAC',
  mp3: 'MP3',
  opus: 'Opus',
  vorbis: 'Vorbis',
  ac3: 'Dolby Digital (AC-3)',
  eac3: 'Dolby Digital Plus',
  pcm_s16le: 'uncompressed PCM',
};

function codecWord(codec: string): string {
  return CODEC_WORDS[codec] ?? codec;
}

function article(word: string): string {
  return `${word === 'MP4' ? 'an' : 'a'} ${word}`;
}

function list(words: readonly string[], joiner: 'or' | 'and'): string {
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} ${joiner} ${words.at(-1)}`;
}

function kHz(rate: number): string {
  return `${Number((rate / 1000).toFixed(1))} kHz`;
}

function fps(rate: number): string {
  return Number(rate.toFixed(2)).toString();
}

function verb(rules: Pick<VideoRules, 'plural'>, word: 'takes' | 'needs'): string {
  return rules.plural ? word.slice(0, -1) : word;
}
