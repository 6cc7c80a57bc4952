import { crossCheck } from './cross-checks.ts';
import { discordConfig } from './discord.ts';
import { ConfigError, schema, type Config, type OAuthClientConfig, type MediaStoreConfig, type OAuthConfig, type Parsed } from './schema.ts';
import { slackConfig } from './slack.ts';

export { ConfigError, type Config, type Env, type OAuthClientConfig, type OAuthConfig } from './schema.ts';

/** The settings from the environment, checked once: every problem at once, or a Config. */
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
    http: { host: e.HOST, port: e.PORT, publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, ''), metricsToken: e.METRICS_TOKEN },
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    database: { url: e.DATABASE_URL, poolSize: e.DATABASE_POOL_SIZE, chatPoolSize: e.DATABASE_CHAT_POOL_SIZE },
    dataDir: e.GREENLIGHT_DATA_DIR,
    encryption: e.ENCRYPTION_KEYS && e.ENCRYPTION_PRIMARY_KEY_ID ? { keys: e.ENCRYPTION_KEYS, primaryKeyId: e.ENCRYPTION_PRIMARY_KEY_ID } : undefined,
    stateSecret: e.STATE_SECRET,
    slack: slackConfig(e),
    discord: discordConfig(e),
    queue: { pollSeconds: e.QUEUE_POLL_SECONDS },
    publish: {
      concurrency: e.PUBLISH_CONCURRENCY,
      retries: e.PUBLISH_RETRIES,
      networkTimeoutMs: e.NETWORK_TIMEOUT_MS,
      retryBaseMs: e.PUBLISH_RETRY_BASE_MS,
      retryMaxMs: e.PUBLISH_RETRY_MAX_MS,
      postingLimits: e.POSTING_LIMITS,
    },
    networks: { xApiUrl: e.X_API_URL },
    oauth: oauthConfig(e),
    media: {
      quotaBytes: e.MEDIA_QUOTA_MB * 1_000_000,
      maxFileBytes: e.MEDIA_MAX_FILE_MB * 1_000_000,
      retentionDays: e.MEDIA_RETENTION_DAYS,
      store: mediaStoreConfig(e),
      videoSendBytesPerSecond: e.VIDEO_SEND_MB_PER_S * 1_000_000,
    },
    linkPreview: { timeoutMs: e.LINK_PREVIEW_TIMEOUT_MS },
    firstComment: { delaySeconds: e.FIRST_COMMENT_DELAY_SECONDS },
    outbound: { httpsOnly: e.NODE_ENV === 'production', allowPrivate: e.OUTBOUND_ALLOW_PRIVATE },
  };
}

function client(id: string | undefined, secret: string | undefined): OAuthClientConfig {
  return id && secret ? { clientId: id, clientSecret: secret } : undefined;
}

function oauthConfig(e: Parsed): OAuthConfig {
  const trim = (url: string) => url.replace(/\/+$/, '');
  return {
    x: { client: client(e.X_CLIENT_ID, e.X_CLIENT_SECRET), authUrl: e.X_AUTH_URL, apiUrl: trim(e.X_API_URL) },
    linkedin: {
      client: client(e.LINKEDIN_CLIENT_ID, e.LINKEDIN_CLIENT_SECRET),
      authUrl: trim(e.LINKEDIN_AUTH_URL),
      apiUrl: trim(e.LINKEDIN_API_URL),
      organizations: e.LINKEDIN_ORGANIZATIONS === 'on',
    },
    threads: { client: client(e.THREADS_CLIENT_ID, e.THREADS_CLIENT_SECRET), authUrl: e.THREADS_AUTH_URL, apiUrl: trim(e.THREADS_API_URL) },
    facebook: { client: client(e.FACEBOOK_CLIENT_ID, e.FACEBOOK_CLIENT_SECRET), authUrl: e.FACEBOOK_AUTH_URL, apiUrl: trim(e.FACEBOOK_API_URL) },
    bluesky: { serviceUrl: trim(e.BLUESKY_SERVICE_URL) },
  };
}

function mediaStoreConfig(e: Parsed): MediaStoreConfig {
  if (e.MEDIA_STORE !== 's3' || !e.S3_BUCKET) return { kind: 'postgres' };
  return {
    kind: 's3',
    bucket: e.S3_BUCKET,
    region: e.S3_REGION,
    endpoint: e.S3_ENDPOINT,
    // A self-hosted store usually has no per-bucket host names: path style is the default with an endpoint.
    forcePathStyle: e.S3_FORCE_PATH_STYLE ? e.S3_FORCE_PATH_STYLE === 'true' : Boolean(e.S3_ENDPOINT),
    credentials: e.S3_ACCESS_KEY_ID && e.S3_SECRET_ACCESS_KEY ? { accessKeyId: e.S3_ACCESS_KEY_ID, secretAccessKey: e.S3_SECRET_ACCESS_KEY } : undefined,
  };
}
