import { LogLevel } from '@slack/bolt';
import type { Logger } from '../../log.ts';

/**
 * Bolt, its OAuth installer and its WebClient log through this, as text: pino's path redaction cannot
 * reach inside a message, so secrets are scrubbed from the text itself. WebClient's own redaction
 * covers keys containing "token" only; at debug level it would print oauth.v2.access's client_secret and
 * code, and any Slack token that appears in a value.
 */
export function boltLogger(log: Logger) {
  let level = LogLevel.INFO;
  const text = (msg: unknown[]) => scrub(msg.map((m) => (typeof m === 'string' ? m : m instanceof Error ? m.message : JSON.stringify(m))).join(' '));
  return {
    debug: (...msg: unknown[]) => log.debug(text(msg)),
    info: (...msg: unknown[]) => log.info(text(msg)),
    warn: (...msg: unknown[]) => log.warn(text(msg)),
    error: (...msg: unknown[]) => log.error(text(msg)),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => {},
  };
}

const SECRET_FIELDS = /("?(?:client_secret|state|refresh_token|access_token|token)"?\s*[:=]\s*"?)([^"&\s,}]+)/gi;
const SLACK_TOKEN = /\bxox[a-z]-[A-Za-z0-9-]+/g;
/** Slack's OAuth codes: `<digits>.<digits>.<hex>` (a field named "code" is too often an error code). */
const OAUTH_CODE = /\b\d{6,}\.\d{6,}\.[0-9a-f]{20,}\b/g;

/** Replaces secret values (by field name, and anything shaped like a Slack token) with [redacted]. */
export function scrub(text: string): string {
  return text.replace(SECRET_FIELDS, '$1[redacted]').replace(SLACK_TOKEN, '[redacted]').replace(OAUTH_CODE, '[redacted]');
}
