import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { PgBoss } from 'pg-boss';
import { startMastodonEmulator } from '../emulators/mastodon.ts';
import { arrivals, benchText } from './deliveries.ts';
import { cpuMs, freshDatabase, postgresCpu, sleep, until } from './harness.ts';
import { databaseCounters } from './statements.ts';

export interface FloorOptions {
  deliveries: number;
  accounts: number;
  latencyMs: number;
  concurrency: number;
  poolSize: number;
}

/**
 * The floor for the throughput scenario: what bare pg-boss does with the same jobs on the same
 * server, loop shape and emulator latency (bench/floor-worker.ts), measured as throughput measures
 * Greenlight: deliveries per second from the first create request the emulator received to the
 * last, and CPU per delivery. The queue has the publish queues' policy (standard since issue 18, a singleton key per
 * job), and the jobs are due now, inserted before the worker starts, as seed.ts does for Greenlight.
 */
export async function floor(adminUrl: string, options: FloorOptions) {
  const url = await freshDatabase(adminUrl, 'greenlight_bench_floor');
  const mastodon = await startMastodonEmulator({ latencyMs: options.latencyMs });
  const tokens = Array.from({ length: options.accounts }, (_, i) => mastodon.createAccount(`floor${i}`).accessToken);
  const queue = 'floor';
  const seeder = new PgBoss({ connectionString: url, schema: 'pgboss', max: 2, supervise: false, schedule: false });
  seeder.on('error', () => {});
  await seeder.start();
  await seeder.createQueue(queue, {
    policy: 'standard',
    notify: true,
    retryLimit: 10,
    retryDelay: 2,
    retryBackoff: true,
    retryDelayMax: 300,
    expireInSeconds: 300,
    heartbeatSeconds: 10,
  });
  const now = new Date();
  for (let start = 0; start < options.deliveries; start += 5_000) {
    const n = Math.min(5_000, options.deliveries - start);
    await seeder.insert(
      queue,
      Array.from({ length: n }, (_, k) => ({ data: { i: start + k, text: benchText(start + k, now) }, singletonKey: String(start + k), startAfter: now })),
    );
  }
  await seeder.stop({ graceful: false, close: true });
  const counters = await databaseCounters(url);
  const before = await counters.read();
  const child = spawn(process.execPath, [fileURLToPath(new URL('./floor-worker.ts', import.meta.url))], {
    env: {
      ...process.env,
      DATABASE_URL: url,
      FLOOR_QUEUE: queue,
      FLOOR_CONCURRENCY: String(options.concurrency),
      FLOOR_POOL_SIZE: String(options.poolSize),
      FLOOR_MASTODON_URL: mastodon.url,
      FLOOR_TOKENS: tokens.join(','),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit');
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
      child.once('exit', (code) => reject(new Error(`the floor worker exited with code ${code} before it was ready`)));
    });
    const pgCpu = await postgresCpu(adminUrl);
    const cpuBefore = { app: cpuMs(child.pid!), pg: pgCpu() };
    const all = await until(() => mastodon.posts.length >= options.deliveries, { timeoutMs: 180_000, everyMs: 100 });
    const cpu = { app: cpuMs(child.pid!) - cpuBefore.app, pg: pgCpu() - cpuBefore.pg };
    await sleep(500);
    // Backends report their transactions when they exit: stop the worker before reading.
    child.kill('SIGTERM');
    await exited;
    const after = await counters.read();
    const top = await counters.top(8);
    const arrived = arrivals(mastodon);
    const per = (v: number) => v / arrived.delivered;
    return {
      ...arrived,
      complete: all,
      cpuMsPerDelivery: { app: per(cpu.app), postgres: per(cpu.pg) },
      perDelivery: { statements: per(after.statements - before.statements), transactions: per(after.transactions - before.transactions) },
      top,
    };
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    await counters.close();
    await mastodon.stop();
  }
}
