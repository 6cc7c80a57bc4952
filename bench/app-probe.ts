/**
 * Loaded into the app under test with `--import` when BENCH_APP_PROBE=<file> (bench/harness.ts
 * spawnGreenlight): once a second it appends one line to the file with the event loop's delay
 * (perf_hooks.monitorEventLoopDelay) and how long pg pool checkouts waited in that second. Measurement
 * only: it wraps pg.Pool#connect, and changes nothing else in the app.
 */
import { appendFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const file = process.env.BENCH_APP_PROBE!;
const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();
// Waits per pool (the app's own and pg-boss's), by the order the pools were first used.
const waits = new Map<unknown, { name: string; waits: number[] }>();
const waitsOf = (pool: unknown) => {
  let entry = waits.get(pool);
  if (!entry) {
    entry = { name: `pool ${waits.size + 1} (max ${(pool as { options?: { max?: number } }).options?.max ?? '?'})`, waits: [] };
    waits.set(pool, entry);
  }
  return entry.waits;
};

// Resolved from the app's directory (BENCH_APP_DIR may be another checkout), so this is the app's own pg.
const pg = createRequire(join(process.cwd(), 'package.json'))('pg') as { Pool: { prototype: { connect: (...args: unknown[]) => unknown } } };
const connect = pg.Pool.prototype.connect;
pg.Pool.prototype.connect = function (this: unknown, ...args: unknown[]) {
  const started = performance.now();
  const list = waitsOf(this);
  if (typeof args[0] === 'function') {
    const callback = args[0] as (...r: unknown[]) => void;
    return connect.call(this, (...r: unknown[]) => {
      list.push(performance.now() - started);
      callback(...r);
    });
  }
  const result = connect.apply(this, args) as Promise<unknown>;
  void result.then(
    () => list.push(performance.now() - started),
    () => undefined,
  );
  return result;
};

const q = (values: number[], share: number) => (values.length ? values[Math.min(values.length - 1, Math.floor(share * values.length))]!.toFixed(1) : '-');
setInterval(() => {
  const pools = [...waits.values()].map(({ name, waits: list }) => {
    const sorted = list.sort((a, b) => a - b);
    return `${name} checkouts ${sorted.length} wait p50 ${q(sorted, 0.5)} p99 ${q(sorted, 0.99)} max ${q(sorted, 1)} ms`;
  });
  const line = [
    new Date().toISOString(),
    `loop p50 ${(loop.percentile(50) / 1e6).toFixed(1)} p99 ${(loop.percentile(99) / 1e6).toFixed(1)} max ${(loop.max / 1e6).toFixed(1)} ms`,
    ...pools,
  ].join(' | ');
  appendFileSync(file, `${line}\n`);
  loop.reset();
  for (const entry of waits.values()) entry.waits.length = 0;
}, 1000).unref();
