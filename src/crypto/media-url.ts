// Signed, expiring media URLs (issue 14): `$PUBLIC_URL/media/<id>?exp=<seconds>&sig=<mac>`, handed to
// the networks that pull a post's images from a URL (Instagram, Threads, Facebook).
//
// sig = base64url(HMAC-SHA256(STATE_SECRET, "greenlight.media-url.v1." + id + "." + exp)). The context
// prefix keeps these MACs apart from the OAuth state's (src/oauth/signed-state.ts), which uses the same
// secret. The URL says nothing but the file's id; the route also checks that the file's post is
// approved, scheduled or publishing, so a URL leaked after the post was published serves nothing.
import { createHmac, timingSafeEqual } from 'node:crypto';

const CONTEXT = 'greenlight.media-url.v1.';
const MIN_SECRET_LENGTH = 32;
const MAC_BYTES = 32;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Instagram's containers expire after 24 h (https://developers.facebook.com/docs/instagram-platform/content-publishing); a URL needs to outlive one attempt, no more. */
export const DEFAULT_MEDIA_URL_TTL_SECONDS = 3600;

export type VerifyMediaUrlResult = { ok: true } | { ok: false; reason: 'malformed' | 'bad_signature' | 'expired' };

function checkSecret(secret: string): void {
  if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) {
    throw new Error(`media URL secret must be at least ${MIN_SECRET_LENGTH} characters`);
  }
}

function mac(id: string, exp: number, secret: string): Buffer {
  return createHmac('sha256', secret).update(`${CONTEXT}${id}.${exp}`, 'utf8').digest();
}

export function isMediaId(id: string): boolean {
  return UUID.test(id);
}

/** The URL a network fetches; valid for `ttlSeconds` from `now`. */
export function signMediaUrl(publicUrl: string, id: string, secret: string, now: Date, ttlSeconds = DEFAULT_MEDIA_URL_TTL_SECONDS): string {
  checkSecret(secret);
  if (!isMediaId(id)) throw new TypeError('media id must be a lowercase uuid');
  if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds <= 0) throw new RangeError('ttlSeconds must be a positive integer');
  const exp = Math.floor(now.getTime() / 1000) + ttlSeconds;
  const sig = mac(id, exp, secret).toString('base64url');
  return `${publicUrl.replace(/\/+$/, '')}/media/${id}?exp=${exp}&sig=${sig}`;
}

/** Shape, then signature (timing-safe), then expiry. Never throws for bad input; only for a bad secret. */
export function verifyMediaUrl(id: string, exp: string | null, sig: string | null, secret: string, now: Date): VerifyMediaUrlResult {
  checkSecret(secret);
  if (!isMediaId(id) || exp === null || sig === null || !/^\d{1,12}$/.test(exp) || !/^[A-Za-z0-9_-]{43}$/.test(sig)) {
    return { ok: false, reason: 'malformed' };
  }
  const given = Buffer.from(sig, 'base64url');
  if (given.length !== MAC_BYTES || given.toString('base64url') !== sig) return { ok: false, reason: 'malformed' };
  const expSeconds = Number(exp);
  if (!timingSafeEqual(given, mac(id, expSeconds, secret))) return { ok: false, reason: 'bad_signature' };
  if (Math.floor(now.getTime() / 1000) >= expSeconds) return { ok: false, reason: 'expired' };
  return { ok: true };
}
