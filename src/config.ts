import { z } from 'zod';

/**
 * Configuration comes from the environment only. It is parsed once at start: every bad variable is
 * reported on its own line with what it expects, and the process stops before doing anything else.
 */
const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const port = z.coerce.number().int().min(0).max(65535);

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().default('0.0.0.0'),
  PORT: port.default(3000),
  PUBLIC_URL: z.url({ message: 'expected an absolute URL such as https://greenlight.example.com' }).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'expected a postgres:// connection URL')
    .optional(),
  GREENLIGHT_DATA_DIR: z.string().default('.greenlight'),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(2).max(200).default(10),

  ENCRYPTION_KEYS: optionalString,
  ENCRYPTION_PRIMARY_KEY_ID: optionalString,
  STATE_SECRET: z.string().min(32, 'expected at least 32 characters').optional(),

  SLACK_SIGNING_SECRET: optionalString,
  SLACK_BOT_TOKEN: optionalString,
  SLACK_APP_TOKEN: optionalString,
  SLACK_API_URL: z.url().default('https://slack.com/api/'),

  PUBLISH_CONCURRENCY: z.coerce.number().int().min(1).max(500).default(50),
  PUBLISH_RETRIES: z.coerce.number().int().min(0).max(10).default(3),
  NETWORK_TIMEOUT_MS: z.coerce.number().int().min(500).max(120_000).default(30_000),
  X_API_URL: z.url().default('https://api.x.com'),
});

export type Env = z.input<typeof schema>;

export interface Config {
  env: 'development' | 'production' | 'test';
  http: { host: string; port: number; publicUrl: string };
  logLevel: string;
  database: { url: string | undefined; poolSize: number };
  dataDir: string;
  /** Undefined in development until generated into the data dir (see secrets.ts). */
  encryption: { keys: string; primaryKeyId: string } | undefined;
  stateSecret: string | undefined;
  slack:
    | { mode: 'http'; signingSecret: string; botToken: string; apiUrl: string }
    | { mode: 'socket'; signingSecret: string | undefined; botToken: string; appToken: string; apiUrl: string }
    | undefined;
  publish: { concurrency: number; retries: number; networkTimeoutMs: number };
  networks: { xApiUrl: string };
}

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Greenlight cannot start: the configuration has ${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const e = parsed.data;
  const problems = crossCheck(e);
  if (problems.length > 0) throw new ConfigError(problems);

  return {
    env: e.NODE_ENV,
    http: { host: e.HOST, port: e.PORT, publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, '') },
    logLevel: e.LOG_LEVEL,
    database: { url: e.DATABASE_URL, poolSize: e.DATABASE_POOL_SIZE },
    dataDir: e.GREENLIGHT_DATA_DIR,
    encryption: e.ENCRYPTION_KEYS && e.ENCRYPTION_PRIMARY_KEY_ID ? { keys: e.ENCRYPTION_KEYS, primaryKeyId: e.ENCRYPTION_PRIMARY_KEY_ID } : undefined,
    stateSecret: e.STATE_SECRET,
    slack: slackConfig(e),
    publish: { concurrency: e.PUBLISH_CONCURRENCY, retries: e.PUBLISH_RETRIES, networkTimeoutMs: e.NETWORK_TIMEOUT_MS },
    networks: { xApiUrl: e.X_API_URL },
  };
}

type Parsed = z.output<typeof schema>;

function crossCheck(e: Parsed): string[] {
  const problems: string[] = [];
  if (Boolean(e.ENCRYPTION_KEYS) !== Boolean(e.ENCRYPTION_PRIMARY_KEY_ID)) {
    problems.push('ENCRYPTION_KEYS and ENCRYPTION_PRIMARY_KEY_ID: set both or neither');
  }
  if (e.NODE_ENV === 'production') {
    if (!e.DATABASE_URL) problems.push('DATABASE_URL: required in production (the embedded database is for laptops and demos)');
    if (!e.ENCRYPTION_KEYS) problems.push('ENCRYPTION_KEYS: required in production (generate one with `npx greenlight keys generate`)');
    if (!e.STATE_SECRET) problems.push('STATE_SECRET: required in production (at least 32 random characters)');
    if (!e.PUBLIC_URL) problems.push('PUBLIC_URL: required in production (the address Slack, Discord and OAuth callbacks reach)');
  }
  if (e.SLACK_BOT_TOKEN && !e.SLACK_SIGNING_SECRET && !e.SLACK_APP_TOKEN) {
    problems.push('SLACK_SIGNING_SECRET: required with SLACK_BOT_TOKEN in HTTP mode (or set SLACK_APP_TOKEN for Socket Mode)');
  }
  if ((e.SLACK_SIGNING_SECRET || e.SLACK_APP_TOKEN) && !e.SLACK_BOT_TOKEN) {
    problems.push('SLACK_BOT_TOKEN: required when Slack is configured (the xoxb- token from "OAuth & Permissions")');
  }
  if (e.SLACK_BOT_TOKEN && !e.SLACK_BOT_TOKEN.startsWith('xoxb-')) {
    problems.push('SLACK_BOT_TOKEN: expected a bot token starting with xoxb-');
  }
  if (e.SLACK_APP_TOKEN && !e.SLACK_APP_TOKEN.startsWith('xapp-')) {
    problems.push('SLACK_APP_TOKEN: expected an app-level token starting with xapp- (Socket Mode)');
  }
  return problems;
}

function slackConfig(e: Parsed): Config['slack'] {
  if (!e.SLACK_BOT_TOKEN) return undefined;
  if (e.SLACK_APP_TOKEN) {
    return { mode: 'socket', signingSecret: e.SLACK_SIGNING_SECRET, botToken: e.SLACK_BOT_TOKEN, appToken: e.SLACK_APP_TOKEN, apiUrl: e.SLACK_API_URL };
  }
  return { mode: 'http', signingSecret: e.SLACK_SIGNING_SECRET!, botToken: e.SLACK_BOT_TOKEN, apiUrl: e.SLACK_API_URL };
}
