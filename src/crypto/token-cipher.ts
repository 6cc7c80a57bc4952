// Envelope encryption for OAuth credentials at rest: no network token is stored in the clear.
//
// Envelope: `v1.<keyId>.<iv>.<ciphertext>.<tag>`, the last three base64url without padding; AES-256-GCM with a
// random 12-byte IV and a 16-byte tag. The primary key encrypts; every key in the keyring decrypts, so keys can
// rotate: add the new key, make it primary, re-encrypt rows for which `needsReencrypt` is true, then drop the old key.
//
// The caller's associated data names the row (`social_account:<uuid>`), so a ciphertext copied to another row fails
// to decrypt. The version and key id are authenticated with it: the GCM AAD is `v1.<keyId>.<associatedData>` (key ids
// contain no `.`, so the prefix is unambiguous).
//
// Key bytes live only in `KeyObject`s (which print no material), and no error message here carries key material,
// plaintext or an envelope.
import { createCipheriv, createDecipheriv, createSecretKey, randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

const VERSION = 'v1';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID = /^[a-z0-9_-]{1,32}$/;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

export interface Keyring {
  readonly primaryKeyId: string;
  readonly keys: ReadonlyMap<string, KeyObject>;
}

/** A bad keyring spec. The message names the entry and, once it is known to be a valid id, the key id; never a key. */
export class KeyringError extends Error {
  override name = 'KeyringError';
}

export type DecryptFailure = 'malformed' | 'unsupported_version' | 'unknown_key' | 'auth_failed';

/** Decryption refused. The message names the reason (and a known-format key id), never the envelope or a secret. */
export class DecryptError extends Error {
  override name = 'DecryptError';
  readonly reason: DecryptFailure;
  constructor(reason: DecryptFailure, message: string) {
    super(message);
    this.reason = reason;
  }
}

/** A new key for the keyring: base64 of 32 random bytes. */
export function generateKey(): string {
  return randomBytes(KEY_BYTES).toString('base64');
}

/**
 * Parses `id1:BASE64,id2:BASE64` (whitespace around entries and parts is ignored). Each key must be canonical
 * base64 of exactly 32 bytes, ids must match `[a-z0-9_-]{1,32}` and be unique, and the primary must be present.
 */
export function parseKeyring(spec: string, primaryKeyId: string): Keyring {
  if (typeof spec !== 'string' || spec.trim() === '') throw new KeyringError('keyring: no keys configured');
  const keys = new Map<string, KeyObject>();
  const entries = spec.split(',');
  entries.forEach((raw, index) => {
    const where = `keyring entry ${index + 1} of ${entries.length}`;
    const entry = raw.trim();
    if (entry === '') throw new KeyringError(`${where} is empty`);
    const colon = entry.indexOf(':');
    if (colon < 0) throw new KeyringError(`${where} is not of the form <id>:<base64 key>`);
    const id = entry.slice(0, colon).trim();
    const encoded = entry.slice(colon + 1).trim();
    // An invalid id is not echoed: a misordered entry could put key material where the id belongs.
    if (!KEY_ID.test(id)) throw new KeyringError(`${where}: key id must match [a-z0-9_-]{1,32}`);
    if (keys.has(id)) throw new KeyringError(`${where}: key id "${id}" appears more than once`);
    if (encoded === '') throw new KeyringError(`${where}: key "${id}" has no key material`);
    const bytes = Buffer.from(encoded, 'base64');
    if (bytes.toString('base64') !== encoded) {
      bytes.fill(0);
      throw new KeyringError(`${where}: key "${id}" is not valid base64`);
    }
    if (bytes.length !== KEY_BYTES) {
      const length = bytes.length;
      bytes.fill(0);
      throw new KeyringError(`${where}: key "${id}" must be ${KEY_BYTES} bytes, got ${length}`);
    }
    keys.set(id, createSecretKey(bytes));
    bytes.fill(0);
  });
  if (typeof primaryKeyId !== 'string' || !KEY_ID.test(primaryKeyId)) {
    throw new KeyringError('keyring: primary key id must match [a-z0-9_-]{1,32}');
  }
  if (!keys.has(primaryKeyId)) {
    throw new KeyringError(`keyring: primary key id "${primaryKeyId}" is not among the configured ids (${[...keys.keys()].join(', ')})`);
  }
  return Object.freeze({ primaryKeyId, keys });
}

interface ParsedEnvelope {
  keyId: string;
  iv: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

function decodeBase64url(part: string): Buffer | undefined {
  if (!BASE64URL.test(part)) return undefined;
  const bytes = Buffer.from(part, 'base64url');
  // Canonical only: one envelope, one spelling.
  return bytes.toString('base64url') === part ? bytes : undefined;
}

function parseEnvelope(envelope: string): ParsedEnvelope {
  if (typeof envelope !== 'string') throw new DecryptError('malformed', 'token envelope is not a string');
  const parts = envelope.split('.');
  if (parts.length !== 5) throw new DecryptError('malformed', 'token envelope must have 5 dot-separated parts');
  const [version, keyId, ivPart, ctPart, tagPart] = parts as [string, string, string, string, string];
  if (version !== VERSION) throw new DecryptError('unsupported_version', 'token envelope version is not supported');
  if (!KEY_ID.test(keyId)) throw new DecryptError('malformed', 'token envelope key id is malformed');
  const iv = decodeBase64url(ivPart);
  if (iv?.length !== IV_BYTES) throw new DecryptError('malformed', `token envelope iv must be ${IV_BYTES} bytes`);
  const ciphertext = decodeBase64url(ctPart);
  if (ciphertext === undefined) throw new DecryptError('malformed', 'token envelope ciphertext is not base64url');
  const tag = decodeBase64url(tagPart);
  if (tag?.length !== TAG_BYTES) throw new DecryptError('malformed', `token envelope tag must be ${TAG_BYTES} bytes`);
  return { keyId, iv, ciphertext, tag };
}

function aadFor(keyId: string, associatedData: string): Buffer {
  if (typeof associatedData !== 'string' || associatedData === '') {
    throw new TypeError('associated data must name the row, e.g. social_account:<uuid>');
  }
  return Buffer.from(`${VERSION}.${keyId}.${associatedData}`, 'utf8');
}

export class TokenCipher {
  readonly #keyring: Keyring;

  constructor(keyring: Keyring) {
    if (!keyring.keys.has(keyring.primaryKeyId)) throw new KeyringError('keyring: primary key id is not in the keyring');
    this.#keyring = keyring;
  }

  /** Encrypts under the primary key, binding the envelope to `associatedData`. */
  encrypt(plaintext: string, associatedData: string): string {
    if (typeof plaintext !== 'string') throw new TypeError('plaintext must be a string');
    const keyId = this.#keyring.primaryKeyId;
    const key = this.#keyring.keys.get(keyId) as KeyObject;
    const aad = aadFor(keyId, associatedData);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(aad);
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [VERSION, keyId, iv.toString('base64url'), ciphertext.toString('base64url'), tag.toString('base64url')].join('.');
  }

  /** Decrypts with whichever configured key the envelope names; throws `DecryptError` on any failure. */
  decrypt(envelope: string, associatedData: string): string {
    const { keyId, iv, ciphertext, tag } = parseEnvelope(envelope);
    const aad = aadFor(keyId, associatedData);
    const key = this.#keyring.keys.get(keyId);
    if (key === undefined) throw new DecryptError('unknown_key', `token envelope key id "${keyId}" is not configured`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(aad);
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
    } catch {
      // Node's error says only "unable to authenticate data"; ours adds what the caller can act on, and no cause.
      throw new DecryptError('auth_failed', `token envelope under key "${keyId}" failed authentication (wrong row, wrong key or tampered)`);
    }
  }

  /**
   * True when the envelope was encrypted under a key other than the primary. Reads the header only, without
   * authenticating: decrypt, then encrypt, to rotate. Throws `DecryptError` for a malformed envelope.
   */
  needsReencrypt(envelope: string): boolean {
    return parseEnvelope(envelope).keyId !== this.#keyring.primaryKeyId;
  }
}
