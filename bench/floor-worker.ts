import { PgBoss, type Job, type JobResult } from 'pg-boss';
import { publishSlots } from '../src/workflow/workers.ts';

/**
 * The floor of the delivery engine, as its own process (as Greenlight runs in the throughput
 * scenario): bare pg-boss, the version Greenlight uses, on the same database server, working the
 * jobs `bench/floor.ts` seeded. Each job is one create request to the Mastodon emulator and nothing
 * else: no rows read or written, no claim, no receipt. The loop shape is Greenlight's publish
 * worker's (publishSlots: loops × batch, each loop its own worker, a full batch fetched again at
 * once, per-job results settled in one statement), so the gap to Greenlight is Greenlight's own work.
 *
 * Environment: DATABASE_URL, FLOOR_QUEUE, FLOOR_CONCURRENCY, FLOOR_POOL_SIZE, FLOOR_MASTODON_URL,
 * FLOOR_TOKENS (access tokens, comma-separated; job i posts with token i mod n).
 */
const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};
const queue = env('FLOOR_QUEUE');
const mastodon = env('FLOOR_MASTODON_URL');
const tokens = env('FLOOR_TOKENS').split(',');

const boss = new PgBoss({
  connectionString: env('DATABASE_URL'),
  schema: 'pgboss',
  max: Number(env('FLOOR_POOL_SIZE')),
  application_name: 'greenlight-bench-floor',
  useListenNotify: true,
  supervise: false,
  schedule: false,
  migrate: false,
});
boss.on('error', (error) => process.stderr.write(`floor worker: ${String(error)}\n`));
await boss.start();

async function post(job: Job<{ i: number; text: string }>): Promise<JobResult> {
  const res = await fetch(`${mastodon}/api/v1/statuses`, {
    method: 'POST',
    headers: { authorization: `Bearer ${tokens[job.data.i % tokens.length]}`, 'content-type': 'application/json', 'idempotency-key': job.id },
    body: JSON.stringify({ status: job.data.text, visibility: 'public' }),
  });
  await res.arrayBuffer();
  return res.ok ? { id: job.id, status: 'completed' } : { id: job.id, status: 'failed', output: { status: res.status } };
}

const { loops, batchSize } = publishSlots(Number(env('FLOOR_CONCURRENCY')));
for (let i = 0; i < loops; i++) {
  await boss.work<{ i: number; text: string }>(
    queue,
    { batchSize, localConcurrency: 1, perJobResults: true, pollingIntervalSeconds: 0.5, burstWhenBatchFull: true },
    async (jobs) => Promise.all(jobs.map((job) => post(job).catch((): JobResult => ({ id: job.id, status: 'failed' })))),
  );
}
process.stdout.write('ready\n');
process.on('SIGTERM', () => {
  boss.stop({ graceful: false, close: true }).finally(() => process.exit(0));
});
