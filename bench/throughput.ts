import { startMastodonEmulator } from '../emulators/mastodon.ts';
import { benchText, creates, duplicates } from './deliveries.ts';
import { cpuMs, freshDatabase, postgresCpu, sleep, spawnGreenlight, until } from './harness.ts';
import { seedDeliveries, seedWorkspace } from './seed.ts';

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
    const received = creates(mastodon)
      .map((c) => c.receivedMs)
      .sort((a, b) => a - b);
    const seconds = (received[received.length - 1]! - received[0]!) / 1000;
    const per = (ms: number) => ms / received.length;
    return {
      delivered: received.length,
      complete: all,
      duplicates: duplicates(mastodon),
      seconds,
      perSecond: (received.length - 1) / seconds,
      cpuMsPerDelivery: { app: per(cpu.app), postgres: per(cpu.pg), emulator: per(cpu.bench) },
    };
  } finally {
    await app.stop();
    await mastodon.stop();
  }
}

const cpuTotalMs = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / 1000;
