import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadOrCreateDevSecrets } from '../../src/config/dev-secrets.ts';

describe('development secrets', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  it('twenty starts at once on one data directory agree on one set, and exactly one creates it', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'gl-secrets-'));
    dirs.push(dir);
    const results = await Promise.all(Array.from({ length: 20 }, () => loadOrCreateDevSecrets(dir)));
    expect(new Set(results.map((r) => r.secrets.stateSecret)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    const onDisk = JSON.parse(await readFile(path.join(dir, 'secrets.json'), 'utf8'));
    expect(onDisk).toEqual(results[0]?.secrets);
    expect((await stat(path.join(dir, 'secrets.json'))).mode & 0o777).toBe(0o600);
    const again = await loadOrCreateDevSecrets(dir);
    expect(again).toEqual({ secrets: onDisk, created: false });
  });
});
