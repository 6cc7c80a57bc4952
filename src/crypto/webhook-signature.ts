import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * `Greenlight-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>` on every request
 * Greenlight sends to a team's own URL (outgoing webhooks and the webhook network). The timestamp is
 * signed with the body, so a receiver that refuses old timestamps also refuses replays.
 */
export const SIGNATURE_HEADER = 'greenlight-signature';

export function signatureHeader(secret: string, body: string, at: Date): string {
  const t = Math.floor(at.getTime() / 1000);
  return `t=${t},v1=${hmacHex(secret, `${t}.${body}`)}`;
}

/** What a receiver does (docs/webhooks.md shows the same in a few lines): true when the header matches and is fresh. */
export function verifySignature(secret: string, body: string, header: string, now: Date, toleranceSeconds = 300): boolean {
  const fields = new Map(header.split(',').map((pair) => pair.trim().split('=', 2) as [string, string]));
  const t = Number(fields.get('t'));
  const given = fields.get('v1') ?? '';
  if (!Number.isInteger(t) || Math.abs(now.getTime() / 1000 - t) > toleranceSeconds) return false;
  const expected = Buffer.from(hmacHex(secret, `${t}.${body}`), 'hex');
  const actual = Buffer.from(given, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** A new signing secret, shown to the person once. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

function hmacHex(secret: string, message: string): string {
  return createHmac('sha256', secret).update(message).digest('hex');
}
