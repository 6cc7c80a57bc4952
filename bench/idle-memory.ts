import { readFile } from 'node:fs/promises';
import { generateKey } from '../src/crypto/token-cipher.ts';
import { SlackEmulator } from '../test/emulators/slack.ts';
import { freshDatabase, sleep, spawnGreenlight } from './harness.ts';

/**
 * Resident memory of an idle Greenlight: `node src/main.ts` with DATABASE_URL (no embedded server in
 * the process tree), left alone for `idleSeconds` (workers polling, the sweeper scheduled), then VmRSS
 * from /proc/<pid>/status. Once with no chat configured, once with Slack (HTTP mode, the emulator),
 * and once more with Slack and a smaller V8 young generation (docs/benchmarks.md says why).
 */
export async function idleMemory(adminUrl: string, options: { idleSeconds: number }) {
  const url = await freshDatabase(adminUrl, 'greenlight_bench_memory');
  const keys = { ENCRYPTION_KEYS: `bench:${generateKey()}`, ENCRYPTION_PRIMARY_KEY_ID: 'bench', LOG_LEVEL: 'warn' };
  const bareMb = await residentAfterIdle({ DATABASE_URL: url, ...keys }, options.idleSeconds);
  const slack = await SlackEmulator.start();
  try {
    const slackEnv = { DATABASE_URL: url, ...keys, SLACK_BOT_TOKEN: slack.botToken, SLACK_SIGNING_SECRET: slack.signingSecret, SLACK_API_URL: slack.apiUrl };
    const slackMb = await residentAfterIdle(slackEnv, options.idleSeconds);
    // V8's young generation: by default it keeps tens of MB of garbage an idle process never sweeps.
    const smallYoungMb = await residentAfterIdle({ ...slackEnv, NODE_OPTIONS: '--max-semi-space-size=4' }, options.idleSeconds);
    return { bareMb, slackMb, smallYoungMb };
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
