import { ConfigError, loadConfig, type Config } from '../config.ts';
import { reencryptAll, type Progress } from '../crypto/reencrypt.ts';
import { generateKey, KeyringError, parseKeyring, TokenCipher } from '../crypto/token-cipher.ts';
import { createDb } from '../db/database.ts';
import { startEmbeddedPostgres } from '../db/embedded-postgres.ts';
import { loadOrCreateDevSecrets } from '../dev-secrets.ts';
import { createLogger } from '../log.ts';

/**
 * `npm run keys -- generate [id]`: prints a new keyring entry `<id>:<base64 32 bytes>`.
 * `npm run keys -- rotate`: re-encrypts every stored secret under ENCRYPTION_PRIMARY_KEY_ID.
 * Rotation: add the new key to ENCRYPTION_KEYS, make it primary, restart, run `rotate`, then drop the old key.
 * Exit codes: 0 done, 1 some rows could not be decrypted (listed; nothing else changed for them), 2 bad usage or config.
 */
const USAGE = 'usage: npm run keys -- generate [key-id] | rotate';

async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  if (command === 'generate') return generate(rest[0]);
  if (command === 'rotate') return rotate(loadConfig(process.env));
  process.stderr.write(`${USAGE}\n`);
  return 2;
}

function generate(id = `k${new Date().toISOString().slice(0, 10).replaceAll('-', '')}`): number {
  if (!/^[a-z0-9_-]{1,32}$/.test(id)) {
    process.stderr.write('keys: a key id is 1-32 characters of a-z, 0-9, _ and -\n');
    return 2;
  }
  process.stdout.write(`${id}:${generateKey()}\n`);
  process.stderr.write(`Add it to ENCRYPTION_KEYS (comma-separated), set ENCRYPTION_PRIMARY_KEY_ID=${id}, restart, then run \`npm run keys -- rotate\`.\n`);
  return 0;
}

async function cipherFor(config: Config): Promise<TokenCipher> {
  if (config.encryption) return new TokenCipher(parseKeyring(config.encryption.keys, config.encryption.primaryKeyId));
  const { secrets } = await loadOrCreateDevSecrets(config.dataDir);
  return new TokenCipher(parseKeyring(secrets.encryptionKeys, secrets.primaryKeyId));
}

async function rotate(config: Config): Promise<number> {
  const cipher = await cipherFor(config);
  const log = createLogger({ level: 'warn' });
  const embedded = config.database.url ? undefined : await startEmbeddedPostgres({ dataDir: config.dataDir, log });
  const { db } = createDb({ url: config.database.url ?? embedded!.url, poolSize: 2, applicationName: 'greenlight-keys' });
  try {
    const result = await reencryptAll(db, cipher, progress);
    for (const f of result.failed) process.stderr.write(`keys: ${f.table} ${f.key}: ${f.reason}\n`);
    process.stdout.write(`keys: ${result.reencrypted} re-encrypted, ${result.current} already under the primary key, ${result.failed.length} failed\n`);
    return result.failed.length > 0 ? 1 : 0;
  } finally {
    await db.destroy();
    await embedded?.stop();
  }
}

function progress(p: Progress): void {
  const line = `keys: ${p.table} ${p.done}/${p.total}`;
  if (process.stderr.isTTY) process.stderr.write(`\r${line}${p.done === p.total ? '\n' : ''}`);
  else process.stderr.write(`${line}\n`);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof ConfigError || error instanceof KeyringError) process.stderr.write(`${error.message}\n`);
    else process.stderr.write(`keys failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(error instanceof ConfigError || error instanceof KeyringError ? 2 : 1);
  },
);
