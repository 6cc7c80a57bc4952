import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FFMPEG_PATH } from '../../src/media/video-probe.ts';

export interface VideoSpec {
  width?: number;
  height?: number;
  seconds?: number;
  fps?: number;
  /** libx264 (default), libx265, libvpx-vp9 */
  codec?: 'libx264' | 'libx265' | 'libvpx-vp9';
  /** Sound: aac (default), libopus, or none. */
  audio?: 'aac' | 'libopus' | 'none';
  /** mp4 (default), mov or webm. */
  format?: 'mp4' | 'mov' | 'webm';
  /** Rotation metadata in degrees (a phone's portrait video is landscape pixels rotated 90). */
  rotate?: number;
  /** MP4/MOV with the index (`moov`) first (default), or at the end as many cameras and editors write it. */
  faststart?: boolean;
}

/**
 * A small real video made by the ffmpeg Greenlight ships (a test pattern and a tone), so tests
 * never depend on a committed binary fixture. 2 s of 320x240 H.264/AAC MP4 is about 60 KB.
 */
export async function makeVideo(spec: VideoSpec = {}): Promise<Buffer> {
  const { width = 320, height = 240, seconds = 2, fps = 30, codec = 'libx264', audio = 'aac', format = 'mp4' } = spec;
  const dir = await mkdtemp(join(tmpdir(), 'greenlight-test-video-'));
  const out = join(dir, `clip.${format}`);
  try {
    const args = ['-v', 'error', '-nostdin', '-f', 'lavfi', '-i', `testsrc=size=${width}x${height}:rate=${fps}:duration=${seconds}`];
    if (audio !== 'none') args.push('-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=44100:duration=${seconds}`);
    args.push('-c:v', codec, '-pix_fmt', 'yuv420p');
    if (codec === 'libx264') args.push('-preset', 'ultrafast');
    if (codec === 'libx265') args.push('-preset', 'ultrafast', '-x265-params', 'log-level=error');
    if (audio !== 'none') args.push('-c:a', audio);
    if (format !== 'webm' && spec.faststart !== false) args.push('-movflags', '+faststart');
    args.push('-t', String(seconds), out);
    await ffmpeg(args);
    if (spec.rotate === undefined) return await readFile(out);
    // ffmpeg 4.1 writes the rotation (tkhd matrix) only when copying streams, as a phone's file has it.
    const rotated = join(dir, `rotated.${format}`);
    await ffmpeg(['-v', 'error', '-nostdin', '-i', out, '-c', 'copy', '-metadata:s:v:0', `rotate=${spec.rotate}`, rotated]);
    return await readFile(rotated);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function ffmpeg(args: string[]): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const child = spawn(FFMPEG_PATH, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg failed (${code}): ${err}`))));
  });
}
