import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startGreenlight, type Greenlight } from '../src/service/start-service.ts';
import { loadConfig } from '../src/config/load.ts';
import { findFreePort, startEmbeddedPostgres, type RunningEmbeddedPostgres } from '../src/db/embedded-postgres.ts';
import { greenlightCore, type CoreOptions } from '../src/service/wire-greenlight.ts';
import { createLogger } from '../src/log.ts';

/**
 * A database server for a benchmark: DATABASE_URL's server, or an embedded one in a temporary
 * directory. Each scenario gets a database of its own on it.
 */
export async function benchDatabaseServer(): Promise<{ adminUrl: string; stop: () => Promise<void> }> {
  if (process.env.DATABASE_URL) return { adminUrl: process.env.DATABASE_URL, stop: async () => {} };
  const dir = await mkdtemp(path.join(os.tmpdir(), 'greenlight-bench-pg-'));
  await chmod(dir, 0o755);
  const log = createLogger({ level: 'warn' });
  const first: RunningEmbeddedPostgres = await startEmbeddedPostgres({ dataDir: dir, log, database: 'postgres' });
  // pg_stat_statements (shipped with the embedded build) counts the statements per delivery
  // (bench/statements.ts); it loads only at server start, hence the restart.
  const client = new pg.Client({ connectionString: first.url });
  await client.connect();
  await client.query("ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'");
  // Planning time too (total_plan_time): short statements can cost more to plan than to run.
  await client.query('ALTER SYSTEM SET pg_stat_statements.track_planning = on');
  await client.end();
  await first.stop();
  const embedded: RunningEmbeddedPostgres = await startEmbeddedPostgres({ dataDir: dir, log, database: 'postgres' });
  const stop = async () => {
    await embedded.stop();
    // A bench's cluster holds every scenario's data (hundreds of MB with the media scenarios): not kept.
    await rm(dir, { recursive: true, force: true });
  };
  return { adminUrl: embedded.url, stop };
}

export async function freshDatabase(adminUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Drops a scenario's database (one holding large media is not left in the bench server). */
export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await client.end();
}

/** Loopback, where every emulator listens. */
export const EMULATOR_RANGES = '127.0.0.0/8,::1/128';

export async function startBenchGreenlight(env: Record<string, string>, core: CoreOptions = {}): Promise<Greenlight> {
  // The emulators listen on loopback: the outbound guard allows that range by name (OUTBOUND_ALLOW_PRIVATE).
  const config = loadConfig({
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'silent',
    GREENLIGHT_DATA_DIR: '.greenlight/bench',
    OUTBOUND_ALLOW_PRIVATE: EMULATOR_RANGES,
    ...env,
  });
  return startGreenlight({ config, log: createLogger({ level: config.logLevel }), extensions: [greenlightCore(config, core)] });
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return percentile(sorted, 50);
}

/** Sends `total` requests at a steady `perSecond`, without waiting for answers before sending the next. */
export async function atRate<T>(total: number, perSecond: number, send: (i: number) => Promise<T>): Promise<T[]> {
  const started = performance.now();
  const pending: Promise<T>[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / perSecond;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    pending.push(send(i));
  }
  return Promise.all(pending);
}

export interface AppProcess {
  child: ChildProcess;
  pid: number;
  url: string;
  /** SIGTERM and wait for the exit (a clean stop writes the CPU profile, when asked for). */
  stop(): Promise<void>;
}

/**
 * Greenlight as its own process (`node src/main.ts` as `npm start` runs it, or `entry`, the built
 * `dist/src/main.js` as the Docker image runs it), so the load generator and
 * the emulators never share an event loop with the app. `BENCH_CPU_PROF=<dir>` profiles it, `BENCH_APP_PROBE=<file>`
 * logs its event-loop delay and pool waits each second;
 * `BENCH_APP_DIR=<checkout>` runs another checkout's Greenlight (before/after comparisons).
 */
export async function spawnGreenlight(env: Record<string, string>, entry = 'src/main.ts'): Promise<AppProcess> {
  const port = await findFreePort();
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  // BENCH_APP_PROBE=<file>: the app's event-loop delay and pg pool waits, a line a second (bench/app-probe.ts).
  if (process.env.BENCH_APP_PROBE) profile.push('--import', fileURLToPath(new URL('app-probe.ts', import.meta.url)));
  // The flag `npm start` and the Docker image pass (a 4 MB young generation; docs/benchmarks.md).
  const child = spawn(process.execPath, ['--max-semi-space-size=4', ...profile, entry], {
    cwd: process.env.BENCH_APP_DIR ?? fileURLToPath(new URL('..', import.meta.url)),
    env: {
      ...process.env,
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'error',
      STATE_SECRET: 'b'.repeat(40),
      OUTBOUND_ALLOW_PRIVATE: EMULATOR_RANGES,
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const exited = once(child, 'exit');
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  try {
    await waitReady(`${url}/readyz`, child);
  } catch (error) {
    await stop();
    throw error;
  }
  return { child, pid: child.pid!, url, stop };
}

export async function waitReady(url: string, child?: ChildProcess): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (child && child.exitCode !== null) throw new Error(`Greenlight exited with code ${child.exitCode} before it was ready`);
    const ok = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`Greenlight did not become ready at ${url}`);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Resolves once `done()` holds, checking every `everyMs`; false if `timeoutMs` passed first. */
export async function until(done: () => boolean, options: { timeoutMs: number; everyMs?: number }): Promise<boolean> {
  const deadline = Date.now() + options.timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) return false;
    await sleep(options.everyMs ?? 50);
  }
  return true;
}

/**
 * CPU time in ms of a process (user + system), from /proc/<pid>/stat; with `reaped`, also of its
 * children that have exited (Postgres backends of closed connections end up there).
 */
export function cpuMs(pid: number, reaped = false): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8')
      .replace(/^.*\) /, '')
      .split(' ');
    // After "pid (comm) ": state is field 3, so utime (14) is at index 11 and cstime (17) at 14.
    const ticks = Number(fields[11]) + Number(fields[12]) + (reaped ? Number(fields[13]) + Number(fields[14]) : 0);
    return ticks * (1000 / CLOCK_TICKS);
  } catch {
    return 0; // gone
  }
}
const CLOCK_TICKS = 100;

/** All CPU the PostgreSQL server behind `url` has used so far: the postmaster, live backends, exited ones. */
export async function postgresCpu(url: string): Promise<() => number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const { rows } = await client.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE backend_type = 'checkpointer'");
  await client.end();
  const checkpointer = rows[0]?.pid;
  if (!checkpointer) return () => Number.NaN;
  const postmaster = Number(
    readFileSync(`/proc/${checkpointer}/stat`, 'utf8')
      .replace(/^.*\) /, '')
      .split(' ')[1],
  );
  return () => {
    let total = cpuMs(postmaster, true);
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const ppid = Number(
          readFileSync(`/proc/${entry}/stat`, 'utf8')
            .replace(/^.*\) /, '')
            .split(' ')[1],
        );
        if (ppid === postmaster) total += cpuMs(Number(entry));
      } catch {
        // exited meanwhile
      }
    }
    return total;
  };
}
