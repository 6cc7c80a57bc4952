import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { DecryptError, KeyringError, TokenCipher, generateKey, parseKeyring } from '../../src/crypto/token-cipher.ts';

const K2025 = Buffer.from(Array.from({ length: 32 }, (_, i) => (i * 37 + 11) % 256)).toString('base64');
const K2026 = Buffer.from(Array.from({ length: 32 }, (_, i) => (i * 53 + 200) % 256)).toString('base64');
const ROW = 'social_account:6f1c2a9e-0b7d-4c1e-9a55-2d3f4b5c6d7e';
const OTHER_ROW = 'social_account:0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const TOKEN = 'ya29.a0AfH6SMB-secret-access-token';

const cipherFor = (spec: string, primary: string) => new TokenCipher(parseKeyring(spec, primary));

function decryptError(fn: () => unknown): DecryptError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DecryptError);
    return error as DecryptError;
  }
  throw new Error('expected a DecryptError');
}

/** Re-encodes one base64url part of the envelope with its first byte flipped. */
function flip(envelope: string, index: 2 | 3 | 4): string {
  const parts = envelope.split('.');
  const bytes = Buffer.from(parts[index] as string, 'base64url');
  bytes[0] = (bytes[0] as number) ^ 0x01;
  parts[index] = bytes.toString('base64url');
  return parts.join('.');
}

describe('TokenCipher', () => {
  const cipher = cipherFor(`k2025:${K2025}`, 'k2025');

  it('round-trips, including empty and non-ASCII plaintext', () => {
    for (const plaintext of [TOKEN, '', 'jeton-é-🔑', 'x'.repeat(4096)]) {
      expect(cipher.decrypt(cipher.encrypt(plaintext, ROW), ROW)).toBe(plaintext);
    }
  });

  it('writes a v1 envelope naming the key, with a 12-byte iv and 16-byte tag, and no plaintext', () => {
    const envelope = cipher.encrypt(TOKEN, ROW);
    const [version, keyId, iv, ciphertext, tag, ...rest] = envelope.split('.');
    expect([version, keyId, rest]).toEqual(['v1', 'k2025', []]);
    expect(Buffer.from(iv as string, 'base64url')).toHaveLength(12);
    expect(Buffer.from(ciphertext as string, 'base64url')).toHaveLength(Buffer.byteLength(TOKEN));
    expect(Buffer.from(tag as string, 'base64url')).toHaveLength(16);
    expect(envelope).toMatch(/^v1\.k2025\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(envelope).not.toContain('secret');
  });

  it('uses a fresh iv each time', () => {
    const a = cipher.encrypt(TOKEN, ROW);
    const b = cipher.encrypt(TOKEN, ROW);
    expect(a).not.toBe(b);
    expect(a.split('.')[2]).not.toBe(b.split('.')[2]);
  });

  it('refuses a ciphertext copied to another row (wrong associated data)', () => {
    const error = decryptError(() => cipher.decrypt(cipher.encrypt(TOKEN, ROW), OTHER_ROW));
    expect(error.reason).toBe('auth_failed');
    expect(error.message).not.toContain(TOKEN);
  });

  it('requires associated data', () => {
    expect(() => cipher.encrypt(TOKEN, '')).toThrow(TypeError);
    expect(() => cipher.decrypt(cipher.encrypt(TOKEN, ROW), '')).toThrow(TypeError);
  });

  it.each([
    ['iv', 2],
    ['ciphertext', 3],
    ['tag', 4],
  ] as const)('refuses a tampered %s', (_part, index) => {
    const envelope = cipher.encrypt(TOKEN, ROW);
    const error = decryptError(() => cipher.decrypt(flip(envelope, index), ROW));
    expect(error.reason).toBe('auth_failed');
    expect(error.message).not.toContain(TOKEN);
    expect(error.message).not.toContain(envelope.split('.')[3]);
    expect(error.cause).toBeUndefined();
  });

  it('refuses an envelope relabelled with another configured key id', () => {
    const both = cipherFor(`k2025:${K2025},k2026:${K2026}`, 'k2025');
    const relabelled = both.encrypt(TOKEN, ROW).replace('.k2025.', '.k2026.');
    expect(decryptError(() => both.decrypt(relabelled, ROW)).reason).toBe('auth_failed');
  });

  it('refuses an unknown key id, naming the id only', () => {
    const envelope = cipherFor(`k2026:${K2026}`, 'k2026').encrypt(TOKEN, ROW);
    const error = decryptError(() => cipher.decrypt(envelope, ROW));
    expect(error.reason).toBe('unknown_key');
    expect(error.message).toContain('"k2026"');
    expect(error.message).not.toContain(K2025);
    expect(error.message).not.toContain(K2026);
  });

  it.each([
    ['empty', '', 'malformed'],
    ['too few parts', 'v1.k2025.AAAA.AAAA', 'malformed'],
    ['too many parts', 'v1.k2025.AAAA.AAAA.AAAA.AAAA', 'malformed'],
    ['other version', 'v2.k2025.AAAAAAAAAAAAAAAA.AAAA.AAAAAAAAAAAAAAAAAAAAAA', 'unsupported_version'],
    ['bad key id', 'v1.K 2025.AAAAAAAAAAAAAAAA.AAAA.AAAAAAAAAAAAAAAAAAAAAA', 'malformed'],
    ['short iv', 'v1.k2025.AAAA.AAAA.AAAAAAAAAAAAAAAAAAAAAA', 'malformed'],
    ['short tag', 'v1.k2025.AAAAAAAAAAAAAAAA.AAAA.AAAA', 'malformed'],
    ['non-base64url ciphertext', 'v1.k2025.AAAAAAAAAAAAAAAA.AA+/.AAAAAAAAAAAAAAAAAAAAAA', 'malformed'],
    ['well-formed forgery', 'v1.k2025.AAAAAAAAAAAAAAAB.AAAA.AAAAAAAAAAAAAAAAAAAAAA', 'auth_failed'],
    ['padded base64', 'v1.k2025.AAAAAAAAAAAAAAAA.AA==.AAAAAAAAAAAAAAAAAAAAAA', 'malformed'],
  ])('refuses a malformed envelope: %s', (_name, envelope, reason) => {
    expect(decryptError(() => cipher.decrypt(envelope, ROW)).reason).toBe(reason);
  });

  it('rejects a non-canonical tag spelling as malformed', () => {
    // 16 bytes need 22 base64url characters, the last carrying 2 unused bits; setting them is non-canonical.
    const envelope = cipher.encrypt(TOKEN, ROW);
    const parts = envelope.split('.');
    const tag = parts[4] as string;
    const last = tag.at(-1) as string;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    parts[4] = tag.slice(0, -1) + alphabet[alphabet.indexOf(last) ^ 0x01];
    expect(decryptError(() => cipher.decrypt(parts.join('.'), ROW)).reason).toBe('malformed');
  });

  it('rotates: old key still decrypts, needsReencrypt flags it, re-encryption moves it to the new primary', () => {
    const old = cipherFor(`k2025:${K2025}`, 'k2025');
    const stored = old.encrypt(TOKEN, ROW);
    expect(old.needsReencrypt(stored)).toBe(false);

    const rotated = cipherFor(`k2025:${K2025},k2026:${K2026}`, 'k2026');
    expect(rotated.needsReencrypt(stored)).toBe(true);
    expect(rotated.decrypt(stored, ROW)).toBe(TOKEN);

    const reencrypted = rotated.encrypt(rotated.decrypt(stored, ROW), ROW);
    expect(reencrypted.split('.')[1]).toBe('k2026');
    expect(rotated.needsReencrypt(reencrypted)).toBe(false);
    expect(rotated.decrypt(reencrypted, ROW)).toBe(TOKEN);

    // Once every row is re-encrypted the old key can go; an unconverted row then fails loudly.
    const retired = cipherFor(`k2026:${K2026}`, 'k2026');
    expect(retired.decrypt(reencrypted, ROW)).toBe(TOKEN);
    expect(decryptError(() => retired.decrypt(stored, ROW)).reason).toBe('unknown_key');
  });

  it('needsReencrypt throws DecryptError on a malformed envelope', () => {
    expect(decryptError(() => cipher.needsReencrypt('not-an-envelope')).reason).toBe('malformed');
  });

  it('does not expose key material when the keyring or cipher is inspected', () => {
    const keyring = parseKeyring(`k2025:${K2025}`, 'k2025');
    const printed = [inspect(keyring, { depth: 10 }), JSON.stringify(keyring), inspect(cipher, { depth: 10 })];
    for (const text of printed) {
      expect(text).not.toContain(K2025);
      expect(text).not.toContain(Buffer.from(K2025, 'base64').toString('hex'));
    }
  });
});

describe('parseKeyring', () => {
  it('parses several keys and tolerates surrounding whitespace', () => {
    const keyring = parseKeyring(` k2025:${K2025} ,\n k2026 : ${K2026}\n`, 'k2026');
    expect(keyring.primaryKeyId).toBe('k2026');
    expect([...keyring.keys.keys()]).toEqual(['k2025', 'k2026']);
    expect(keyring.keys.get('k2025')?.symmetricKeySize).toBe(32);
  });

  it('accepts ids at the edges of [a-z0-9_-]{1,32}', () => {
    const long = 'a'.repeat(32);
    expect(parseKeyring(`a:${K2025},${long}:${K2026},k_2-0:${generateKey()}`, long).keys.size).toBe(3);
  });

  const short = Buffer.alloc(16, 7).toString('base64');
  const long = Buffer.alloc(33, 7).toString('base64');
  const unpadded = K2025.replace(/=+$/, '');
  const urlSafe = Buffer.alloc(32, 0xfb).toString('base64url');

  it.each([
    ['empty spec', '', 'k2025', /no keys configured/],
    ['blank spec', '  \n', 'k2025', /no keys configured/],
    ['entry without colon', K2025, 'k2025', /entry 1 of 1 is not of the form <id>:<base64 key>/],
    ['empty entry', `k2025:${K2025},`, 'k2025', /entry 2 of 2 is empty/],
    ['misordered entry', `${K2025}:k2025`, 'k2025', /entry 1 of 1: key id must match/],
    ['uppercase id', `K2025:${K2025}`, 'K2025', /entry 1 of 1: key id must match/],
    ['id too long', `${'a'.repeat(33)}:${K2025}`, 'k2025', /key id must match/],
    ['id with a dot', `k.1:${K2025}`, 'k2025', /key id must match/],
    ['empty id', `:${K2025}`, 'k2025', /key id must match/],
    ['duplicate id', `k2025:${K2025},k2025:${K2026}`, 'k2025', /entry 2 of 2: key id "k2025" appears more than once/],
    ['missing key', 'k2025:', 'k2025', /key "k2025" has no key material/],
    ['16-byte key', `k2025:${short}`, 'k2025', /key "k2025" must be 32 bytes, got 16/],
    ['33-byte key', `k2025:${long}`, 'k2025', /key "k2025" must be 32 bytes, got 33/],
    ['unpadded base64', `k2025:${unpadded}`, 'k2025', /key "k2025" is not valid base64/],
    ['base64url alphabet', `k2025:${urlSafe}`, 'k2025', /key "k2025" is not valid base64/],
    ['garbage key', `k2025:${K2025.slice(0, 20)}!!${K2025.slice(22)}`, 'k2025', /key "k2025" is not valid base64/],
    ['extra colon', `k2025:${K2025}:x`, 'k2025', /key "k2025" is not valid base64/],
    ['primary absent', `k2025:${K2025},k2026:${K2026}`, 'k2027', /primary key id "k2027" is not among .*\(k2025, k2026\)/],
    ['primary empty', `k2025:${K2025}`, '', /primary key id must match/],
    ['primary set to a key', `k2025:${K2025}`, K2026, /primary key id must match/],
  ])('rejects %s with a message naming the problem and no key material', (_name, spec, primary, message) => {
    let caught: unknown;
    try {
      parseKeyring(spec, primary);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(KeyringError);
    const error = caught as KeyringError;
    expect(error.message).toMatch(message);
    const text = `${error.message}\n${error.stack ?? ''}\n${inspect(error)}`;
    for (const secret of [K2025, K2026, short, long, unpadded, urlSafe]) {
      // No key, and no 8-character run of one, anywhere in what might be logged.
      for (let i = 0; i + 8 <= secret.length; i += 4) expect(text).not.toContain(secret.slice(i, i + 8));
    }
  });

  it('TokenCipher refuses a hand-built keyring without its primary', () => {
    const keyring = parseKeyring(`k2025:${K2025}`, 'k2025');
    expect(() => new TokenCipher({ primaryKeyId: 'k2026', keys: keyring.keys })).toThrow(KeyringError);
  });
});

describe('generateKey', () => {
  it('returns canonical base64 of 32 random bytes that parseKeyring accepts', () => {
    const a = generateKey();
    const b = generateKey();
    expect(a).not.toBe(b);
    expect(Buffer.from(a, 'base64')).toHaveLength(32);
    expect(a).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    const fresh = cipherFor(`k2027:${a}`, 'k2027');
    expect(fresh.decrypt(fresh.encrypt(TOKEN, ROW), ROW)).toBe(TOKEN);
  });
});
