import pg from 'pg';
import { startMastodonEmulator } from '../emulators/mastodon.ts';
import { arrivals, benchText } from './deliveries.ts';
import { cpuMs, freshDatabase, postgresCpu, sleep, spawnGreenlight, until } from './harness.ts';
import { seedDeliveries, seedWorkspace } from './seed.ts';
import { databaseCounters, writesBetween } from './statements.ts';

export interface ThroughputOptions {
  deliveries: number;
  accounts: number;
  latencyMs: number;
  env: Record<string, string>;
}

/**
 * End-to-end throughput: `deliveries` all due now, seeded before Greenlight starts, then one
 * Greenlight process publishes them to a Mastodon emulator with network latency. The figure is
 * deliveries per second from the first create request the emulator received to the last.
 */
export async function throughput(adminUrl: string, options: ThroughputOptions) {
  const url = await freshDatabase(adminUrl, 'greenlight_bench_throughput');
  const mastodon = await startMastodonEmulator({ latencyMs: options.latencyMs });
  const seeded = await seedWorkspace(url, mastodon, options.accounts);
  const now = new Date();
  await seedDeliveries(
    seeded,
    Array.from({ length: options.deliveries }, () => now),
    benchText,
  ).finally(() => seeded.close());
  const counters = await databaseCounters(url);
  const atStart = await counters.read();
  const writesAtStart = await counters.writes();
  const app = await spawnGreenlight({ DATABASE_URL: url, ENCRYPTION_KEYS: seeded.keys, ENCRYPTION_PRIMARY_KEY_ID: 'bench', ...options.env }).catch(
    async (error: unknown) => {
      await mastodon.stop();
      throw error;
    },
  );
  try {
    // CPU per delivery, where wall-clock rates depend on what else the machine runs.
    const pgCpu = await postgresCpu(adminUrl);
    const before = { app: cpuMs(app.pid), pg: pgCpu(), bench: process.cpuUsage() };
    const all = await until(() => mastodon.posts.length >= options.deliveries, { timeoutMs: 180_000, everyMs: 100 });
    const cpu = { app: cpuMs(app.pid) - before.app, pg: pgCpu() - before.pg, bench: cpuTotalMs(process.cpuUsage(before.bench)) };
    await sleep(500);
    // The receipts' notify jobs run behind the publishing: wait for them too, for the database's whole
    // share of each delivery (from due to receipt), then count it.
    const drained = await waitNotifyDrained(url);
    const pgWithReceipts = pgCpu() - before.pg;
    // Statements and transactions from the start to the receipts' jobs of the last deliveries (the
    // notify and metrics jobs they leave are counted where they are written, not where they run).
    // Backends report transactions when they exit: stop the app before reading.
    await app.stop();
    const atEnd = await counters.read();
    const writes = writesBetween(writesAtStart, await counters.writes());
    const top = await counters.top(25);
    const arrived = arrivals(mastodon);
    const per = (ms: number) => ms / arrived.delivered;
    return {
      ...arrived,
      complete: all,
      cpuMsPerDelivery: { app: per(cpu.app), postgres: per(cpu.pg), emulator: per(cpu.bench), postgresWithReceipts: per(pgWithReceipts) },
      receiptsDrained: drained,
      perDelivery: {
        statements: per(atEnd.statements - atStart.statements),
        transactions: per(atEnd.transactions - atStart.transactions),
        walBytes: per(writes.walBytes),
        walRecords: per(writes.walRecords),
      },
      top,
      writes: writes.tables,
    };
  } finally {
    await app.stop();
    await counters.close();
    await mastodon.stop();
  }
}

/** Waits (up to a minute) until no notify job is waiting or running; false if some still were. */
async function waitNotifyDrained(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (let i = 0; i < 600; i++) {
      const { rows } = await client.query<{ n: string }>(
        "SELECT count(*) AS n FROM pgboss.job_common WHERE name = 'notify' AND state IN ('created', 'retry', 'active')",
      );
      if (Number(rows[0]!.n) === 0) return true;
      await sleep(100);
    }
    return false;
  } finally {
    await client.end();
  }
}

const cpuTotalMs = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / 1000;
