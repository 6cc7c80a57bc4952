import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdir, mkdtemp, readlink, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { logFormat } from '../../src/log.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

/**
 * `node src/main.ts` as `npm start` runs it, on a first start with DATABASE_URL unset: it comes up, or
 * it stops with one line on stderr (what failed and what to do) and a non-zero exit, never a stack trace.
 */
const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

function start(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--max-semi-space-size=4', 'src/main.ts'], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  cleanup.push(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGINT');
      await once(child, 'exit');
    }
  });
  return { child, out: () => stdout, err: () => stderr };
}

async function tempDir(mode: number): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'greenlight-first-start-'));
  await chmod(dir, mode);
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function failsWithOneLine(env: Record<string, string>): Promise<string> {
  const run = start(env);
  const [code] = await once(run.child, 'exit');
  const lines = run
    .err()
    .split('\n')
    .filter((l) => l.trim() !== '');
  expect(lines, run.err()).toHaveLength(1);
  expect(run.err()).not.toMatch(/\n\s+at |Unhandled 'error' event|node:events/);
  expect(code).toBe(1);
  return lines[0]!;
}

describe('a first start with the embedded database', () => {
  it('stops with one line naming the cause and the remedy when the data directory is from another PostgreSQL major', async () => {
    const dataDir = await tempDir(0o755);
    await mkdir(path.join(dataDir, 'pg'), { mode: 0o700 });
    await writeFile(path.join(dataDir, 'pg', 'PG_VERSION'), '16\n');
    const line = await failsWithOneLine({ GREENLIGHT_DATA_DIR: dataDir });
    expect(line).toMatch(
      /^Greenlight failed to start: the embedded database in .*\/pg was created by PostgreSQL 16, and this Greenlight runs PostgreSQL 18: move that directory aside/,
    );
  });

  it('stops with one line when the data directory cannot be created', async () => {
    const parent = await tempDir(0o755);
    await writeFile(path.join(parent, 'a-file'), '');
    const line = await failsWithOneLine({ GREENLIGHT_DATA_DIR: path.join(parent, 'a-file', 'data') });
    expect(line).toMatch(
      /^Greenlight failed to start: cannot create the data directory .*\/a-file\/data \(ENOTDIR.*\): set GREENLIGHT_DATA_DIR to a writable directory/,
    );
  });

  it('comes up as root with its data in a directory other users cannot enter (mktemp -d, /root/…)', async (context) => {
    if (process.getuid?.() !== 0) {
      console.log('skipped: this test runs as root only (PostgreSQL then runs as the postgres user); this run is not root');
      context.skip();
    }
    const dataDir = path.join(await tempDir(0o700), '.greenlight');
    const run = start({ GREENLIGHT_DATA_DIR: dataDir, LOG_FORMAT: 'json' });
    const exited = once(run.child, 'exit');
    const line = await Promise.race([
      waitFor(() =>
        run
          .out()
          .split('\n')
          .find((l) => l.includes('Greenlight is listening')),
      ),
      exited.then(() => {
        throw new Error(`the service stopped: ${run.err()}`);
      }),
    ]);
    // The cluster is kept where the postgres user can reach it, linked from the data directory.
    const cluster = await readlink(path.join(dataDir, 'pg'));
    cleanup.push(() => rm(cluster, { recursive: true, force: true }));
    expect(cluster).toMatch(/^\/var\/lib\/greenlight\/pg-[0-9a-f]{16}$/);
    const ready = await fetch(`${(JSON.parse(line) as { url: string }).url}/readyz`);
    expect(ready.status).toBe(200);
    run.child.kill('SIGINT');
    const [code] = await exited;
    expect(code).toBe(0);
    expect(run.err()).toBe('');
  });
});

describe('the log format', () => {
  let testDb: TestDatabase;
  beforeAll(async () => {
    testDb = await createTestDatabase();
  });
  afterAll(async () => {
    await testDb.drop();
  });

  it('is readable on a terminal and JSON otherwise, unless LOG_FORMAT says', () => {
    expect(logFormat(undefined, true)).toBe('pretty');
    expect(logFormat(undefined, false)).toBe('json');
    expect(logFormat('json', true)).toBe('json');
    expect(logFormat('pretty', false)).toBe('pretty');
  });

  it('LOG_FORMAT=pretty writes readable lines; unset, into a pipe, one JSON object a line', async () => {
    for (const format of ['pretty', undefined] as const) {
      const run = start({ DATABASE_URL: testDb.url, GREENLIGHT_DATA_DIR: '.greenlight/test-data', ...(format ? { LOG_FORMAT: format } : {}) });
      const line = await waitFor(() =>
        run
          .out()
          .split('\n')
          .find((l) => l.includes('Greenlight is listening')),
      );
      run.child.kill('SIGINT');
      await once(run.child, 'exit');
      const lines = run
        .out()
        .split('\n')
        .filter((l) => l.trim() !== '' && !/^\s/.test(l));
      if (format === 'pretty') {
        expect(line).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: Greenlight is listening on http:\/\/127\.0\.0\.1:\d+ using PostgreSQL/);
        expect(lines.filter((l) => l.startsWith('{'))).toEqual([]);
        expect(run.out()).toContain('INFO: stopped');
      } else {
        for (const l of lines) expect(() => JSON.parse(l), l).not.toThrow();
        expect(JSON.parse(line)).toMatchObject({ level: 30, msg: expect.stringMatching(/^Greenlight is listening/) });
      }
    }
  });
});

async function waitFor<T>(get: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = get();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}
