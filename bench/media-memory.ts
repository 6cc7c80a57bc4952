import { fork } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import S3rver from 's3rver';
import sharp from 'sharp';
import { freshDatabase } from './harness.ts';

/**
 * Resident memory growth of Greenlight while it stores 10 images of 5 MB (PNG noise, so they do not
 * compress: about 20 chunks each) from disk into the PostgreSQL media store, probing each with sharp,
 * and then while a client downloads all 10 at once through the signed /media route. Growth is the peak
 * VmRSS (sampled every 20 ms in the process) over its value after a warm-up file went through both
 * paths. Target < 64 MB (issue 14): files stream chunk by chunk, never whole in memory.
 */
export async function mediaMemory(adminUrl: string, options: { files: number; megabytes: number; store?: 'postgres' | 's3' }) {
  const url = await freshDatabase(adminUrl, 'greenlight_bench_media');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'greenlight-bench-media-'));
  // MEDIA_STORE=s3: s3rver runs here, in the parent, so only Greenlight's own memory is measured in the child.
  const s3 = options.store === 's3' ? await startS3rver(path.join(dir, 's3rver')) : undefined;
  try {
    const files: string[] = [];
    for (let i = 0; i < options.files; i++) {
      const file = path.join(dir, `photo-${i}.png`);
      await writeFile(file, await noisePng(options.megabytes * 1_000_000, i + 1));
      files.push(file);
    }
    const child = fork(fileURLToPath(new URL('media-memory-child.ts', import.meta.url)), [url, ...files], {
      execArgv: ['--max-semi-space-size=4', '--expose-gc'],
      env: { ...process.env, ...(s3 ? { BENCH_S3_ENDPOINT: s3.endpoint } : {}) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const result = await new Promise<{ baseline: number; storePeak: number; servePeak: number; storeMs: number; serveMs: number }>((resolve, reject) => {
      let serveMs = 0;
      child.once('error', reject);
      void exited.then((code) => reject(new Error(`the media bench process exited with code ${code}`)));
      child.on('message', (message: { kind: string; urls?: string[]; baseline?: number; storePeak?: number; servePeak?: number; storeMs?: number }) => {
        if (message.kind === 'urls') {
          const started = performance.now();
          void Promise.all(message.urls!.map(download)).then(() => {
            serveMs = performance.now() - started;
            child.send('next');
          }, reject);
        } else if (message.kind === 'result') {
          resolve({ baseline: message.baseline!, storePeak: message.storePeak!, servePeak: message.servePeak!, storeMs: message.storeMs!, serveMs });
        }
      });
    });
    await exited;
    const mb = (bytes: number) => bytes / 1024 / 1024;
    return {
      baselineMb: mb(result.baseline),
      storeGrowthMb: mb(result.storePeak - result.baseline),
      serveGrowthMb: mb(result.servePeak - result.baseline),
      storeMs: result.storeMs,
      serveMs: result.serveMs,
    };
  } finally {
    await s3?.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** s3rver (the tests' fake S3 server) on 127.0.0.1 with the bench's bucket. */
async function startS3rver(directory: string): Promise<{ endpoint: string; close: () => Promise<void> }> {
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: 'greenlight-bench', configs: [] }] });
  const { port } = (await server.run()) as { port: number };
  return { endpoint: `http://127.0.0.1:${port}`, close: () => server.close() };
}

/** Reads a response to the end without keeping it. */
async function download(url: string): Promise<number> {
  const res = await fetch(url);
  if (res.status !== 200 || !res.body) throw new Error(`GET ${url} answered ${res.status}`);
  let bytes = 0;
  for await (const part of res.body) bytes += part.length;
  return bytes;
}

export async function noisePng(bytes: number, seed: number): Promise<Buffer> {
  const side = Math.ceil(Math.sqrt(bytes / 3));
  const raw = Buffer.alloc(side * side * 3);
  let x = seed;
  for (let i = 0; i < raw.length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    raw[i] = x & 0xff;
  }
  return sharp(raw, { raw: { width: side, height: side, channels: 3 } })
    .png({ compressionLevel: 1 })
    .toBuffer();
}
