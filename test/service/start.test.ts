import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

/** `node src/main.ts` as `npm start` runs it: the start-up line, /readyz, a clean stop, a bad config. */
let testDb: TestDatabase;
beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(async () => {
  await testDb.drop();
});

function start(env: Record<string, string>) {
  const child = spawn(process.execPath, ['src/main.ts'], { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return { child, out: () => stdout, err: () => stderr };
}

describe('the service process', () => {
  it('logs where it listens and which database it uses, answers /readyz, and stops cleanly on SIGINT', async () => {
    const run = start({ DATABASE_URL: testDb.url, PORT: '0', HOST: '127.0.0.1', GREENLIGHT_DATA_DIR: '.greenlight/test-data' });
    const line = await waitFor(() => run.out().split('\n').find((l) => l.includes('Greenlight is listening')));
    const parsed = JSON.parse(line) as { url: string; database: string };
    expect(parsed.database).toMatch(/^PostgreSQL at 127\.0\.0\.1:\d+\/greenlight_test_/);
    expect(line).not.toMatch(/password|secret/i);
    const ready = await fetch(`${parsed.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', database: true, queue: true });
    run.child.kill('SIGINT');
    const [code] = await once(run.child, 'exit');
    expect(code).toBe(0);
    expect(run.out()).toContain('"msg":"stopped"');
  });

  it('refuses a bad configuration with one clear message and a non-zero exit', async () => {
    const run = start({ PORT: 'eighty', DATABASE_URL: 'mysql://nope' });
    const [code] = await once(run.child, 'exit');
    expect(code).toBe(78);
    expect(run.err()).toContain('Greenlight cannot start: the configuration has 2 problem(s)');
    expect(run.err()).toContain('DATABASE_URL: expected a postgres:// connection URL');
    expect(run.err()).not.toMatch(/\n\s+at /);
  });
});

async function waitFor<T>(get: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = get();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}
