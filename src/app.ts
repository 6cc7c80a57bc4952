import type { Server } from 'node:http';
import type { Config } from './config.ts';
import { parseKeyring, TokenCipher } from './crypto/token-cipher.ts';
import { createDb, type Db } from './db/database.ts';
import { startEmbeddedPostgres, type RunningEmbeddedPostgres } from './db/embedded-postgres.ts';
import { migrateToLatest } from './db/migrate.ts';
import { loadOrCreateDevSecrets } from './dev-secrets.ts';
import { createHttpServer, listen, type Mount } from './http/server.ts';
import type { Logger } from './log.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { createQueue, type Queue } from './queue/queue.ts';

/**
 * The composition root: everything Greenlight runs, started in order and stopped in reverse.
 * `npm start`, the demo and the end-to-end tests all start the service through here.
 */
export interface Greenlight {
  url: string;
  port: number;
  databaseUrl: string;
  db: Db;
  queue: Queue;
  metrics: Metrics;
  cipher: TokenCipher;
  stop(): Promise<void>;
}

export interface StartOptions {
  config: Config;
  log: Logger;
  /** Extra HTTP mounts and background workers, added by the chat edges and the delivery engine. */
  extensions?: Extension[];
}

export interface ExtensionContext {
  config: Config;
  log: Logger;
  db: Db;
  queue: Queue;
  metrics: Metrics;
  cipher: TokenCipher;
}

export interface Extension {
  name: string;
  start(context: ExtensionContext): Promise<{ mounts?: Mount[]; stop?: () => Promise<void> }>;
}

export async function startGreenlight({ config, log, extensions = [] }: StartOptions): Promise<Greenlight> {
  const stack: { name: string; stop: () => Promise<void> }[] = [];
  const stopAll = async () => {
    for (const item of stack.reverse()) {
      await item.stop().catch((error: unknown) => log.error({ err: error }, `stopping ${item.name} failed`));
    }
    stack.length = 0;
  };
  try {
    let ready = false;
    const databaseUrl = await resolveDatabase(config, log, stack);
    const { db } = createDb({ url: databaseUrl, poolSize: config.database.poolSize });
    stack.push({ name: 'database pool', stop: () => db.destroy() });
    await migrateToLatest(db);
    const queue = createQueue({ url: databaseUrl, log });
    await queue.start();
    stack.push({ name: 'queue', stop: () => queue.stop({ graceful: true, timeoutMs: 15_000 }) });
    const cipher = await createCipher(config, log);
    const metrics = createMetrics();

    const context: ExtensionContext = { config, log, db, queue, metrics, cipher };
    const mounts: Mount[] = [];
    for (const extension of extensions) {
      const started = await extension.start(context);
      mounts.push(...(started.mounts ?? []));
      if (started.stop) stack.push({ name: extension.name, stop: started.stop });
    }

    const server = createHttpServer({ db, queue, metrics, log, isReady: () => ready }, mounts);
    const port = await listen(server, config.http.port, config.http.host);
    stack.push({ name: 'http server', stop: () => closeServer(server) });
    ready = true;
    const url = `http://${config.http.host === '0.0.0.0' ? '127.0.0.1' : config.http.host}:${port}`;
    return { url, port, databaseUrl, db, queue, metrics, cipher, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

async function resolveDatabase(config: Config, log: Logger, stack: { name: string; stop: () => Promise<void> }[]): Promise<string> {
  if (config.database.url) return config.database.url;
  const embedded: RunningEmbeddedPostgres = await startEmbeddedPostgres({ dataDir: config.dataDir, log });
  stack.push({ name: 'embedded postgres', stop: () => embedded.stop() });
  return embedded.url;
}

async function createCipher(config: Config, log: Logger): Promise<TokenCipher> {
  if (config.encryption) return new TokenCipher(parseKeyring(config.encryption.keys, config.encryption.primaryKeyId));
  const { secrets, created } = await loadOrCreateDevSecrets(config.dataDir);
  if (created) log.warn({ dataDir: config.dataDir }, 'generated a development encryption key and state secret in the data directory; set ENCRYPTION_KEYS and STATE_SECRET in production');
  config.stateSecret ??= secrets.stateSecret;
  return new TokenCipher(parseKeyring(secrets.encryptionKeys, secrets.primaryKeyId));
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    // Keep-alive sockets would hold close() open until they time out.
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), 5_000).unref();
  });
}

/** A safe description of the database for the start-up line: never the password. */
export function describeDatabase(url: string, embedded: boolean): string {
  const parsed = new URL(url);
  return `${embedded ? 'embedded PostgreSQL' : 'PostgreSQL'} at ${parsed.hostname}:${parsed.port || 5432}/${parsed.pathname.slice(1)}`;
}
