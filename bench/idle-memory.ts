import { readFile } from 'node:fs/promises';
import { generateKey } from '../src/crypto/token-cipher.ts';
import { SlackEmulator } from '../test/emulators/slack.ts';
import { freshDatabase, sleep, spawnGreenlight } from './harness.ts';

/**
 * Resident memory of an idle Greenlight: `node src/main.ts` with DATABASE_URL (no embedded server in
 * the process tree), left alone for `idleSeconds` (workers polling, the sweeper scheduled), then VmRSS
 * from /proc/<pid>/status. Once with no chat configured, once with Slack (HTTP mode, the emulator).
 */
export async function idleMemory(adminUrl: string, options: { idleSeconds: number }) {
  const url = await freshDatabase(adminUrl, 'greenlight_bench_memory');
  const keys = { ENCRYPTION_KEYS: `bench:${generateKey()}`, ENCRYPTION_PRIMARY_KEY_ID: 'bench', LOG_LEVEL: 'warn' };
  const bareMb = await residentAfterIdle({ DATABASE_URL: url, ...keys }, options.idleSeconds);
  const slack = await SlackEmulator.start();
  try {
    const slackMb = await residentAfterIdle({ DATABASE_URL: url, ...keys, SLACK_BOT_TOKEN: slack.botToken, SLACK_SIGNING_SECRET: slack.signingSecret, SLACK_API_URL: slack.apiUrl }, options.idleSeconds);
    return { bareMb, slackMb };
  } finally {
    await slack.stop();
  }
}

async function residentAfterIdle(env: Record<string, string>, idleSeconds: number): Promise<number> {
  const app = await spawnGreenlight(env);
  try {
    await sleep(idleSeconds * 1000);
    return await residentMb(app.pid);
  } finally {
    await app.stop();
  }
}

export async function residentMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1]);
  return kb / 1024;
}
