import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../config/load.ts';
import { setOutboundPolicy } from '../networks/outbound.ts';
import { parseKeyring, TokenCipher } from '../crypto/token-cipher.ts';
import { createDb, describeDatabase, type Db } from '../db/database.ts';
import { mediaBytesFor } from '../db/media-bytes-s3.ts';
import type { MediaBytes } from '../db/media-store.ts';
import { findRunningEmbeddedPostgres, hasEmbeddedPostgres, startEmbeddedPostgres } from '../db/embedded-postgres.ts';
import { loadOrCreateDevSecrets } from '../config/dev-secrets.ts';
import { createLogger, type Logger } from '../log.ts';
import { createMetrics } from '../metrics.ts';
import type { NetworkAdapter } from '../networks/adapter.ts';
import type { Network } from '../domain/networks.ts';
import { createQueue, type Queue } from '../queue/queue.ts';
import { cliOperator, type Operator } from '../workflow/actor.ts';
import type { WorkflowDeps } from '../workflow/deps.ts';
import { CliError } from './args.ts';
import { errorText } from './output.ts';
import { ping } from '../db/health.ts';

/**
 * What a CLI command works with: the server's configuration and database, and on demand its keys and
 * queue. The database is DATABASE_URL; when that is unset, the embedded one in GREENLIGHT_DATA_DIR (the one
 * a running `npm start` uses, or started for the command when it is not running).
 */
export interface Runtime {
  config: Config;
  log: Logger;
  db: Db;
  /** Where media bytes live (MEDIA_STORE), as the service has it. */
  mediaBytes: MediaBytes;
  /** Where the database is, without a password. */
  database: string;
  cipher(): Promise<TokenCipher>;
  /** The workflow's dependencies, with the queue started (to enqueue publish and receipt jobs). */
  deps(): Promise<WorkflowDeps>;
  operator: Operator;
  close(): Promise<void>;
}

export const NO_DATABASE =
  "DATABASE_URL is not set. The CLI works on the server's database: set DATABASE_URL to the one the service uses (or run it where GREENLIGHT_DATA_DIR holds the embedded database of `npm start`).";

export function cliConfig(env: Record<string, string | undefined> = process.env): Config {
  return loadConfig(env);
}

export function cliLogger(config: Config): Logger {
  // The CLI says what happened itself; the service's log lines only when LOG_LEVEL asks for more than the default.
  return createLogger({ level: config.logLevel === 'info' ? 'error' : config.logLevel }, process.stderr);
}

interface Target {
  url: string;
  label: string;
  stop?: () => Promise<void>;
}

/** `create`: start (and on first use create) the embedded database when nothing else is there (`migrate`). */
export async function resolveDatabase(config: Config, log: Logger, create = false): Promise<Target> {
  if (config.database.url) return { url: config.database.url, label: describeDatabase(config.database.url, false) };
  const running = await findRunningEmbeddedPostgres(config.dataDir);
  if (running) return { url: running.url, label: `${describeDatabase(running.url, true)} (the running service's)` };
  if (!create && !hasEmbeddedPostgres(config.dataDir)) throw new CliError(NO_DATABASE, 2);
  const embedded = await startEmbeddedPostgres({ dataDir: config.dataDir, log });
  return { url: embedded.url, label: describeDatabase(embedded.url, true), stop: () => embedded.stop() };
}

export async function loadCipher(config: Config): Promise<TokenCipher | undefined> {
  if (config.encryption) return new TokenCipher(parseKeyring(config.encryption.keys, config.encryption.primaryKeyId));
  if (!existsSync(path.resolve(config.dataDir, 'secrets.json'))) return undefined;
  const { secrets } = await loadOrCreateDevSecrets(config.dataDir);
  return new TokenCipher(parseKeyring(secrets.encryptionKeys, secrets.primaryKeyId));
}

export async function openRuntime(config: Config, options: { create?: boolean } = {}): Promise<Runtime> {
  setOutboundPolicy(config.outbound);
  const log = cliLogger(config);
  const target = await resolveDatabase(config, log, options.create);
  const { db } = createDb({ url: target.url, poolSize: 3, applicationName: 'greenlight-cli' });
  const stops: (() => Promise<void>)[] = [() => db.destroy(), ...(target.stop ? [target.stop] : [])];
  const close = async () => {
    for (const stop of stops.splice(0)) await stop().catch(() => {});
  };
  try {
    await ping(db);
  } catch (error) {
    await close();
    throw new CliError(`cannot reach ${target.label}: ${errorText(error)}`);
  }
  let queue: Queue | undefined;
  const mediaBytes = mediaBytesFor(config.media.store);
  const cipher = async () => {
    const found = await loadCipher(config);
    if (!found) throw new CliError("no encryption keys: set ENCRYPTION_KEYS and ENCRYPTION_PRIMARY_KEY_ID to the server's", 2);
    return found;
  };
  const deps = async (): Promise<WorkflowDeps> => {
    if (!queue) {
      queue = createQueue({ url: target.url, log, poolSize: 2 });
      await queue.start();
      stops.unshift(() => queue!.stop({ graceful: false }));
    }
    return { ...workflowDeps(config, log, db, queue, await cipher(), await adaptersFor(config)), mediaBytes };
  };
  return { config, log, db, mediaBytes, database: target.label, cipher, deps, operator: cliOperator(osUser()), close };
}

export async function withRuntime<T>(config: Config, work: (rt: Runtime) => Promise<T>, options: { create?: boolean } = {}): Promise<T> {
  const rt = await openRuntime(config, options);
  try {
    return await work(rt);
  } finally {
    await rt.close();
  }
}

function workflowDeps(
  config: Config,
  log: Logger,
  db: Db,
  queue: Queue,
  cipher: TokenCipher,
  adapters: Partial<Record<Network, NetworkAdapter>>,
): WorkflowDeps {
  return {
    db,
    queue,
    cipher,
    log,
    metrics: createMetrics(),
    now: () => new Date(),
    adapters,
    // No chat edge: receipts of what the CLI does go out through the service's notify workers.
    chats: {},
    publicUrl: config.http.publicUrl,
    stateSecret: config.stateSecret,
    publish: {
      retries: config.publish.retries,
      baseMs: config.publish.retryBaseMs,
      maxMs: config.publish.retryMaxMs,
      stuckAfterMs: 2 * config.publish.networkTimeoutMs + 10_000,
    },
    postingLimits: config.publish.postingLimits,
  };
}

/** The service's adapters, loaded when needed: most commands never call a network. */
export async function adaptersFor(config: Config): Promise<Partial<Record<Network, NetworkAdapter>>> {
  const { defaultAdapters } = await import('../networks/build-adapters.ts');
  return defaultAdapters(config);
}

/** The operator's name on this machine, for the event log (`cli:<name>`). */
function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.LOGNAME ?? `uid${process.getuid?.() ?? ''}`;
  }
}
