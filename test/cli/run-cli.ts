import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseKeyring, TokenCipher } from '../../src/crypto/token-cipher.ts';

/** Runs `greenlight` (src/cli/main.ts) as a child process, as an operator would, and collects what it printed. */

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A keyring for the seeded tokens, given to the CLI as the server's ENCRYPTION_KEYS. */
export function testKeys() {
  const spec = `cli1:${randomBytes(32).toString('base64')}`;
  return { env: { ENCRYPTION_KEYS: spec, ENCRYPTION_PRIMARY_KEY_ID: 'cli1' }, cipher: new TokenCipher(parseKeyring(spec, 'cli1')) };
}

/** The environment's GREENLIGHT_DATA_DIR holds nothing: the CLI must use DATABASE_URL, never a stray embedded database. */
export function runCli(args: string[], env: Record<string, string>, options: { bin?: boolean; node?: string } = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    const fullEnv = {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      OUTBOUND_ALLOW_PRIVATE: '127.0.0.0/8,::1/128',
      GREENLIGHT_DATA_DIR: path.join(os.tmpdir(), `greenlight-cli-none-${randomBytes(4).toString('hex')}`),
      ...env,
    };
    const entry = options.bin ? 'bin/greenlight.mjs' : 'src/cli/main.ts';
    const child = spawn(options.node ?? process.execPath, [entry, ...args], { cwd: ROOT, env: fullEnv, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdin.end();
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export function operatorName(): string {
  return `cli:${os.userInfo().username}`;
}

/** A Node older than 24 on PATH (outside node_modules), as on a machine whose own Node is older; undefined if none. */
export function olderNode(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, 'node');
    if (dir.includes('node_modules') || !existsSync(candidate)) continue;
    const version = spawnSync(candidate, ['--version'], { encoding: 'utf8' }).stdout?.trim() ?? '';
    if (Number(/^v(\d+)/.exec(version)?.[1] ?? 99) < 24) return candidate;
  }
  return undefined;
}
