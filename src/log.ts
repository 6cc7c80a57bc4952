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

/** `destination` (default stdout) lets a test read every line written. */
export function createLogger(options: { level: string; pretty?: boolean } = { level: 'info' }, destination?: DestinationStream): Logger {
  const settings = {
    level: options.level,
    base: { service: 'greenlight' },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
  return destination ? pino(settings, destination) : pino(settings);
}

export type { Logger };
