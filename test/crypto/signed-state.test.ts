import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { challengeFor, createPkcePair, createState, verifyState } from '../../src/crypto/signed-state.ts';
import type { StatePayload } from '../../src/crypto/signed-state.ts';

const SECRET = 'test-state-secret-0123456789-abcdefghijklmnop';
const NOW = new Date('2026-03-01T12:00:00.000Z');
const PAYLOAD: StatePayload = {
  workspaceId: 'ws_7f3e',
  userId: 'U024BE7LH',
  network: 'mastodon',
  nonce: 'n-3b1d9c0e5a7f',
};

const at = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
/** Signs an arbitrary body the way createState does, to build well-signed but odd states. */
const signed = (body: string, secret = SECRET) => `${body}.${createHmac('sha256', secret).update(`greenlight.oauth-state.v1.${body}`).digest('base64url')}`;

describe('createState / verifyState', () => {
  it('round-trips the payload with exp = now + ttl', () => {
    const result = verifyState(createState(PAYLOAD, SECRET, NOW), SECRET, NOW);
    expect(result).toEqual({ ok: true, payload: { ...PAYLOAD, exp: NOW.getTime() / 1000 + 600 } });
  });

  it('is base64url(json).base64url(hmac) with a 32-byte MAC', () => {
    const state = createState(PAYLOAD, SECRET, NOW, 60);
    expect(state).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    const [body] = state.split('.');
    expect(JSON.parse(Buffer.from(body as string, 'base64url').toString('utf8'))).toEqual({
      ...PAYLOAD,
      exp: NOW.getTime() / 1000 + 60,
    });
  });

  it('expires at exp, using the injected clock', () => {
    const state = createState(PAYLOAD, SECRET, NOW, 600);
    expect(verifyState(state, SECRET, at(599)).ok).toBe(true);
    expect(verifyState(state, SECRET, at(600))).toEqual({ ok: false, reason: 'expired' });
    expect(verifyState(state, SECRET, at(86_400))).toEqual({ ok: false, reason: 'expired' });
  });

  it('honours a custom ttl', () => {
    const state = createState(PAYLOAD, SECRET, NOW, 30);
    expect(verifyState(state, SECRET, at(29)).ok).toBe(true);
    expect(verifyState(state, SECRET, at(30))).toEqual({ ok: false, reason: 'expired' });
  });

  it('rejects a state signed with another secret', () => {
    const state = createState(PAYLOAD, `${SECRET}-other`, NOW);
    expect(verifyState(state, SECRET, NOW)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('rejects a forged payload (another user, a later exp) under the original signature', () => {
    const [, signature] = createState(PAYLOAD, SECRET, NOW).split('.');
    const forged = b64(JSON.stringify({ ...PAYLOAD, userId: 'U_ATTACKER', exp: NOW.getTime() / 1000 + 600 }));
    expect(verifyState(`${forged}.${signature}`, SECRET, NOW)).toEqual({ ok: false, reason: 'bad_signature' });
    const extended = b64(JSON.stringify({ ...PAYLOAD, exp: NOW.getTime() / 1000 + 99_999 }));
    expect(verifyState(`${extended}.${signature}`, SECRET, at(700))).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('rejects a tampered signature, and checks the signature before expiry', () => {
    const state = createState(PAYLOAD, SECRET, NOW);
    const [body, signature] = state.split('.') as [string, string];
    const bytes = Buffer.from(signature, 'base64url');
    bytes[31] = (bytes[31] as number) ^ 0x80;
    const tampered = `${body}.${bytes.toString('base64url')}`;
    expect(verifyState(tampered, SECRET, NOW)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyState(tampered, SECRET, at(10_000))).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('rejects a bare HMAC of the body without the context prefix', () => {
    const body = createState(PAYLOAD, SECRET, NOW).split('.')[0] as string;
    const bare = createHmac('sha256', SECRET).update(body).digest('base64url');
    expect(verifyState(`${body}.${bare}`, SECRET, NOW)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  const good = createState(PAYLOAD, SECRET, NOW);
  const [goodBody, goodSig] = good.split('.') as [string, string];
  it.each([
    ['empty', ''],
    ['no dot', goodBody],
    ['three parts', `${good}.x`],
    ['empty body', `.${goodSig}`],
    ['empty signature', `${goodBody}.`],
    ['non-base64url body', `${goodBody}!.${goodSig}`],
    ['padded signature', `${goodBody}.${goodSig}=`],
    ['short signature', `${goodBody}.${goodSig.slice(0, 40)}`],
    ['long signature', `${goodBody}.${goodSig}AAAA`],
    ['too long', `${'A'.repeat(5000)}.${goodSig}`],
    ['signed non-JSON', signed(b64('not json'))],
    ['signed array', signed(b64('[]'))],
    ['signed null', signed(b64('null'))],
    ['signed without exp', signed(b64(JSON.stringify(PAYLOAD)))],
    ['signed with string exp', signed(b64(JSON.stringify({ ...PAYLOAD, exp: '9999999999' })))],
    ['signed with fractional exp', signed(b64(JSON.stringify({ ...PAYLOAD, exp: 1.5e9 + 0.5 })))],
    ['signed with empty nonce', signed(b64(JSON.stringify({ ...PAYLOAD, nonce: '', exp: 2e9 })))],
    ['signed with numeric userId', signed(b64(JSON.stringify({ ...PAYLOAD, userId: 42, exp: 2e9 })))],
  ])('reports malformed input: %s', (_name, state) => {
    expect(verifyState(state, SECRET, NOW)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('reports malformed for a non-string state without throwing', () => {
    expect(verifyState(undefined as unknown as string, SECRET, NOW)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('ignores unknown fields in a validly signed payload', () => {
    const state = signed(b64(JSON.stringify({ ...PAYLOAD, exp: 2e9, extra: 'x' })));
    expect(verifyState(state, SECRET, NOW)).toEqual({ ok: true, payload: { ...PAYLOAD, exp: 2e9 } });
  });

  it('refuses a short secret, a bad ttl, an invalid clock or an empty field', () => {
    expect(() => createState(PAYLOAD, 'short', NOW)).toThrow(/at least 32 characters/);
    expect(() => verifyState(good, 'short', NOW)).toThrow(/at least 32 characters/);
    expect(() => createState(PAYLOAD, SECRET, NOW, 0)).toThrow(RangeError);
    expect(() => createState(PAYLOAD, SECRET, NOW, 1.5)).toThrow(RangeError);
    expect(() => createState(PAYLOAD, SECRET, new Date(Number.NaN))).toThrow(TypeError);
    expect(() => verifyState(good, SECRET, new Date(Number.NaN))).toThrow(TypeError);
    expect(() => createState({ ...PAYLOAD, nonce: '' }, SECRET, NOW)).toThrow(/nonce/);
  });
});

describe('PKCE', () => {
  it('matches the RFC 7636 Appendix B example, octets included', () => {
    // RFC 7636 Appendix B: these 32 octets, base64url-encoded, are the verifier; SHA-256 of the verifier's ASCII is
    // the second array, whose base64url is the challenge.
    const verifierOctets = [
      116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37, 77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
    ];
    const challengeOctets = [
      19, 211, 30, 150, 26, 26, 216, 236, 47, 22, 177, 12, 76, 152, 46, 8, 118, 168, 120, 173, 109, 241, 68, 86, 110, 225, 137, 74, 203, 112, 249, 195,
    ];
    const verifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
    expect(Buffer.from(verifierOctets).toString('base64url')).toBe(verifier);
    expect(challengeFor(verifier)).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
    expect([...Buffer.from(challengeFor(verifier), 'base64url')]).toEqual(challengeOctets);
  });

  it('creates a fresh S256 pair with a 43-character unreserved verifier', () => {
    const a = createPkcePair();
    const b = createPkcePair();
    expect(a.method).toBe('S256');
    expect(a.verifier).toMatch(/^[A-Za-z0-9._~-]{43,128}$/);
    expect(a.verifier).toHaveLength(43);
    expect(a.challenge).toBe(challengeFor(a.verifier));
    expect(a.challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.verifier).not.toBe(b.verifier);
  });

  it('accepts verifiers of 43 and 128 characters and refuses others', () => {
    expect(() => challengeFor('a'.repeat(43))).not.toThrow();
    expect(() => challengeFor('a.b_c~d-'.repeat(16))).not.toThrow();
    expect(() => challengeFor('a'.repeat(42))).toThrow(RangeError);
    expect(() => challengeFor('a'.repeat(129))).toThrow(RangeError);
    expect(() => challengeFor(`${'a'.repeat(42)}+`)).toThrow(RangeError);
    expect(() => challengeFor(`${'a'.repeat(42)}=`)).toThrow(RangeError);
  });
});
