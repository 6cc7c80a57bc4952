import { randomFillSync } from 'node:crypto';
import { fork } from 'node:child_process';
import { open, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fetchVideo } from '../emulators/video-fetch.ts';
import { startXEmulator } from '../emulators/x.ts';
import { dropDatabase, freshDatabase } from './harness.ts';

interface Phase {
  growth: number;
  ms: number;
}
interface ChildResult {
  bytes: number;
  storeMs: number;
  xFile: Phase;
  xStore: Phase;
  pullFile: Phase;
  pullStore: Phase;
}

/**
 * A large video (issue 15's 500 MB) sent from the media store through X's chunked upload (the X
 * emulator, 4 MiB segments) and pulled from the signed /media URL by Instagram's fetch (the Instagram
 * emulator's own pull code, emulators/video-fetch.ts), measured in a child process: peak resident
 * memory growth of each, and the time of each against the same bytes sent from a plain file on disk
 * to the same emulator in the same run (the X adapter reading the file; a static file server for the
 * pull). The test file is synthetic (an `ftyp` box, then noise: all the emulators look at), written
 * once to a temporary directory and removed, with its database, at the end.
 */
export async function videoUpload(adminUrl: string, options: { megabytes: number }) {
  const name = 'greenlight_bench_video';
  const url = await freshDatabase(adminUrl, name);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'greenlight-bench-video-'));
  const emu = await startXEmulator();
  try {
    const warm = path.join(dir, 'warm.mp4');
    const big = path.join(dir, 'big.mp4');
    await writeSyntheticMp4(warm, 8 * 1024 * 1024);
    await writeSyntheticMp4(big, options.megabytes * 1024 * 1024);
    const token = emu.issueToken();
    const child = fork(fileURLToPath(new URL('video-upload-child.ts', import.meta.url)), [url, emu.url, token.accessToken, token.userId, warm, big], {
      execArgv: ['--max-semi-space-size=4', '--expose-gc'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const result = await new Promise<ChildResult>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`the video bench process exited with code ${code}`)));
      child.on('message', (message: { kind: string; url?: string } & ChildResult) => {
        if (message.kind === 'result') resolve(message);
        // The emulator keeps every segment it was sent: forget an upload once it is measured.
        if (message.kind === 'phase-done') emu.video.uploads.clear();
        if (message.kind === 'pull') void pullAsInstagram(message.url!).then((answer) => child.send(answer));
      });
    });
    const mb = (bytes: number) => bytes / 1024 / 1024;
    const perSecond = (p: Phase) => mb(result.bytes) / (p.ms / 1000);
    return {
      megabytes: mb(result.bytes),
      storeSeconds: result.storeMs / 1000,
      x: {
        growthMb: mb(result.xStore.growth),
        fileGrowthMb: mb(result.xFile.growth),
        mbPerSecond: perSecond(result.xStore),
        ratio: result.xFile.ms / result.xStore.ms,
      },
      pull: {
        growthMb: mb(result.pullStore.growth),
        fileGrowthMb: mb(result.pullFile.growth),
        mbPerSecond: perSecond(result.pullStore),
        ratio: result.pullFile.ms / result.pullStore.ms,
      },
      posts: emu.posts.length,
    };
  } finally {
    await emu.stop();
    await rm(dir, { recursive: true, force: true });
    await dropDatabase(adminUrl, name);
  }
}

/** Instagram's pull as its emulator does it (a GET, content type, `ftyp`, Content-Length), timed. */
async function pullAsInstagram(url: string): Promise<{ ms: number; ok: boolean }> {
  const started = performance.now();
  const fetched = await fetchVideo(url, 600_000);
  return { ms: performance.now() - started, ok: fetched !== undefined };
}

/** An `ftyp` box (isom) and then noise, `bytes` long, written in 4 MiB blocks. */
async function writeSyntheticMp4(file: string, bytes: number): Promise<void> {
  const block = randomFillSync(Buffer.alloc(4 * 1024 * 1024));
  const ftyp = Buffer.from([0, 0, 0, 0x18, ...Buffer.from('ftypisom'), 0, 0, 2, 0, ...Buffer.from('isomiso2')]);
  const handle = await open(file, 'w');
  try {
    for (let written = 0; written < bytes; ) {
      const piece = block.subarray(0, Math.min(block.length, bytes - written));
      if (written === 0) ftyp.copy(piece);
      await handle.write(piece);
      written += piece.length;
    }
  } finally {
    await handle.close();
  }
}
