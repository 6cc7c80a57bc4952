import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import ffmpegInstaller from '@ffmpeg-installer/ffmpeg';
import ffprobeInstaller from '@ffprobe-installer/ffprobe';
import { VIDEO_CONTENT_TYPES, type VideoContainer, type VideoFacts } from '../domain/video-facts.ts';

/**
 * Video probing and poster frames with FFmpeg (issue 15): ffprobe reads the container, the codecs,
 * the duration, the size as shown and the frame rate; ffmpeg decodes one frame as a JPEG for the card
 * (and as a cover where a network takes one). FFmpeg is the reference implementation of every format
 * the networks name (MP4/MOV, H.264/HEVC, AAC); its static Linux, macOS and Windows builds ship inside
 * npm packages (@ffprobe-installer/ffprobe and @ffmpeg-installer/ffmpeg, one optional package per
 * platform), so installing downloads nothing from outside the npm registry. No container is parsed
 * by hand here.
 *
 * The store keeps a file in PostgreSQL chunks; ffprobe needs to seek (an MP4's index, `moov`, is often
 * at the end), so the file is streamed to a private temporary file, probed there and removed: memory
 * holds one piece at a time, the disk holds the file for the probe's few seconds.
 */

export const FFPROBE_PATH: string = ffprobeInstaller.path;
export const FFMPEG_PATH: string = ffmpegInstaller.path;

/** Long enough for a 500 MB file on a busy machine; ffprobe reads headers, not frames. */
const PROBE_TIMEOUT_MS = 60_000;
/** A remux copies every byte once: minutes for the largest files on a slow disk. */
const REMUX_TIMEOUT_MS = 10 * 60_000;
/** The poster decodes frames up to its time: a few seconds at most. */
const POSTER_TIMEOUT_MS = 60_000;
/** ffprobe's JSON for one file is a few KB; more is a file built to flood it. */
const MAX_PROBE_OUTPUT = 1024 * 1024;
/** A poster of at most 1280 pixels wide as JPEG is well under this. */
const MAX_POSTER_BYTES = 8 * 1024 * 1024;
/** The card's poster is this wide at most (kept smaller for small videos). */
const POSTER_MAX_WIDTH = 1280;

/** A file that is not a video Greenlight can take; `message` is said to the author as it is. */
export class VideoProbeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VideoProbeError';
  }
}

export interface ProbedVideo {
  contentType: string;
  width: number;
  height: number;
  video: VideoFacts;
}

/** A video read from the store: its facts, and a JPEG of one frame for the card. */
export interface ProbedVideoWithPoster extends ProbedVideo {
  poster: Buffer;
}

/**
 * Streams a stored file to a temporary file, probes it and takes its poster frame; the temporary
 * file is removed whatever happens.
 */
export async function probeVideo(filename: string, read: () => AsyncIterable<Buffer>, signal?: AbortSignal): Promise<ProbedVideoWithPoster> {
  return withTemporaryCopy(read, signal, async (path) => {
    const probed = await probeVideoFile(filename, path, signal);
    const poster = await posterFrame(filename, path, probed.video.durationMs, signal);
    return { ...probed, poster };
  });
}

/** Runs `work` on a private copy of the stream on disk (mode 0600 in a 0700 folder), removed afterwards. */
export async function withTemporaryCopy<T>(read: () => AsyncIterable<Buffer>, signal: AbortSignal | undefined, work: (path: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'greenlight-video-'));
  try {
    const path = join(dir, 'file');
    await pipeline(Readable.from(read()), createWriteStream(path, { mode: 0o600 }), ...(signal ? [{ signal }] : []));
    return await work(path);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

interface FfprobeStream {
  codec_type?: string;
  codec_name?: string;
  profile?: string;
  width?: number;
  height?: number;
  pix_fmt?: string;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  sample_rate?: string;
  channels?: number;
  duration?: string;
  disposition?: { attached_pic?: number };
  tags?: Record<string, string>;
  side_data_list?: { side_data_type?: string; rotation?: number }[];
}

interface FfprobeOutput {
  streams?: FfprobeStream[];
  format?: { format_name?: string; duration?: string; bit_rate?: string; tags?: Record<string, string> };
}

const TAKEN_TEXT = 'MP4, MOV or WebM';

/** Probes a video file on disk. */
export async function probeVideoFile(filename: string, path: string, signal?: AbortSignal): Promise<ProbedVideo> {
  const run = await runTool(
    FFPROBE_PATH,
    ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', '-i', path],
    PROBE_TIMEOUT_MS,
    MAX_PROBE_OUTPUT,
    signal,
  );
  if (run.code !== 0) throw new VideoProbeError(`${filename} is not a video Greenlight can read (${TAKEN_TEXT}).`);
  let output: FfprobeOutput;
  try {
    output = JSON.parse(run.stdout.toString('utf8')) as FfprobeOutput;
  } catch {
    throw new VideoProbeError(`${filename} is not a video Greenlight can read (${TAKEN_TEXT}).`);
  }
  const probed = factsOf(filename, output);
  if (probed.video.container === 'webm') return { ...probed, video: { ...probed.video, moovFirst: null } };
  return { ...probed, video: { ...probed.video, moovFirst: await moovFirst(path, signal) } };
}

/** ffprobe's mov demuxer at log level trace names each top-level box it reads, in file order. */
const ROOT_BOX = /type:'(moov|mdat)' parent:'root'/;
/** The boxes come first in the log; a log this long without them is not an ISO file worth reading further. */
const MAX_TRACE_BYTES = 4 * 1024 * 1024;

/**
 * Whether an MP4 or MOV has its index (`moov`) before its media data (`mdat`): "faststart", which Meta
 * asks of a video its servers fetch (Instagram, Threads). Read from what ffprobe's mov demuxer reports
 * of the boxes it reads (log level trace), never by parsing the file here: ffprobe stops being read,
 * and is stopped, at the first of the two. Null when it reports neither.
 */
export function moovFirst(path: string, signal?: AbortSignal): Promise<boolean | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(FFPROBE_PATH, ['-v', 'trace', '-i', path], {
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: PROBE_TIMEOUT_MS,
      ...(signal ? { signal } : {}),
    });
    let read = 0;
    let answer: boolean | null = null;
    const lines = createInterface({ input: child.stderr });
    lines.on('line', (line) => {
      read += line.length + 1;
      const box = answer === null ? ROOT_BOX.exec(line)?.[1] : undefined;
      if (box) answer = box === 'moov';
      if (box || read > MAX_TRACE_BYTES) {
        lines.close();
        child.kill('SIGKILL');
      }
    });
    child.once('error', (error) => (error.name === 'AbortError' ? reject(error) : resolve(answer)));
    child.once('close', () => resolve(answer));
  });
}

/**
 * A copy of an MP4 or MOV with its index moved to the front (`-movflags +faststart`): the streams are
 * copied as they are (`-c copy`: not one frame or sample re-encoded), only the boxes are reordered.
 */
export async function remuxFaststart(filename: string, inPath: string, outPath: string, container: 'mp4' | 'mov', signal?: AbortSignal): Promise<void> {
  const run = await runTool(
    FFMPEG_PATH,
    [
      '-v',
      'error',
      '-nostdin',
      '-i',
      inPath,
      '-map',
      '0:v',
      '-map',
      '0:a?',
      '-c',
      'copy',
      '-map_metadata',
      '0',
      '-movflags',
      '+faststart',
      '-f',
      container,
      outPath,
    ],
    REMUX_TIMEOUT_MS,
    MAX_PROBE_OUTPUT,
    signal,
  );
  if (run.code !== 0)
    throw new VideoProbeError(`Greenlight could not prepare ${filename} for streaming (moving its index to the front); export it again as MP4.`);
}

/** ffprobe's answer as Greenlight's facts; exported for tests of odd answers. */
export function factsOf(filename: string, output: FfprobeOutput): ProbedVideo {
  const streams = output.streams ?? [];
  const video = streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
  const audio = streams.find((s) => s.codec_type === 'audio');
  const container = containerOf(output.format?.format_name, output.format?.tags?.major_brand);
  if (!video || !container || !video.codec_name || !video.width || !video.height) {
    throw new VideoProbeError(`${filename} is not a video Greenlight can take (${TAKEN_TEXT}).`);
  }
  const durationMs = Math.round(Number.parseFloat(output.format?.duration ?? video.duration ?? '') * 1000);
  if (!Number.isFinite(durationMs) || durationMs <= 0) {
    throw new VideoProbeError(`${filename} has no length Greenlight can read; export it again as MP4.`);
  }
  const rotated = Math.abs(rotationOf(video)) % 180 === 90;
  const sampleRate = audio?.sample_rate ? Number.parseInt(audio.sample_rate, 10) : Number.NaN;
  const bitRate = output.format?.bit_rate ? Number.parseInt(output.format.bit_rate, 10) : Number.NaN;
  return {
    contentType: VIDEO_CONTENT_TYPES[container],
    width: rotated ? video.height : video.width,
    height: rotated ? video.width : video.height,
    video: {
      container,
      videoCodec: video.codec_name,
      videoProfile: video.profile ?? null,
      pixelFormat: video.pix_fmt ?? null,
      audioCodec: audio?.codec_name ?? null,
      audioProfile: audio?.profile ?? null,
      audioSampleRate: Number.isFinite(sampleRate) ? sampleRate : null,
      audioChannels: audio?.channels ?? null,
      durationMs,
      frameRate: rateOf(video.avg_frame_rate) ?? rateOf(video.r_frame_rate),
      bitRate: Number.isFinite(bitRate) ? bitRate : null,
    },
  };
}

const STILL_BRANDS = new Set(['heic', 'heix', 'heim', 'heis', 'mif1', 'msf1', 'avif', 'avis']);

/**
 * ffprobe's mov demuxer names every ISO file "mov,mp4,m4a,3gp,3g2,mj2"; the brand tells a QuickTime
 * movie (`qt  `) from an MP4. Matroska and WebM share a demuxer too; only WebM is taken.
 */
function containerOf(formatName: string | undefined, brand: string | undefined): VideoContainer | undefined {
  const names = (formatName ?? '').split(',');
  // HEIC and AVIF photos are ISO files too: a still image, not a video.
  if (STILL_BRANDS.has(brand?.trim() ?? '')) return undefined;
  if (names.includes('mp4') || names.includes('mov')) return brand?.trim() === 'qt' ? 'mov' : 'mp4';
  if (names.includes('webm')) return 'webm';
  return undefined;
}

function rotationOf(stream: FfprobeStream): number {
  const side = stream.side_data_list?.find((d) => typeof d.rotation === 'number');
  if (side?.rotation !== undefined) return side.rotation;
  const tag = Number.parseInt(stream.tags?.rotate ?? '0', 10);
  return Number.isFinite(tag) ? tag : 0;
}

/** "30000/1001" → 29.97; "0/0" → null. */
function rateOf(rate: string | undefined): number | null {
  if (!rate) return null;
  const [num, den] = rate.split('/').map(Number);
  if (!num || !den || !Number.isFinite(num / den)) return null;
  return Math.round((num / den) * 1000) / 1000;
}

/**
 * One frame as a JPEG, at most 1280 pixels wide, from a second in (or the middle of a shorter
 * video), so a fade-in's black first frame is not the poster.
 */
export async function posterFrame(filename: string, path: string, durationMs: number, signal?: AbortSignal): Promise<Buffer> {
  const at = Math.min(1, durationMs / 2000).toFixed(3);
  const run = await runTool(
    FFMPEG_PATH,
    [
      '-v',
      'error',
      '-nostdin',
      '-ss',
      at,
      '-i',
      path,
      '-frames:v',
      '1',
      '-an',
      '-vf',
      `scale='min(${POSTER_MAX_WIDTH},iw)':-2`,
      '-q:v',
      '3',
      '-f',
      'image2pipe',
      '-c:v',
      'mjpeg',
      'pipe:1',
    ],
    POSTER_TIMEOUT_MS,
    MAX_POSTER_BYTES,
    signal,
  );
  if (run.code !== 0 || run.stdout.length === 0) throw new VideoProbeError(`Greenlight could not take a picture from ${filename}; export it again as MP4.`);
  return run.stdout;
}

interface ToolRun {
  code: number | null;
  stdout: Buffer;
}

/** Runs a shipped binary with a time limit and a cap on what it may print; stderr is dropped (it names paths). */
function runTool(binary: string, args: string[], timeoutMs: number, maxOutput: number, signal?: AbortSignal): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'ignore'], timeout: timeoutMs, ...(signal ? { signal } : {}) });
    const parts: Buffer[] = [];
    let length = 0;
    let flooded = false;
    child.stdout.on('data', (part: Buffer) => {
      length += part.length;
      if (length > maxOutput) {
        flooded = true;
        child.kill('SIGKILL');
        return;
      }
      parts.push(part);
    });
    child.once('error', (error) => reject(error));
    child.once('close', (code) => resolve({ code: flooded ? -1 : code, stdout: Buffer.concat(parts) }));
  });
}
