import { pathToFileURL } from 'node:url';
import { report } from './exit.ts';
import { USAGE } from './usage.ts';

/**
 * `npx greenlight <command>` (bin/greenlight.mjs) or `node src/cli/main.ts <command>`: the operator's
 * CLI. Each command is one module under src/cli/, loaded only when asked for.
 */
type Command = { run(args: string[]): Promise<number> };

const COMMANDS: Record<string, () => Promise<Command>> = {
  migrate: () => import('./migrate.ts'),
  accounts: () => import('./accounts.ts'),
  posts: () => import('./posts.ts'),
  keys: () => import('./keys.ts'),
  doctor: () => import('./doctor.ts'),
  media: () => import('./media.ts'),
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  // Help asked for is a success; no command at all is a usage error (a script that forgot its argument).
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return name === undefined ? 2 : 0;
  }
  const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!load) {
    process.stderr.write(`greenlight: unknown command "${name}"\n\n${USAGE}\n`);
    return 2;
  }
  try {
    return await (await load()).run(args);
  } catch (error) {
    return report(`greenlight ${name}`, error);
  }
}

/** Runs the CLI and ends the process with its exit code (pools and timers would otherwise keep it alive). */
export async function runCli(argv: string[]): Promise<never> {
  process.exit(await main(argv));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) void runCli(process.argv.slice(2));
