import { startMastodonEmulator } from '../emulators/mastodon.ts';
import { benchText, creates, duplicates } from './deliveries.ts';
import { freshDatabase, percentile, sleep, spawnGreenlight, until } from './harness.ts';
import { seedDeliveries, seedWorkspace } from './seed.ts';

export interface LatenessOptions {
  deliveries: number;
  /** Due times spread evenly over this many seconds... */
  windowSeconds: number;
  /** ...starting this long after seeding ends. */
  leadSeconds: number;
  accounts: number;
  latencyMs: number;
  env: Record<string, string>;
  /** Greenlight processes on the one database (default 1): replicas share the work through the claim. */
  replicas?: number;
}

/**
 * Schedule accuracy under a burst: `deliveries` fall due within one minute. Greenlight runs as its own
 * process against a Mastodon emulator with network latency; lateness is the time the emulator
 * received a delivery's create request minus the delivery's due time (carried in the post text).
 * Enough accounts that no one account comes near the emulator's 300 requests per 5 minutes.
 */
export async function scheduleLateness(adminUrl: string, options: LatenessOptions) {
  const url = await freshDatabase(adminUrl, 'greenlight_bench_lateness');
  const mastodon = await startMastodonEmulator({ latencyMs: options.latencyMs });
  const seeded = await seedWorkspace(url, mastodon, options.accounts);
  const apps: Awaited<ReturnType<typeof spawnGreenlight>>[] = [];
  try {
    for (let i = 0; i < (options.replicas ?? 1); i++)
      apps.push(await spawnGreenlight({ DATABASE_URL: url, ENCRYPTION_KEYS: seeded.keys, ENCRYPTION_PRIMARY_KEY_ID: 'bench', ...options.env }));
  } catch (error) {
    await Promise.all([...apps.map((a) => a.stop()), seeded.close(), mastodon.stop()]);
    throw error;
  }
  try {
    // The due times are written while seeding, so they count from an estimate of its end (a few
    // seconds for 10,000); the real lead is reported.
    const seedStarted = Date.now();
    const first = seedStarted + 5_000 + options.leadSeconds * 1000;
    const step = (options.windowSeconds * 1000) / options.deliveries;
    const due = Array.from({ length: options.deliveries }, (_, i) => new Date(Math.round(first + i * step)));
    await seedDeliveries(seeded, due, benchText).finally(() => seeded.close());
    const lead = (first - Date.now()) / 1000;
    if (lead < options.leadSeconds / 2) throw new Error(`seeding took too long: only ${lead.toFixed(1)} s were left before the first due time`);
    await sleep(first - Date.now());
    const all = await until(() => mastodon.posts.length >= options.deliveries, { timeoutMs: options.windowSeconds * 1000 + 120_000, everyMs: 200 });
    await sleep(1_000); // a duplicate would show up now
    const received = creates(mastodon);
    const lateness = received.map((c) => c.receivedMs - c.dueMs).sort((a, b) => a - b);
    const lastMs = Math.max(...received.map((c) => c.receivedMs));
    return {
      // Deliveries per second from the first due time to the last create: the rate the burst was cleared at.
      perSecond: received.length / ((lastMs - first) / 1000),
      delivered: received.length,
      complete: all,
      leadSeconds: lead,
      early: lateness.filter((ms) => ms < 0).length,
      duplicates: duplicates(mastodon),
      p50: percentile(lateness, 50),
      p99: percentile(lateness, 99),
      max: lateness[lateness.length - 1] ?? Number.NaN,
    };
  } finally {
    await Promise.all(apps.map((a) => a.stop()));
    await mastodon.stop();
  }
}
