import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { generateKey } from '../src/crypto/token-cipher.ts';
import { SlackEmulator } from '../emulators/slack.ts';
import { freshDatabase, sleep, spawnGreenlight } from './harness.ts';

/**
 * Resident memory of an idle Greenlight with DATABASE_URL (no embedded server in the process tree),
 * left alone for `idleSeconds` (workers polling, the sweeper scheduled), then VmRSS from
 * /proc/<pid>/status. Three configurations: `npm start` (TypeScript run directly) with no chat, the
 * same with Slack (HTTP mode, the emulator), and the Docker image's way, the JavaScript of
 * `npm run build`, with Slack. All three with the 4 MB young generation both pass.
 */
export async function idleMemory(adminUrl: string, options: { idleSeconds: number }) {
  const url = await freshDatabase(adminUrl, 'greenlight_bench_memory');
  const keys = { ENCRYPTION_KEYS: `bench:${generateKey()}`, ENCRYPTION_PRIMARY_KEY_ID: 'bench', LOG_LEVEL: 'warn' };
  const idle = await residentAfterIdle({ DATABASE_URL: url, ...keys }, options.idleSeconds, adminUrl);
  const sourceNoChatMb = idle.mb;
  const slack = await SlackEmulator.start();
  try {
    const slackEnv = { DATABASE_URL: url, ...keys, SLACK_BOT_TOKEN: slack.botToken, SLACK_SIGNING_SECRET: slack.signingSecret, SLACK_API_URL: slack.apiUrl };
    const sourceSlackMb = (await residentAfterIdle(slackEnv, options.idleSeconds, adminUrl)).mb;
    await buildDist();
    const builtSlackMb = (await residentAfterIdle(slackEnv, options.idleSeconds, adminUrl, 'dist/src/main.js')).mb;
    return { sourceNoChatMb, sourceSlackMb, builtSlackMb, idleTransactionsPerSecond: idle.transactionsPerSecond };
  } finally {
    await slack.stop();
  }
}

/** `npm run build`'s compiler call, so the built figure is of this checkout's code. */
async function buildDist(): Promise<void> {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const tsc = spawn(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  const [code] = await once(tsc, 'exit');
  if (code !== 0) throw new Error(`npm run build failed (exit ${code})`);
}

/** VmRSS after `idleSeconds`, and the database transactions a second over the second half of that wait. */
async function residentAfterIdle(
  env: Record<string, string>,
  idleSeconds: number,
  adminUrl: string,
  entry?: string,
): Promise<{ mb: number; transactionsPerSecond: number }> {
  const app = await spawnGreenlight(env, entry);
  try {
    const half = (idleSeconds * 1000) / 2;
    await sleep(half);
    const before = await committedTransactions(adminUrl, 'greenlight_bench_memory');
    await sleep(half);
    const after = await committedTransactions(adminUrl, 'greenlight_bench_memory');
    return { mb: await residentMb(app.pid), transactionsPerSecond: (after - before) / (half / 1000) };
  } finally {
    await app.stop();
  }
}

/** pg_stat_database's count of committed transactions (every statement outside a transaction is one). */
async function committedTransactions(adminUrl: string, database: string): Promise<number> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    // The statistics of this backend's own transaction are a snapshot: ask for fresh ones.
    await client.query('SELECT pg_stat_clear_snapshot()');
    const { rows } = await client.query<{ n: string }>('SELECT xact_commit AS n FROM pg_stat_database WHERE datname = $1', [database]);
    return Number(rows[0]?.n ?? 0);
  } finally {
    await client.end();
  }
}

export async function residentMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1]);
  return kb / 1024;
}
