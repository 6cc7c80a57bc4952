import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { generateKey } from '../src/crypto/token-cipher.ts';
import { SlackEmulator } from '../test/emulators/slack.ts';
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
  const sourceNoChatMb = await residentAfterIdle({ DATABASE_URL: url, ...keys }, options.idleSeconds);
  const slack = await SlackEmulator.start();
  try {
    const slackEnv = { DATABASE_URL: url, ...keys, SLACK_BOT_TOKEN: slack.botToken, SLACK_SIGNING_SECRET: slack.signingSecret, SLACK_API_URL: slack.apiUrl };
    const sourceSlackMb = await residentAfterIdle(slackEnv, options.idleSeconds);
    await buildDist();
    const builtSlackMb = await residentAfterIdle(slackEnv, options.idleSeconds, 'dist/src/main.js');
    return { sourceNoChatMb, sourceSlackMb, builtSlackMb };
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

async function residentAfterIdle(env: Record<string, string>, idleSeconds: number, entry?: string): Promise<number> {
  const app = await spawnGreenlight(env, entry);
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
