import { fork } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freshDatabase } from './harness.ts';
import { noisePng } from './media-memory.ts';

/**
 * Resident memory growth of a publishing process while it sends `posts` posts of one stored 5 MB image
 * each to X at once: every upload streams its file from the PostgreSQL media store (multipart, chunk by
 * chunk) through the X adapter. The far side is a sink in this process that answers as X's upload,
 * metadata and create endpoints do and counts the bytes without keeping them (the X emulator keeps
 * whole bodies, which would be the parent's memory, not the measured one). Growth is peak VmRSS over
 * the value after a warm-up. Target < 64 MB (issue 14).
 */
export async function mediaPublishMemory(adminUrl: string, options: { posts: number; files: number; megabytes: number; read: 'store' | 'hex' }) {
  const url = await freshDatabase(adminUrl, 'greenlight_bench_media_publish');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'greenlight-bench-publish-'));
  const sink = await startSink();
  try {
    const files: string[] = [];
    for (let i = 0; i < options.files; i++) {
      const file = path.join(dir, `photo-${i}.png`);
      await writeFile(file, await noisePng(options.megabytes * 1_000_000, i + 1));
      files.push(file);
    }
    const child = fork(fileURLToPath(new URL('media-publish-child.ts', import.meta.url)), [url, sink.url, String(options.posts), options.read, ...files], {
      execArgv: ['--max-semi-space-size=4', '--expose-gc'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const result = await new Promise<{ baseline: number; peak: number; publishMs: number; buffersGrowth: number; heapGrowth: number }>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`the publish bench process exited with code ${code}`)));
      child.on('message', (message: { kind: string; baseline: number; peak: number; publishMs: number; buffersGrowth: number; heapGrowth: number }) => {
        if (message.kind === 'result') resolve(message);
      });
    });
    const mb = (bytes: number) => bytes / 1024 / 1024;
    return {
      growthMb: mb(result.peak - result.baseline),
      buffersMb: mb(result.buffersGrowth),
      heapMb: mb(result.heapGrowth),
      publishMs: result.publishMs,
      uploadedMb: sink.uploadedBytes() / 1_000_000,
      posts: sink.posts(),
    };
  } finally {
    await sink.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

async function startSink() {
  let uploaded = 0;
  let posts = 0;
  let next = 1;
  const answer = (res: ServerResponse, status: number, body: unknown) =>
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  const server = createServer((req: IncomingMessage, res) => {
    const done = new Promise<number>((resolve, reject) => {
      let bytes = 0;
      req.on('data', (chunk: Buffer) => (bytes += chunk.length));
      req.on('end', () => resolve(bytes));
      req.on('error', reject);
    });
    void done.then((bytes) => {
      if (req.url === '/2/media/upload') {
        uploaded += bytes;
        return answer(res, 200, { data: { id: String(next++), media_key: `3_${next}`, expires_after_secs: 86400 } });
      }
      if (req.url === '/2/media/metadata') return answer(res, 200, { data: { associated_metadata: true } });
      if (req.url === '/2/tweets') {
        posts += 1;
        return answer(res, 201, { data: { id: String(next++), text: '' } });
      }
      return answer(res, 404, { title: 'Not Found' });
    });
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    uploadedBytes: () => uploaded,
    posts: () => posts,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
