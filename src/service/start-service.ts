import { mediaBytesFor } from '../db/media-bytes-s3.ts';
import type { MediaBytes } from '../db/media-store.ts';
import type { Server } from 'node:http';
import type { Config } from '../config/load.ts';
import { parseKeyring, TokenCipher } from '../crypto/token-cipher.ts';
import { createDb, type Db } from '../db/database.ts';
import type { RunningEmbeddedPostgres } from '../db/embedded-postgres.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { loadOrCreateDevSecrets } from '../config/dev-secrets.ts';
import { createHttpServer, listen, type Mount, type Phase, type Services } from '../http/server.ts';
import type { Logger } from '../log.ts';
import { createMetrics, type Metrics } from '../metrics.ts';
import { setOutboundPolicy } from '../networks/outbound.ts';
import { createQueue, type Queue } from '../queue/queue.ts';

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
  /**
   * The chat interactions' own connections (DATABASE_CHAT_POOL_SIZE): Slack and Discord wait 3 s for
   * an answer, and a form's answer carries its field errors, so it is made after database work. That
   * work must not wait for a connection behind background jobs (cards, media copies, publishing).
   */
  chatDb: Db;
  queue: Queue;
  metrics: Metrics;
  cipher: TokenCipher;
  /** Where media bytes live (MEDIA_STORE), made once here for every part of the service. */
  mediaBytes: MediaBytes;
}

export interface Extension {
  name: string;
  start(context: ExtensionContext): Promise<{ mounts?: Mount[]; stop?: () => Promise<void> }>;
}

export async function startGreenlight({ config, log, extensions = [] }: StartOptions): Promise<Greenlight> {
  // Every request to an address a user typed is checked against this (src/networks/outbound.ts).
  setOutboundPolicy(config.outbound);
  const stack: { name: string; stop: () => Promise<void> }[] = [];
  const stopAll = async () => {
    for (const item of stack.reverse()) {
      await item.stop().catch((error: unknown) => log.error({ err: error }, `stopping ${item.name} failed`));
    }
    stack.length = 0;
  };
  try {
    let phase: Phase = 'starting';
    let services: Services | undefined;
    // Listening first: /readyz answers 503 (not a refused connection) while the database starts and migrates.
    const server = createHttpServer({ log, phase: () => phase, services: () => services, metricsToken: config.http.metricsToken });
    const port = await listen(server, config.http.port, config.http.host);
    const closeHttp = onlyOnce(() => closeServer(server));
    stack.push({ name: 'http server', stop: closeHttp });
    const url = `http://${config.http.host === '0.0.0.0' ? '127.0.0.1' : config.http.host}:${port}`;
    log.info({ url }, 'HTTP server up; /readyz answers 503 until migrations and the queue are ready');

    const databaseUrl = await resolveDatabase(config, log, stack);
    const { db } = createDb({ url: databaseUrl, poolSize: config.database.poolSize });
    stack.push({ name: 'database pool', stop: () => db.destroy() });
    // Connections open on first use and close after 10 s idle: an idle process holds none of these.
    const { db: chatDb } = createDb({ url: databaseUrl, poolSize: config.database.chatPoolSize, applicationName: 'greenlight-chat' });
    stack.push({ name: 'chat database pool', stop: () => chatDb.destroy() });
    await migrateToLatest(db);
    const queue = createQueue({ url: databaseUrl, log, pollingIntervalSeconds: config.queue.pollSeconds });
    await queue.start();
    // A delivery's network call can take NETWORK_TIMEOUT_MS: the drain gives the call in hand that long
    // (plus a margin) to finish. One still running after that is failed back to pg-boss and its
    // delivery recovered and reconciled by the sweeper, so a cut-short drain loses or doubles nothing.
    const drain = onlyOnce(() => queue.stop({ graceful: true, timeoutMs: config.publish.networkTimeoutMs + 5_000 }));
    stack.push({ name: 'queue', stop: drain });
    const cipher = await createCipher(config, log);
    const metrics = createMetrics();

    const context: ExtensionContext = { config, log, db, chatDb, queue, metrics, cipher, mediaBytes: mediaBytesFor(config.media.store) };
    const mounts: Mount[] = [];
    for (const extension of extensions) {
      const started = await extension.start(context);
      mounts.push(...(started.mounts ?? []));
      if (started.stop) stack.push({ name: extension.name, stop: started.stop });
    }

    services = { db, queue, metrics, mounts };
    phase = 'ready';
    // Not ready from the first moment of shutdown, so the load balancer stops sending work here; HTTP is
    // still served while the workers drain (interactions are quick), then it closes, then the rest stops.
    const stop = async () => {
      phase = 'stopping';
      queue.beginShutdown();
      await drain().catch((error: unknown) => log.error({ err: error }, 'draining the queue failed'));
      await closeHttp();
      await stopAll();
    };
    return { url, port, databaseUrl, db, queue, metrics, cipher, stop };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

async function resolveDatabase(config: Config, log: Logger, stack: { name: string; stop: () => Promise<void> }[]): Promise<string> {
  if (config.database.url) return config.database.url;
  // Imported only when used: the package and its binaries' paths are not needed with DATABASE_URL.
  const { startEmbeddedPostgres } = await import('../db/embedded-postgres.ts');
  const embedded: RunningEmbeddedPostgres = await startEmbeddedPostgres({ dataDir: config.dataDir, log });
  stack.push({ name: 'embedded postgres', stop: () => embedded.stop() });
  return embedded.url;
}

async function createCipher(config: Config, log: Logger): Promise<TokenCipher> {
  if (config.encryption) return new TokenCipher(parseKeyring(config.encryption.keys, config.encryption.primaryKeyId));
  const { secrets, created } = await loadOrCreateDevSecrets(config.dataDir);
  if (created)
    log.warn(
      { dataDir: config.dataDir },
      'generated a development encryption key and state secret in the data directory; set ENCRYPTION_KEYS and STATE_SECRET in production',
    );
  config.stateSecret ??= secrets.stateSecret;
  return new TokenCipher(parseKeyring(secrets.encryptionKeys, secrets.primaryKeyId));
}

/** A stop step run from two places (the shutdown order and the stack) runs once. */
function onlyOnce(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => (running ??= fn());
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    // Keep-alive sockets would hold close() open until they time out.
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), 5_000).unref();
  });
}
