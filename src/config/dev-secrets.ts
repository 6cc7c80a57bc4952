import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
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
  if (existsSync(file)) return { secrets: JSON.parse(await readFile(file, 'utf8')) as DevSecrets, created: false };
  const secrets: DevSecrets = {
    encryptionKeys: `dev1:${generateKey()}`,
    primaryKeyId: 'dev1',
    stateSecret: randomBytes(32).toString('base64url'),
  };
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return { secrets, created: true };
}
