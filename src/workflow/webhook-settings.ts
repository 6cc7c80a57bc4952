/** Outgoing webhooks' attempts, backoff and timeout (a leaf both the deps and the sender import). */
export interface WebhookSettings {
  /** Attempts in all before a delivery is marked failed. */
  attempts: number;
  /** Backoff between attempts: full jitter up to base × 2^(attempt−1), capped at max. */
  baseMs: number;
  maxMs: number;
  timeoutMs: number;
  /** Plain http URLs (tests, laptops); production takes https only. */
  allowPlainHttp: boolean;
}

export const DEFAULT_WEBHOOK_SETTINGS: WebhookSettings = { attempts: 8, baseMs: 10_000, maxMs: 3600_000, timeoutMs: 10_000, allowPlainHttp: false };
