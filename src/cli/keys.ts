import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { reencryptAll, type Progress } from '../db/reencrypt.ts';
import { generateKey } from '../crypto/token-cipher.ts';
import { noMoreArgs, parsing, UsageError } from './args.ts';
import { exitWith } from './exit.ts';
import { note, print } from './output.ts';
import { cliConfig, withRuntime } from './runtime.ts';

/**
 * `greenlight keys generate [id]` (also `npm run keys -- generate`): prints a new keyring entry `<id>:<base64 32 bytes>`.
 * `greenlight keys rotate`: re-encrypts every stored secret under ENCRYPTION_PRIMARY_KEY_ID.
 * Rotation: add the new key to ENCRYPTION_KEYS, make it primary, restart, run `rotate`, then drop the old key.
 * Exit codes: 0 done, 1 some rows could not be decrypted (listed; nothing else changed for them), 2 bad usage or config.
 */
export async function run(args: string[]): Promise<number> {
  const { positionals } = parsing(() => parseArgs({ args, options: {}, allowPositionals: true, strict: true }));
  const [command, ...rest] = positionals;
  if (command === 'generate') {
    noMoreArgs(rest, 1);
    return generate(rest[0]);
  }
  if (command === 'rotate') {
    noMoreArgs(rest, 0);
    return rotate();
  }
  throw new UsageError(command ? `unknown keys command "${command}": keys generate [key-id] | keys rotate` : 'keys generate [key-id] | keys rotate');
}

function generate(id = `k${new Date().toISOString().slice(0, 10).replaceAll('-', '')}`): number {
  if (!/^[a-z0-9_-]{1,32}$/.test(id)) throw new UsageError('a key id is 1-32 characters of a-z, 0-9, _ and -');
  print(`${id}:${generateKey()}`);
  note(`Add it to ENCRYPTION_KEYS (comma-separated), set ENCRYPTION_PRIMARY_KEY_ID=${id}, restart, then run \`greenlight keys rotate\`.`);
  return 0;
}

function rotate(): Promise<number> {
  return withRuntime(cliConfig(), async (rt) => {
    const result = await reencryptAll(rt.db, await rt.cipher(), progress);
    for (const f of result.failed) note(`keys: ${f.table} ${f.key}: ${f.reason}`);
    print(`keys: ${result.reencrypted} re-encrypted, ${result.current} already under the primary key, ${result.failed.length} failed`);
    return result.failed.length > 0 ? 1 : 0;
  });
}

function progress(p: Progress): void {
  const line = `keys: ${p.table} ${p.done}/${p.total}`;
  if (process.stderr.isTTY) process.stderr.write(`\r${line}${p.done === p.total ? '\n' : ''}`);
  else process.stderr.write(`${line}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) exitWith('keys', run(process.argv.slice(2)));
