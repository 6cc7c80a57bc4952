import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { publicKeyFromHex, verifyDiscordRequest } from '../../src/chat/discord/verify.ts';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const hex = Buffer.from(String(publicKey.export({ format: 'jwk' }).x), 'base64url').toString('hex');
const key = publicKeyFromHex(hex);
const NOW = 1_800_000_000_000;
const ts = String(NOW / 1000);
const body = Buffer.from('{"type":1}');
const signed = (timestamp: string, payload: Buffer) => sign(null, Buffer.concat([Buffer.from(timestamp), payload]), privateKey).toString('hex');

describe('verifyDiscordRequest', () => {
  it("accepts Discord's signature over timestamp + raw body", () => {
    expect(verifyDiscordRequest(key, { signature: signed(ts, body), timestamp: ts, body }, NOW)).toBe(true);
  });

  it('refuses a changed body, a changed timestamp, another key and malformed headers', () => {
    const signature = signed(ts, body);
    expect(verifyDiscordRequest(key, { signature, timestamp: ts, body: Buffer.from('{"type":2}') }, NOW)).toBe(false);
    expect(verifyDiscordRequest(key, { signature, timestamp: String(NOW / 1000 + 1), body }, NOW)).toBe(false);
    const other = generateKeyPairSync('ed25519').privateKey;
    expect(verifyDiscordRequest(key, { signature: sign(null, Buffer.concat([Buffer.from(ts), body]), other).toString('hex'), timestamp: ts, body }, NOW)).toBe(
      false,
    );
    for (const bad of [undefined, '', 'zz', signature.slice(2), `${signature}00`])
      expect(verifyDiscordRequest(key, { signature: bad, timestamp: ts, body }, NOW)).toBe(false);
    expect(verifyDiscordRequest(key, { signature, timestamp: undefined, body }, NOW)).toBe(false);
    expect(verifyDiscordRequest(key, { signature, timestamp: `${ts}.5`, body }, NOW)).toBe(false);
  });

  it('refuses timestamps outside the window, with the clock and window injected', () => {
    const old = String(NOW / 1000 - 301);
    expect(verifyDiscordRequest(key, { signature: signed(old, body), timestamp: old, body }, NOW)).toBe(false);
    expect(verifyDiscordRequest(key, { signature: signed(old, body), timestamp: old, body }, NOW, 600)).toBe(true);
    const future = String(NOW / 1000 + 301);
    expect(verifyDiscordRequest(key, { signature: signed(future, body), timestamp: future, body }, NOW)).toBe(false);
  });

  it('takes only a 32-byte hex public key', () => {
    expect(() => publicKeyFromHex('abc')).toThrow(/64 hex/);
  });
});
