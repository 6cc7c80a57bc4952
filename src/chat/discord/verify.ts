import { createPublicKey, verify, type KeyObject } from 'node:crypto';

/** Signed requests older (or further in the future) than this are refused: a captured request cannot be replayed later. */
export const DEFAULT_MAX_AGE_SECONDS = 300;

export interface SignedRequest {
  /** X-Signature-Ed25519: hex of the 64-byte signature. */
  signature: string | undefined;
  /** X-Signature-Timestamp: Unix seconds, as a string. */
  timestamp: string | undefined;
  /** The raw body bytes as received (never re-serialised JSON). */
  body: Buffer;
}

/**
 * Discord's request signature: Ed25519 over `timestamp + body` with the application's public key.
 * Pure apart from the crypto: the clock is a parameter, so tests can check the age window exactly.
 */
export function verifyDiscordRequest(key: KeyObject, request: SignedRequest, nowMs: number, maxAgeSeconds = DEFAULT_MAX_AGE_SECONDS): boolean {
  const { signature, timestamp, body } = request;
  if (!signature || !timestamp || !/^[0-9a-f]{128}$/i.test(signature) || !/^\d{1,12}$/.test(timestamp)) return false;
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > maxAgeSeconds) return false;
  return verify(null, Buffer.concat([Buffer.from(timestamp, 'utf8'), body]), key, Buffer.from(signature, 'hex'));
}

/** The developer portal's "Public Key" (hex of the raw 32 bytes) as a key object. */
export function publicKeyFromHex(hex: string): KeyObject {
  if (!/^[0-9a-f]{64}$/i.test(hex)) throw new Error('a Discord public key is 64 hex characters');
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(hex, 'hex').toString('base64url') }, format: 'jwk' });
}
