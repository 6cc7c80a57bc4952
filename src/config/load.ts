import { z } from 'zod';
import { NETWORKS } from '../domain/networks.ts';
import { parsePostingLimits, type PostingLimits } from '../domain/rate-limits.ts';
import { slackAuthProblems, slackConfig } from './slack.ts';

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
  // Multi-workspace: workspaces install the app through /slack/install (OAuth v2) instead of one bot token.
  SLACK_CLIENT_ID: optionalString,
  SLACK_CLIENT_SECRET: optionalString,
  SLACK_STATE_SECRET: z.string().min(32, 'expected at least 32 characters').optional(),
  SLACK_ALLOWED_TEAMS: optionalString,
  SLACK_API_URL: z.url().default('https://slack.com/api/'),

  DISCORD_BOT_TOKEN: optionalString,
  DISCORD_APPLICATION_ID: optionalString,
  DISCORD_PUBLIC_KEY: optionalString,
  DISCORD_MODE: z.enum(['http', 'gateway']).optional(),
  DISCORD_API_URL: z.url().default('https://discord.com/api'),

  PUBLISH_CONCURRENCY: z.coerce.number().int().min(1).max(500).default(50),
  QUEUE_POLL_SECONDS: z.coerce.number().min(0.5).max(60).default(5),
  PUBLISH_RETRIES: z.coerce.number().int().min(0).max(10).default(3),
  NETWORK_TIMEOUT_MS: z.coerce.number().int().min(500).max(120_000).default(30_000),
  PUBLISH_RETRY_BASE_MS: z.coerce.number().int().min(10).max(600_000).default(2_000),
  PUBLISH_RETRY_MAX_MS: z.coerce.number().int().min(10).max(86_400_000).default(600_000),
  // Per-account posting limits where they differ from the documented ones (src/domain/rate-limits.ts).
  POSTING_LIMITS: z
    .string()
    .default('')
    .transform((text, ctx) => {
      const parsed = parsePostingLimits(text, NETWORKS);
      if (parsed.ok) return parsed.limits;
      ctx.addIssue({ code: 'custom', message: parsed.problem });
      return z.NEVER;
    }),
  X_API_URL: z.url().default('https://api.x.com'),

  // OAuth apps, one per network (a network without client credentials cannot be connected).
  X_CLIENT_ID: optionalString,
  X_CLIENT_SECRET: optionalString,
  X_AUTH_URL: z.url().default('https://x.com/i/oauth2/authorize'),
  LINKEDIN_CLIENT_ID: optionalString,
  LINKEDIN_CLIENT_SECRET: optionalString,
  LINKEDIN_AUTH_URL: z.url().default('https://www.linkedin.com/oauth/v2'),
  LINKEDIN_API_URL: z.url().default('https://api.linkedin.com'),
  THREADS_CLIENT_ID: optionalString,
  THREADS_CLIENT_SECRET: optionalString,
  THREADS_AUTH_URL: z.url().default('https://threads.net/oauth/authorize'),
  THREADS_API_URL: z.url().default('https://graph.threads.net'),
  FACEBOOK_CLIENT_ID: optionalString,
  FACEBOOK_CLIENT_SECRET: optionalString,
  FACEBOOK_AUTH_URL: z.url().default('https://www.facebook.com/v24.0/dialog/oauth'),
  FACEBOOK_API_URL: z.url().default('https://graph.facebook.com'),
  BLUESKY_SERVICE_URL: z.url().default('https://bsky.social'),
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
    /** HTTP mode where each workspace installs the app by OAuth; its bot token comes from the installation store. */
    | { mode: 'oauth'; signingSecret: string; clientId: string; clientSecret: string; stateSecret: string | undefined; allowedTeams: string[] | undefined; apiUrl: string }
    | undefined;
  discord:
    | { mode: 'http'; botToken: string; applicationId: string; publicKey: string; apiUrl: string }
    | { mode: 'gateway'; botToken: string; applicationId: string; publicKey: string | undefined; apiUrl: string }
    | undefined;
  publish: { concurrency: number; retries: number; networkTimeoutMs: number; retryBaseMs: number; retryMaxMs: number; postingLimits: PostingLimits };
  /** How often idle queue workers poll (deliveries are woken at their due time regardless). */
  queue: { pollSeconds: number };
  networks: { xApiUrl: string };
  oauth: OAuthConfig;
}

/** An OAuth app's credentials; undefined until both variables are set. */
export type OAuthClientConfig = { clientId: string; clientSecret: string } | undefined;

export interface OAuthConfig {
  x: { client: OAuthClientConfig; authUrl: string; apiUrl: string };
  /** `authUrl` is the OAuth base: /authorization and /accessToken are under it. */
  linkedin: { client: OAuthClientConfig; authUrl: string; apiUrl: string };
  threads: { client: OAuthClientConfig; authUrl: string; apiUrl: string };
  /** Facebook Login, also for Instagram (Business accounts linked to a Page). */
  facebook: { client: OAuthClientConfig; authUrl: string; apiUrl: string };
  bluesky: { serviceUrl: string };
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
    discord: discordConfig(e),
    queue: { pollSeconds: e.QUEUE_POLL_SECONDS },
    publish: { concurrency: e.PUBLISH_CONCURRENCY, retries: e.PUBLISH_RETRIES, networkTimeoutMs: e.NETWORK_TIMEOUT_MS, retryBaseMs: e.PUBLISH_RETRY_BASE_MS, retryMaxMs: e.PUBLISH_RETRY_MAX_MS, postingLimits: e.POSTING_LIMITS },
    networks: { xApiUrl: e.X_API_URL },
    oauth: oauthConfig(e),
  };
}

export type Parsed = z.output<typeof schema>;

function crossCheck(e: Parsed): string[] {
  const problems: string[] = [];
  if (Boolean(e.ENCRYPTION_KEYS) !== Boolean(e.ENCRYPTION_PRIMARY_KEY_ID)) {
    problems.push('ENCRYPTION_KEYS and ENCRYPTION_PRIMARY_KEY_ID: set both or neither');
  }
  if (e.NODE_ENV === 'production') {
    if (!e.DATABASE_URL) problems.push('DATABASE_URL: required in production (the embedded database is for laptops and demos)');
    if (!e.ENCRYPTION_KEYS) problems.push('ENCRYPTION_KEYS: required in production (generate one with `npm run keys -- generate`)');
    if (!e.STATE_SECRET) problems.push('STATE_SECRET: required in production (at least 32 random characters)');
    if (!e.PUBLIC_URL) problems.push('PUBLIC_URL: required in production (the address Slack, Discord and OAuth callbacks reach)');
  }
  for (const prefix of OAUTH_PREFIXES) {
    if (Boolean(e[`${prefix}_CLIENT_ID`]) !== Boolean(e[`${prefix}_CLIENT_SECRET`])) {
      problems.push(`${prefix}_CLIENT_ID and ${prefix}_CLIENT_SECRET: set both or neither (from the network's developer app)`);
    }
  }
  problems.push(...slackAuthProblems(e));
  if (e.SLACK_BOT_TOKEN && !e.SLACK_BOT_TOKEN.startsWith('xoxb-')) {
    problems.push('SLACK_BOT_TOKEN: expected a bot token starting with xoxb-');
  }
  if (e.SLACK_APP_TOKEN && !e.SLACK_APP_TOKEN.startsWith('xapp-')) {
    problems.push('SLACK_APP_TOKEN: expected an app-level token starting with xapp- (Socket Mode)');
  }
  problems.push(...discordProblems(e));
  return problems;
}

function discordProblems(e: Parsed): string[] {
  const problems: string[] = [];
  if ((e.DISCORD_APPLICATION_ID || e.DISCORD_PUBLIC_KEY || e.DISCORD_MODE) && !e.DISCORD_BOT_TOKEN) {
    problems.push('DISCORD_BOT_TOKEN: required when Discord is configured (the token from the developer portal\'s Bot page)');
  }
  if (e.DISCORD_BOT_TOKEN && !/^[\w-]+\.[\w-]+\.[\w-]+$/.test(e.DISCORD_BOT_TOKEN)) {
    problems.push('DISCORD_BOT_TOKEN: expected a bot token of three dot-separated parts (without a "Bot " prefix)');
  }
  if (e.DISCORD_BOT_TOKEN && !e.DISCORD_APPLICATION_ID) {
    problems.push('DISCORD_APPLICATION_ID: required with DISCORD_BOT_TOKEN (the Application ID on the portal\'s General Information page)');
  }
  if (e.DISCORD_APPLICATION_ID && !/^\d{17,20}$/.test(e.DISCORD_APPLICATION_ID)) {
    problems.push('DISCORD_APPLICATION_ID: expected a numeric id of 17 to 20 digits');
  }
  if (e.DISCORD_PUBLIC_KEY && !/^[0-9a-f]{64}$/i.test(e.DISCORD_PUBLIC_KEY)) {
    problems.push('DISCORD_PUBLIC_KEY: expected the 64 hex characters of the portal\'s Public Key');
  }
  if (e.DISCORD_MODE === 'http' && !e.DISCORD_PUBLIC_KEY) {
    problems.push('DISCORD_PUBLIC_KEY: required with DISCORD_MODE=http to verify Discord\'s requests (or use DISCORD_MODE=gateway, no public URL needed)');
  }
  return problems;
}

/** HTTP interactions when a public key is given (or DISCORD_MODE says so), else the gateway. */
function discordConfig(e: Parsed): Config['discord'] {
  if (!e.DISCORD_BOT_TOKEN || !e.DISCORD_APPLICATION_ID) return undefined;
  const base = { botToken: e.DISCORD_BOT_TOKEN, applicationId: e.DISCORD_APPLICATION_ID, apiUrl: e.DISCORD_API_URL.replace(/\/+$/, '') };
  const mode = e.DISCORD_MODE ?? (e.DISCORD_PUBLIC_KEY ? 'http' : 'gateway');
  if (mode === 'http') return { ...base, mode, publicKey: e.DISCORD_PUBLIC_KEY! };
  return { ...base, mode, publicKey: e.DISCORD_PUBLIC_KEY };
}

const OAUTH_PREFIXES = ['X', 'LINKEDIN', 'THREADS', 'FACEBOOK'] as const;

function client(id: string | undefined, secret: string | undefined): OAuthClientConfig {
  return id && secret ? { clientId: id, clientSecret: secret } : undefined;
}

function oauthConfig(e: Parsed): OAuthConfig {
  const trim = (url: string) => url.replace(/\/+$/, '');
  return {
    x: { client: client(e.X_CLIENT_ID, e.X_CLIENT_SECRET), authUrl: e.X_AUTH_URL, apiUrl: trim(e.X_API_URL) },
    linkedin: { client: client(e.LINKEDIN_CLIENT_ID, e.LINKEDIN_CLIENT_SECRET), authUrl: trim(e.LINKEDIN_AUTH_URL), apiUrl: trim(e.LINKEDIN_API_URL) },
    threads: { client: client(e.THREADS_CLIENT_ID, e.THREADS_CLIENT_SECRET), authUrl: e.THREADS_AUTH_URL, apiUrl: trim(e.THREADS_API_URL) },
    facebook: { client: client(e.FACEBOOK_CLIENT_ID, e.FACEBOOK_CLIENT_SECRET), authUrl: e.FACEBOOK_AUTH_URL, apiUrl: trim(e.FACEBOOK_API_URL) },
    bluesky: { serviceUrl: trim(e.BLUESKY_SERVICE_URL) },
  };
}
