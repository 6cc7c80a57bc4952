#!/usr/bin/env node
// `npx greenlight <command>`: the operator CLI in src/cli/main.ts. Greenlight runs its TypeScript
// directly, which takes Node 24; on an older Node this re-runs the CLI with the Node 24 that
// `npm install` puts in node_modules/.bin (the `node` dev dependency).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const main = path.join(root, 'src', 'cli', 'main.ts');
const args = process.argv.slice(2);

if (Number(process.versions.node.split('.')[0]) >= 24) {
  const { runCli } = await import(pathToFileURL(main).href);
  await runCli(args);
} else {
  const node = path.join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'node.cmd' : 'node');
  if (!existsSync(node)) {
    console.error(
      `greenlight needs Node 24 or newer; this is Node ${process.versions.node}. Run \`npm install\` (it installs Node 24 into node_modules/.bin) or install Node 24.`,
    );
    process.exit(2);
  }
  const child = spawn(node, [main, ...args], { stdio: 'inherit' });
  // Ctrl-C reaches the child from the terminal itself; a SIGTERM sent to this process is passed on.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  child.on('exit', (code, signal) => process.exit(code ?? 128 + (constants.signals[signal] ?? 0)));
}
