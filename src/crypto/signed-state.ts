// The OAuth `state` parameter (RFC 6749 §10.12, against cross-site request forgery) and PKCE (RFC 7636).
//
// State: `base64url(json).base64url(HMAC-SHA256(secret, "greenlight.oauth-state.v1." + base64url(json)))`, the json
// holding who started the connect flow, for which network, a nonce and `exp` (seconds since the epoch). The MAC is
// over the encoded text exactly as sent, with a context prefix so the secret's MACs cannot be replayed elsewhere.
//
// This module makes state unforgeable and expiring; it does NOT make it single use. Single use is enforced by the
// database: the connect route stores the nonce row, and the callback consumes it atomically (update ... set used_at
// ... where used_at is null and expires_at > now() returning, matching workspace, user and network) before
// exchanging the code. A verified state whose row is already used is a replay.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface StatePayload {
  readonly workspaceId: string;
  readonly userId: string;
  readonly network: string;
  readonly nonce: string;
}

export type VerifiedState = StatePayload & { readonly exp: number };

export type VerifyStateResult = { ok: true; payload: VerifiedState } | { ok: false; reason: 'malformed' | 'bad_signature' | 'expired' };

const CONTEXT = 'greenlight.oauth-state.v1.';
const MIN_SECRET_LENGTH = 32;
const MAX_STATE_LENGTH = 4096;
const MAC_BYTES = 32;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const FIELDS = ['workspaceId', 'userId', 'network', 'nonce'] as const;

function checkSecret(secret: string): void {
  if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) {
    throw new Error(`oauth state secret must be at least ${MIN_SECRET_LENGTH} characters`);
  }
}

function epochSeconds(now: Date): number {
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) throw new TypeError('now must be a valid Date');
  return Math.floor(now.getTime() / 1000);
}

function mac(body: string, secret: string): Buffer {
  return createHmac('sha256', secret)
    .update(CONTEXT + body, 'utf8')
    .digest();
}

function decodeBase64url(part: string): Buffer | undefined {
  if (!BASE64URL.test(part)) return undefined;
  const bytes = Buffer.from(part, 'base64url');
  return bytes.toString('base64url') === part ? bytes : undefined;
}

export function createState(payload: StatePayload, secret: string, now: Date, ttlSeconds = 600): string {
  checkSecret(secret);
  if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds <= 0) throw new RangeError('ttlSeconds must be a positive integer');
  for (const field of FIELDS) {
    if (typeof payload[field] !== 'string' || payload[field] === '') {
      throw new TypeError(`oauth state ${field} must be a non-empty string`);
    }
  }
  const { workspaceId, userId, network, nonce } = payload;
  const json = JSON.stringify({ workspaceId, userId, network, nonce, exp: epochSeconds(now) + ttlSeconds });
  const body = Buffer.from(json, 'utf8').toString('base64url');
  return `${body}.${mac(body, secret).toString('base64url')}`;
}

function parsePayload(body: Buffer): VerifiedState | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const record = value as Record<string, unknown>;
  const { workspaceId, userId, network, nonce, exp } = record;
  if (typeof workspaceId !== 'string' || typeof userId !== 'string') return undefined;
  if (typeof network !== 'string' || typeof nonce !== 'string') return undefined;
  if (workspaceId === '' || userId === '' || network === '' || nonce === '') return undefined;
  if (typeof exp !== 'number' || !Number.isSafeInteger(exp)) return undefined;
  return { workspaceId, userId, network, nonce, exp };
}

/** Checks shape, then signature (timing-safe), then expiry. Never throws for a bad `state`; only for bad config. */
export function verifyState(state: string, secret: string, now: Date): VerifyStateResult {
  checkSecret(secret);
  const nowSeconds = epochSeconds(now);
  if (typeof state !== 'string' || state.length > MAX_STATE_LENGTH) return { ok: false, reason: 'malformed' };
  const parts = state.split('.');
  if (parts.length !== 2) return { ok: false, reason: 'malformed' };
  const [body, signature] = parts as [string, string];
  const bodyBytes = decodeBase64url(body);
  const given = decodeBase64url(signature);
  if (bodyBytes === undefined || given?.length !== MAC_BYTES) return { ok: false, reason: 'malformed' };
  if (!timingSafeEqual(given, mac(body, secret))) return { ok: false, reason: 'bad_signature' };
  const payload = parsePayload(bodyBytes);
  if (payload === undefined) return { ok: false, reason: 'malformed' };
  if (nowSeconds >= payload.exp) return { ok: false, reason: 'expired' };
  return { ok: true, payload };
}

// PKCE, RFC 7636: a verifier of 43-128 unreserved characters, challenge = base64url(sha256(ascii(verifier))).
const VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;

export function challengeFor(verifier: string): string {
  if (typeof verifier !== 'string' || !VERIFIER.test(verifier)) {
    throw new RangeError('PKCE verifier must be 43-128 characters of [A-Za-z0-9._~-]');
  }
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

export function createPkcePair(): { verifier: string; challenge: string; method: 'S256' } {
  // 32 random octets, base64url without padding: 43 characters, as RFC 7636 section 4.1 recommends.
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: challengeFor(verifier), method: 'S256' };
}
