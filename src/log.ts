import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { pino, type DestinationStream, type Logger } from 'pino';

/**
 * Every path where a secret can sit in a log object. pino's redaction works by path, so secrets are
 * kept under these names throughout the code base (never under a free-form key).
 */
export const REDACTED_PATHS = [
  'token',
  'accessToken',
  'refreshToken',
  'access_token',
  'refresh_token',
  'botToken',
  'appToken',
  'signingSecret',
  'clientSecret',
  'stateSecret',
  'password',
  'authorization',
  'credentials',
  'code_verifier',
  'client_secret',
  'secret',
  'accessJwt',
  'refreshJwt',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.access_token',
  '*.refresh_token',
  '*.botToken',
  '*.appToken',
  '*.signingSecret',
  '*.clientSecret',
  '*.stateSecret',
  '*.password',
  '*.authorization',
  '*.credentials',
  '*.client_secret',
  '*.secret',
  '*.accessJwt',
  '*.refreshJwt',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers["x-slack-signature"]',
  'req.headers["x-signature-ed25519"]',
  'config.slack.botToken',
  'config.slack.appToken',
  'config.slack.signingSecret',
  'config.discord.botToken',
  // A DATABASE_URL may carry the database password.
  'config.database.url',
  'config.slack.clientSecret',
  'config.slack.stateSecret',
  'config.encryption',
  'config.stateSecret',
  'config.oauth.*.client',
];

/**
 * What the current request or job is about (requestId; jobId, queue; postId, deliveryId), added to every
 * log line written while handling it, however deep, without passing a child logger down the calls.
 * Only ids: never a value that could hold a secret.
 */
export interface LogContext {
  requestId?: string;
  jobId?: string;
  queue?: string;
  postId?: string;
  deliveryId?: string;
  webhookDeliveryId?: string;
}

const logContext = new AsyncLocalStorage<LogContext>();

/**
 * Runs `fn` with these ids on every line it logs, and on those of anything it awaits. Only these: a job
 * sent while a request was handled is not that request.
 */
export function withLogContext<T>(fields: LogContext, fn: () => T): T {
  return logContext.run({ ...fields }, fn);
}

/** Runs `fn` with no ids: work done for many jobs at once (a batch) names its own on each line. */
export function withoutLogContext<T>(fn: () => T): T {
  return logContext.exit(fn);
}

/** Runs `fn` as one request: under the caller's request id if there is one, else a new one. */
export function inRequest<T>(fn: () => T, requestId?: string): T {
  const current = logContext.getStore()?.requestId;
  if (current && !requestId) return fn();
  return withLogContext({ requestId: requestId ?? randomUUID() }, fn);
}

/** Adds ids learnt midway (the post a button names) to the rest of the current request or job. */
export function addLogContext(fields: LogContext): void {
  const store = logContext.getStore();
  if (store) Object.assign(store, fields);
}

export function currentLogContext(): LogContext {
  return { ...logContext.getStore() };
}

/** `destination` (default stdout) lets a test read every line written. */
export function createLogger(options: { level: string; pretty?: boolean } = { level: 'info' }, destination?: DestinationStream): Logger {
  const settings = {
    level: options.level,
    base: { service: 'greenlight' },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    mixin: () => logContext.getStore() ?? {},
  };
  return destination ? pino(settings, destination) : pino(settings);
}

/** The service's log format: the setting (LOG_FORMAT) if given, else readable on a terminal and JSON for machines. */
export function logFormat(setting: 'pretty' | 'json' | undefined, stdoutIsTTY: boolean): 'pretty' | 'json' {
  return setting ?? (stdoutIsTTY ? 'pretty' : 'json');
}

/**
 * Readable log lines on stdout (pino-pretty: well kept, from pino's own authors). Imported only when
 * used, so a service logging JSON never loads it (the idle memory budget, docs/benchmarks.md).
 * Synchronous, so the last lines before an exit are written.
 */
export async function prettyDestination(colorize = Boolean(process.stdout.isTTY)): Promise<DestinationStream> {
  const { default: pretty } = await import('pino-pretty');
  return pretty({ colorize, sync: true, destination: 1, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' });
}

export type { Logger };
