import { mkdtemp } from 'node:fs/promises';
import { chmod } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startGreenlight, type Greenlight } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { startEmbeddedPostgres, type RunningEmbeddedPostgres } from '../src/db/embedded-postgres.ts';
import { greenlightCore, type CoreOptions } from '../src/extensions.ts';
import { createLogger } from '../src/log.ts';

/**
 * A database server for a benchmark: DATABASE_URL's server, or an embedded one in a temporary
 * directory. Each scenario gets a database of its own on it.
 */
export async function benchDatabaseServer(): Promise<{ adminUrl: string; stop: () => Promise<void> }> {
  if (process.env.DATABASE_URL) return { adminUrl: process.env.DATABASE_URL, stop: async () => {} };
  const dir = await mkdtemp(path.join(os.tmpdir(), 'greenlight-bench-pg-'));
  await chmod(dir, 0o755);
  const embedded: RunningEmbeddedPostgres = await startEmbeddedPostgres({ dataDir: dir, log: createLogger({ level: 'warn' }), database: 'postgres' });
  return { adminUrl: embedded.url, stop: () => embedded.stop() };
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

export async function startBenchGreenlight(env: Record<string, string>, core: CoreOptions = {}): Promise<Greenlight> {
  const config = loadConfig({ NODE_ENV: 'test', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'silent', GREENLIGHT_DATA_DIR: '.greenlight/bench', ...env });
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
