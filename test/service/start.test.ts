import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

/** `node src/main.ts` as `npm start` runs it: the start-up line, /readyz, a clean stop, a bad config. */
let testDb: TestDatabase;
beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(async () => {
  await testDb.drop();
});

function start(env: Record<string, string>, entry = 'src/main.ts') {
  const child = spawn(process.execPath, ['--max-semi-space-size=4', entry], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return { child, out: () => stdout, err: () => stderr };
}

describe('the service process', () => {
  it('logs where it listens and which database it uses, answers /readyz, and stops cleanly on SIGINT', async () => {
    const run = start({ DATABASE_URL: testDb.url, PORT: '0', HOST: '127.0.0.1', GREENLIGHT_DATA_DIR: '.greenlight/test-data' });
    const line = await waitFor(() =>
      run
        .out()
        .split('\n')
        .find((l) => l.includes('Greenlight is listening')),
    );
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

  it('runs as built JavaScript too (npm run build, as in the Docker image): migrates a new database from dist/ and answers /readyz', async () => {
    // Built into a folder of its own inside the checkout, so node_modules resolves as it does from dist/.
    const outDir = '.greenlight/test-dist';
    const build = spawn(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json', '--outDir', outDir], { stdio: 'inherit' });
    const [built] = await once(build, 'exit');
    expect(built).toBe(0);
    const fresh = await emptyDatabase();
    try {
      const run = start({ DATABASE_URL: fresh.url, PORT: '0', HOST: '127.0.0.1', GREENLIGHT_DATA_DIR: '.greenlight/test-data' }, `${outDir}/src/main.js`);
      const line = await waitFor(() =>
        run
          .out()
          .split('\n')
          .find((l) => l.includes('Greenlight is listening')),
      );
      const ready = await fetch(`${(JSON.parse(line) as { url: string }).url}/readyz`);
      expect(ready.status).toBe(200);
      // Every migration ran, from dist/migrations/*.js.
      const { rows } = await fresh.query('SELECT name FROM kysely_migration ORDER BY name');
      expect(rows.map((r: { name: string }) => `${r.name}.ts`)).toEqual(readdirSync('migrations').sort());
      run.child.kill('SIGINT');
      const [code] = await once(run.child, 'exit');
      expect(code).toBe(0);
    } finally {
      await fresh.drop();
    }
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

/** A database with nothing in it (the test template is already migrated). */
async function emptyDatabase() {
  const admin = inject('databaseAdminUrl');
  const name = `greenlight_test_${randomBytes(6).toString('hex')}`;
  await runSql(admin, `CREATE DATABASE ${name}`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    query: (text: string) => runSql(url.toString(), text),
    drop: () => runSql(admin, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

async function runSql(url: string, text: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(text);
  } finally {
    await client.end();
  }
}

async function waitFor<T>(get: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = get();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}
