import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { QUEUES } from '../../src/queue/queue.ts';
import { ROOT } from '../cli/run-cli.ts';

/**
 * docs/operations.md's examples are real output; these are the parts that go stale as the code grows
 * (a new migration, a new queue). When one fails, run the command and paste what it prints.
 */
const OPERATIONS = readFileSync(path.join(ROOT, 'docs/operations.md'), 'utf8');
const MIGRATIONS = readdirSync(path.join(ROOT, 'migrations'))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.replace(/\.ts$/, ''))
  .sort();

/** The example block that starts with `$ <command>`. */
function example(command: string): string {
  const block = [...OPERATIONS.matchAll(/^```\n([\s\S]*?)^```/gm)].map((m) => m[1]!).find((b) => b.startsWith(`$ ${command}\n`));
  if (!block) throw new Error(`docs/operations.md has no example starting with "$ ${command}"`);
  return block;
}

describe('docs/operations.md examples', () => {
  it('migrate on an empty database applies every migration in migrations/, in order', () => {
    const applied = [...example('npx greenlight migrate').matchAll(/^migrate: (\S+) applied$/gm)].map((m) => m[1]);
    expect(applied).toEqual(MIGRATIONS);
  });

  it('doctor counts every migration and lists every queue', () => {
    const doctor = example('npx greenlight doctor');
    expect(doctor).toContain(`✓ migrations: all ${MIGRATIONS.length} applied`);
    const queued = /\(queued: ([^)]*)\)/.exec(doctor)?.[1] ?? '';
    expect(
      queued
        .split(', ')
        .map((q) => q.split(' ')[0])
        .sort(),
    ).toEqual(Object.values(QUEUES).sort());
  });
});
