import { Writable } from 'node:stream';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGreenlight, type Extension, type Greenlight } from '../../src/service/start-service.ts';
import { loadConfig } from '../../src/config/load.ts';
import { createLogger } from '../../src/log.ts';
import { QUEUES } from '../../src/queue/queue.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

/**
 * Readiness follows the service's life: 503 "starting" while migrations run (here they wait behind
 * another replica's migration lock, held by the test), 200 once up, 503 "stopping" from the moment
 * shutdown begins while a job in hand drains.
 */
let testDb: TestDatabase;
beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(async () => {
  await testDb?.drop();
});

const logged: { msg?: string; url?: string }[] = [];
const log = createLogger(
  { level: 'info' },
  new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) logged.push(JSON.parse(line) as { msg?: string });
      done();
    },
  }),
);

/** A background worker whose one job runs until the test lets it finish: the work in hand at shutdown. */
function jobInHand() {
  let finish!: () => void;
  let started!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const running = new Promise<void>((resolve) => (started = resolve));
  const extension: Extension = {
    name: 'a job in hand',
    async start({ queue }) {
      await queue.work(QUEUES.digest, { loops: 1, batchSize: 1 }, async () => {
        started();
        await finished;
      });
      return {};
    },
  };
  return { extension, running, finish };
}

async function poll<T>(what: string, get: () => Promise<T | undefined> | T | undefined): Promise<T> {
  for (let i = 0; i < 400; i += 1) {
    const value = await get();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}

const readyz = async (url: string) => {
  const res = await fetch(`${url}/readyz`);
  return { status: res.status, body: (await res.json()) as unknown };
};

describe('/readyz', () => {
  it('answers 503 while migrations run and from the first moment of shutdown, 200 in between', async () => {
    // Another replica migrating: Kysely's migrator waits for its lock table.
    const otherReplica = new pg.Client({ connectionString: testDb.url });
    await otherReplica.connect();
    await otherReplica.query('BEGIN');
    await otherReplica.query('LOCK TABLE kysely_migration_lock IN ACCESS EXCLUSIVE MODE');

    const job = jobInHand();
    const config = loadConfig({ NODE_ENV: 'test', HOST: '127.0.0.1', PORT: '0', DATABASE_URL: testDb.url, GREENLIGHT_DATA_DIR: '.greenlight/test-data' });
    let app: Greenlight | undefined;
    const starting = startGreenlight({ config, log, extensions: [job.extension] }).then((started) => (app = started));
    try {
      const url = await poll('the HTTP server', () => logged.find((l) => l.msg?.startsWith('HTTP server up'))?.url);
      expect(await readyz(url)).toEqual({ status: 503, body: { status: 'starting' } });
      const metrics = await fetch(`${url}/metrics`);
      expect(metrics.status).toBe(503);
      expect(await metrics.json()).toMatchObject({ error: 'starting' });
      // The migrator is waiting for the lock, and /readyz still says starting.
      await poll('the migrator to wait for the lock', async () => {
        const waiting = await otherReplica.query(
          `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'kysely_migration_lock' AND NOT l.granted`,
        );
        return waiting.rows[0].n > 0 ? true : undefined;
      });
      expect(await readyz(url)).toEqual({ status: 503, body: { status: 'starting' } });
      expect(app).toBeUndefined();

      await otherReplica.query('COMMIT');
      await starting;
      expect(await readyz(url)).toEqual({ status: 200, body: { status: 'ready', database: true, queue: true } });
      // Every answer carries its request id: a proxy's when it sent a sane one, a new one otherwise.
      expect((await fetch(`${url}/readyz`, { headers: { 'x-request-id': 'lb-7f3a.42' } })).headers.get('x-request-id')).toBe('lb-7f3a.42');
      expect((await fetch(`${url}/readyz`, { headers: { 'x-request-id': 'no spaces or\ttabs' } })).headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);

      await app!.queue.sendDigest(app!.db, { workspaceId: 'w-readiness', dueAt: '2026-12-07T09:00:00Z' });
      await job.running;
      const stopping = app!.stop();
      // The drain waits for the job in hand; meanwhile the server still answers, and says it is stopping.
      expect(await poll('a 503 from /readyz', async () => ((await readyz(url)).status === 503 ? true : undefined))).toBe(true);
      expect(await readyz(url)).toEqual({ status: 503, body: { status: 'stopping' } });
      job.finish();
      await stopping;
      await expect(fetch(`${url}/readyz`)).rejects.toThrow();
    } finally {
      await otherReplica.end().catch(() => {});
      job.finish();
      await starting.catch(() => {});
      await app?.stop();
    }
  });
});
