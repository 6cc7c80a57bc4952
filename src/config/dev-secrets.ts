import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { generateKey } from '../crypto/token-cipher.ts';

/**
 * Outside production, a missing encryption key and state secret are generated once and kept in the
 * data directory (mode 600), so `npm start` works on a laptop with no setup. Production refuses to
 * start without them (config.ts): a key that lives beside the data protects nothing.
 */
export interface DevSecrets {
  encryptionKeys: string;
  primaryKeyId: string;
  stateSecret: string;
}

export async function loadOrCreateDevSecrets(dataDir: string): Promise<{ secrets: DevSecrets; created: boolean }> {
  const file = path.resolve(dataDir, 'secrets.json');
  const existing = await readSecrets(file);
  if (existing) return { secrets: existing, created: false };
  const secrets: DevSecrets = {
    encryptionKeys: `dev1:${generateKey()}`,
    primaryKeyId: 'dev1',
    stateSecret: randomBytes(32).toString('base64url'),
  };
  await mkdir(path.dirname(file), { recursive: true });
  // Two processes starting at once on one data directory must agree on one set of secrets, and
  // neither may read a half-written file: the file is written whole under a private name, then
  // hard-linked into place, which fails if another process got there first.
  const draft = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(draft, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  try {
    await link(draft, file);
    return { secrets, created: true };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const winner = await readSecrets(file);
    if (!winner) throw error;
    return { secrets: winner, created: false };
  } finally {
    await rm(draft, { force: true });
  }
}

async function readSecrets(file: string): Promise<DevSecrets | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as DevSecrets;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
