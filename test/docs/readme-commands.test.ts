import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { ROOT } from '../cli/run-cli.ts';

/**
 * Every command the README shows (its ```sh blocks and its commands table) is either run here, as a
 * reader would type it, against the test database, or listed with the reason it is not (it needs a
 * real account, runs for long, or is this very suite). A command added to the README without a plan
 * here fails the first test.
 */

const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8');

/** Lines of the ```sh blocks, without their trailing comments. */
export function shCommands(markdown: string): string[] {
  const blocks = [...markdown.matchAll(/^```sh\n([\s\S]*?)^```/gm)].map((m) => m[1]!);
  return blocks
    .flatMap((b) => b.split('\n'))
    .map((l) => l.replace(/\s+#.*$/, '').trim())
    .filter(Boolean);
}

/** The first cell of each row of the table under "## Commands", as written. */
export function tableCommands(markdown: string): string[] {
  const section = /^## Commands\n([\s\S]*?)(?=^## )/m.exec(markdown)?.[1] ?? '';
  return section
    .split('\n')
    .filter((l) => l.startsWith('| `'))
    .map((l) => l.split(' | ')[0]!.slice(2).trim());
}

interface Run {
  /** What the reader types (placeholders filled in). */
  run: string;
  code: number;
  stdout?: RegExp;
  stderr?: RegExp;
}
type Plan = Run[] | { skip: string };

const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';
const PLAN: Record<string, Plan> = {
  'npm install': { skip: 'installs from the registry; this checkout is already installed' },
  'npm start': { skip: 'runs until stopped; test/service/start.test.ts starts it, reads /readyz and stops it' },
  'npm test': { skip: 'this suite itself' },
  '`npm start`': { skip: 'runs until stopped; test/service/start.test.ts starts it, reads /readyz and stops it' },
  '`npm test`': { skip: 'this suite itself' },
  '`npm run build`': [{ run: 'npm run build', code: 0 }],
  '`npm run start:built`': { skip: 'runs until stopped; test/service/start.test.ts builds the service, starts the JavaScript, reads /readyz and stops it' },
  '`npm run migrate`': [{ run: 'npm run migrate', code: 0, stdout: /^migrate: the database is up to date$/m }],
  '`npm run keys -- generate [id]`': [{ run: 'npm run keys -- generate k2027', code: 0, stdout: /^k2027:[A-Za-z0-9+/]{43}=$/m }],
  '`npm run keys -- rotate`': [{ run: 'npm run keys -- rotate', code: 0, stdout: /keys: 0 re-encrypted, 0 already under the primary key, 0 failed/ }],
  '`npm run discord:register [-- --guild ID]`': {
    skip: 'registers commands with a real Discord application (DISCORD_BOT_TOKEN); test/e2e/discord-edge.test.ts runs its registration code against the emulator',
  },
  '`npm run typecheck`': { skip: 'npm test runs the same tsc first; about a minute on a shared 2-core machine' },
  '`npm run check:layers`': [{ run: 'npm run check:layers', code: 0, stdout: /no dependency violations found/ }],
  '`npm run lint` / `npm run format`': { skip: 'formatting and lint of the whole tree; .ci/run runs `npm run lint` as its own step' },
  '`KEEP_FAILED_DB=1 npx vitest run FILE`': {
    skip: 'a switch of a test run itself (test/helpers/keep-failed.ts); a test cannot run the suite inside the suite',
  },
  '`npx greenlight migrate`': [{ run: 'npx greenlight migrate', code: 0, stdout: /^migrate: the database is up to date$/m }],
  '`npx greenlight accounts list [--workspace ID] [--status S] [--json]`': [
    { run: 'npx greenlight accounts list', code: 0, stdout: /^no accounts$/m },
    { run: 'npx greenlight accounts list --status needs_reconnect --json', code: 0, stdout: /^\[\]\s*$/ },
  ],
  '`npx greenlight accounts check [ID]`': [{ run: 'npx greenlight accounts check', code: 0, stdout: /^no accounts to check$/m }],
  '`npx greenlight accounts disconnect ID [--yes]`': [
    { run: `npx greenlight accounts disconnect ${UNKNOWN_ID} --yes`, code: 1, stderr: /there is no account 0{8}-/ },
  ],
  '`npx greenlight posts list [--state S] [--since 7d] [--workspace ID] [--limit N] [--json]`': [
    { run: 'npx greenlight posts list --state failed --since 7d --limit 20', code: 0 },
  ],
  '`npx greenlight posts show ID [--json]`': [{ run: `npx greenlight posts show ${UNKNOWN_ID}`, code: 1, stderr: /there is no post 0{8}-/ }],
  '`npx greenlight posts retry ID` / `posts cancel ID`': [
    { run: `npx greenlight posts retry ${UNKNOWN_ID}`, code: 1, stderr: /no post 0{8}-/i },
    { run: `npx greenlight posts cancel ${UNKNOWN_ID}`, code: 1, stderr: /no post 0{8}-/i },
  ],
  '`npx greenlight media list [--workspace ID] [--limit N] [--json]`': [
    { run: 'npx greenlight media list', code: 0, stdout: /^no media$/m },
    { run: 'npx greenlight media list --limit 5 --json', code: 0, stdout: /^\[\]\s*$/ },
  ],
  '`npx greenlight media prune [--older-than 30d] [--dry-run] [--json]`': [
    {
      run: 'npx greenlight media prune --dry-run',
      code: 0,
      stdout: /^media: nothing to remove \(files of published, canceled or rejected posts go after 30 days\)$/m,
    },
    { run: 'npx greenlight media prune --older-than soon', code: 2, stderr: /--older-than takes a number of days/ },
  ],
  '`npx greenlight keys generate [id]` / `keys rotate`': [
    { run: 'npx greenlight keys generate k2028', code: 0, stdout: /^k2028:[A-Za-z0-9+/]{43}=$/m },
    { run: 'npx greenlight keys rotate', code: 0, stdout: /0 failed/ },
  ],
  '`npx greenlight doctor [--offline] [--json]`': [
    { run: 'npx greenlight doctor --offline', code: 0, stdout: /✓ database/ },
    { run: 'npx greenlight doctor --offline --json', code: 0, stdout: /"ok": ?true/ },
  ],
  // The scenario itself (about 30 s, with --picture) runs in test/e2e/demo.test.ts; here only the refusal of a bad option.
  '`npm run demo [-- --picture FILE]`': [{ run: 'npm run demo -- --picture', code: 2, stderr: /^usage: npm run demo \[-- --picture FILE\.svg\]$/m }],
  '`npm run test:chaos`': { skip: 'minutes of worker kills and a PostgreSQL restart; CI runs it after npm test' },
  '`npm run bench`': { skip: 'minutes of load; figures belong in bench/RESULTS.md, never in a test' },
};

/** Not in the README's table, but named in docs/operations.md and the CLI's own hints. */
const EXTRA: Run[] = [{ run: 'npx greenlight help', code: 0, stdout: /usage: greenlight <command>/ }];

let testDb: TestDatabase;
let env: Record<string, string>;
beforeAll(async () => {
  testDb = await createTestDatabase();
  env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? os.tmpdir(),
    NODE_ENV: 'test',
    DATABASE_URL: testDb.url,
    ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    ENCRYPTION_PRIMARY_KEY_ID: 'k1',
    STATE_SECRET: randomBytes(32).toString('hex'),
    GREENLIGHT_DATA_DIR: path.join(os.tmpdir(), `greenlight-readme-${randomBytes(4).toString('hex')}`),
  };
});
afterAll(async () => {
  await testDb?.drop();
});

function sh(command: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', command], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const listed = [...shCommands(README), ...tableCommands(README)];

describe("the README's commands", () => {
  it('are each run below or skipped for a stated reason', () => {
    expect(listed.length).toBeGreaterThan(20);
    expect(listed.filter((c) => !(c in PLAN))).toEqual([]);
    expect(Object.keys(PLAN).filter((c) => !listed.includes(c))).toEqual([]);
    for (const [command, plan] of Object.entries(PLAN)) if ('skip' in plan) console.log(`not run: ${command}: ${plan.skip}`);
  });

  const runs = [...Object.values(PLAN).flatMap((p) => ('skip' in p ? [] : p)), ...EXTRA];
  it.each(runs)(
    '$run exits $code',
    async ({ run, code, stdout, stderr }) => {
      const result = await sh(run);
      expect({ code: result.code, stdout: result.stdout, stderr: result.stderr }).toMatchObject({ code });
      if (stdout) expect(result.stdout).toMatch(stdout);
      if (stderr) expect(result.stderr).toMatch(stderr);
      // Whatever a command prints, it never prints a key it was given.
      expect(result.stdout + result.stderr).not.toContain(env.ENCRYPTION_KEYS!.slice(3));
    },
    60_000,
  );
});
