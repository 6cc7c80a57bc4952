import { z } from 'zod';
import { NETWORKS } from '../domain/networks.ts';
import { parsePostingLimits, type PostingLimits } from '../domain/rate-limits.ts';
import { parseAllowList, type OutboundPolicy } from '../domain/outbound-policy.ts';

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

export const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().default('0.0.0.0'),
  PORT: port.default(3000),
  // When set, GET /metrics needs `Authorization: Bearer <METRICS_TOKEN>` (the port is often reachable beyond the scraper).
  METRICS_TOKEN: optionalString.pipe(z.string().min(16, 'expected at least 16 characters').optional()),
  PUBLIC_URL: z.url({ message: 'expected an absolute URL such as https://greenlight.example.com' }).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // Unset: readable lines when stdout is a terminal, JSON (one object a line) otherwise.
  LOG_FORMAT: z.enum(['pretty', 'json']).optional(),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'expected a postgres:// connection URL')
    .optional(),
  GREENLIGHT_DATA_DIR: z.string().default('.greenlight'),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(2).max(200).default(10),
  DATABASE_CHAT_POOL_SIZE: z.coerce.number().int().min(1).max(50).default(4),

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
  // Organization pages (issue 16): ask for the Community Management API scopes and offer the pages the
  // member administers at connect. Only for a LinkedIn app approved for that product.
  LINKEDIN_ORGANIZATIONS: z.enum(['on', 'off']).default('off'),
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

  // Greenlight's media store (PostgreSQL): per-workspace quota, one file's limit, and how long media of
  // published, canceled or rejected posts are kept (src/db/media-store.ts).
  MEDIA_QUOTA_MB: z.coerce.number().int().min(1).max(10_000_000).default(2048),
  MEDIA_MAX_FILE_MB: z.coerce.number().int().min(1).max(2048).default(100),
  MEDIA_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  // Video segments on their way to X and LinkedIn, all of a process's together, in MB a second (src/media/bulk-pace.ts):
  // at full speed ten videos took the CPU the other deliveries of those seconds needed.
  VIDEO_SEND_MB_PER_S: z.coerce.number().min(1).max(10_000).default(16),
  // Where media bytes live: PostgreSQL (default, no new service) or an S3-compatible object store
  // (src/db/media-bytes-s3.ts). Rows, quota and retention stay in PostgreSQL either way.
  MEDIA_STORE: z.enum(['postgres', 's3'], { error: 'expected postgres (the default) or s3' }).default('postgres'),
  S3_BUCKET: optionalString,
  /** Unset: AWS for S3_REGION; set for MinIO, Ceph, R2 and other S3-compatible stores. */
  S3_ENDPOINT: z.url({ protocol: /^https?$/, error: "expected the store's URL, e.g. https://minio.internal:9000" }).optional(),
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_FORCE_PATH_STYLE: z.enum(['true', 'false'], { error: 'expected true or false' }).optional(),
  S3_ACCESS_KEY_ID: optionalString,
  S3_SECRET_ACCESS_KEY: optionalString,
  // Link preview cards (issue 16): how long reading a post's linked page (and its image) may take; 0 turns
  // previews off (no page is read, cards say so, Bluesky and LinkedIn publish the bare link).
  LINK_PREVIEW_TIMEOUT_MS: z.coerce.number().int().min(0).max(60_000).default(5000),
  // First comments (issue 16): how long after its post a first comment goes; 0 = right after.
  FIRST_COMMENT_DELAY_SECONDS: z.coerce.number().int().min(0).max(86_400).default(0),
  // Requests to addresses users type (media links, webhooks, Mastodon and Bluesky servers) refuse private
  // ranges; a team with an intranet CMS or a private instance lists its own ranges here.
  OUTBOUND_ALLOW_PRIVATE: z
    .string()
    .default('')
    .transform((text, ctx) => {
      const parsed = parseAllowList(text);
      if (parsed.ok) return parsed.cidrs;
      ctx.addIssue({ code: 'custom', message: `${parsed.problem} (comma-separated CIDRs)` });
      return z.NEVER;
    }),
});

export type Env = z.input<typeof schema>;

export interface Config {
  env: 'development' | 'production' | 'test';
  http: { host: string; port: number; publicUrl: string; metricsToken: string | undefined };
  logLevel: string;
  /** Undefined: pretty on a terminal, JSON otherwise (see log.ts logFormat). */
  logFormat?: 'pretty' | 'json' | undefined;
  database: { url: string | undefined; poolSize: number; chatPoolSize: number };
  dataDir: string;
  /** Undefined in development until generated into the data dir (see secrets.ts). */
  encryption: { keys: string; primaryKeyId: string } | undefined;
  stateSecret: string | undefined;
  slack:
    | { mode: 'http'; signingSecret: string; botToken: string; apiUrl: string }
    | { mode: 'socket'; signingSecret: string | undefined; botToken: string; appToken: string; apiUrl: string }
    /** HTTP mode where each workspace installs the app by OAuth; its bot token comes from the installation store. */
    | {
        mode: 'oauth';
        signingSecret: string;
        clientId: string;
        clientSecret: string;
        stateSecret: string | undefined;
        allowedTeams: string[] | undefined;
        apiUrl: string;
      }
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
  /** Decimal megabytes as set (MEDIA_QUOTA_MB=2048 is 2,048,000,000 bytes). */
  media: { quotaBytes: number; maxFileBytes: number; retentionDays: number; store: MediaStoreConfig; videoSendBytesPerSecond: number };
  /** Link preview cards: the page read's deadline; 0 = previews off. */
  linkPreview: { timeoutMs: number };
  /** First comments: the delay after the post, in seconds. */
  firstComment: { delaySeconds: number };
  /** The outbound guard for addresses users type: https only in production, plus the allowed private ranges. */
  outbound: OutboundPolicy;
}

/** MEDIA_STORE and, for s3, the S3_* settings (src/db/media-bytes-s3.ts S3MediaSettings). */
export type MediaStoreConfig =
  | { kind: 'postgres' }
  | {
      kind: 's3';
      bucket: string;
      region: string;
      endpoint?: string | undefined;
      forcePathStyle: boolean;
      credentials?: { accessKeyId: string; secretAccessKey: string } | undefined;
    };

/** An OAuth app's credentials; undefined until both variables are set. */
export type OAuthClientConfig = { clientId: string; clientSecret: string } | undefined;

export interface OAuthConfig {
  x: { client: OAuthClientConfig; authUrl: string; apiUrl: string };
  /** `authUrl` is the OAuth base: /authorization and /accessToken are under it. */
  linkedin: { client: OAuthClientConfig; authUrl: string; apiUrl: string; organizations?: boolean };
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

export type Parsed = z.output<typeof schema>;
