import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load.ts';

/** Every setting the service reads is documented where a newcomer looks: README and .env.example. */
describe('configuration docs', () => {
  it('name every environment variable of src/config/schema.ts in README.md and .env.example', async () => {
    const source = await readFile('src/config/schema.ts', 'utf8');
    const schema = source.slice(source.indexOf('const schema = z.object({'), source.indexOf('});', source.indexOf('const schema = z.object({')));
    const variables = [...schema.matchAll(/^\s+([A-Z][A-Z0-9_]+):/gm)].map((m) => m[1]!);
    expect(variables.length).toBeGreaterThan(10);
    const [readme, example] = await Promise.all([readFile('README.md', 'utf8'), readFile('.env.example', 'utf8')]);
    expect(
      variables.filter((v) => !readme.includes(v)),
      'missing from README.md',
    ).toEqual([]);
    expect(
      variables.filter((v) => !example.includes(v)),
      'missing from .env.example',
    ).toEqual([]);
  });
});

/** The README table's example column: each value given literally, by variable (`A` / `B` rows give two). */
function readmeExamples(readme: string): Record<string, string> {
  const literal = /^(`[^`…<]+`(?: \/ `[^`…<]+`)*)(?: \(.*\))?$/;
  const examples: Record<string, string> = {};
  for (const row of readme.split('\n').filter((l) => /^\| `[A-Z0-9_]+`/.test(l))) {
    const [variables, , example] = row.slice(2, -2).split(' | ');
    const values = literal.exec(example ?? '')?.[1]?.split(' / ');
    const names = variables!.split(' / ').map((v) => v.replaceAll('`', ''));
    if (values?.length === names.length) names.forEach((name, i) => (examples[name] = values[i]!.replaceAll('`', '')));
  }
  return examples;
}

describe('the README configuration table', () => {
  it('gives examples the service accepts, all together, in production', async () => {
    const examples = readmeExamples(await readFile('README.md', 'utf8'));
    expect(Object.keys(examples).length).toBeGreaterThan(15);
    expect(examples.NODE_ENV).toBe('production');
    // What the table can only describe (secrets) is filled in here, under the key id the table uses.
    const secrets = {
      ENCRYPTION_KEYS: `${examples.ENCRYPTION_PRIMARY_KEY_ID}:${Buffer.alloc(32, 7).toString('base64')}`,
      STATE_SECRET: 'f'.repeat(64),
      DISCORD_BOT_TOKEN: 'MTA.example.token',
    };
    const config = loadConfig({ ...examples, ...secrets });
    expect(config.http).toMatchObject({ host: examples.HOST, port: Number(examples.PORT), publicUrl: examples.PUBLIC_URL });
    expect(config.publish.networkTimeoutMs).toBe(Number(examples.NETWORK_TIMEOUT_MS));
    expect(config.discord?.mode).toBe(examples.DISCORD_MODE);
    expect(config.media.store).toMatchObject({ kind: examples.MEDIA_STORE, bucket: examples.S3_BUCKET, endpoint: examples.S3_ENDPOINT });
  });
});

describe('a bad configuration', () => {
  it('is refused with one line per problem, naming the variable and what it expects', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', SLACK_BOT_TOKEN: 'not-a-token', NODE_ENV: 'production' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toMatch(/PORT: /);
    expect(message).toMatch(/DATABASE_URL: expected a postgres:\/\/ connection URL/);
    expect(message).not.toMatch(/\n\s+at /); // no stack trace in the message
  });

  it('lists every cross-field problem at once', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', SLACK_BOT_TOKEN: 'xoxb-1' })).toThrow(
      /DATABASE_URL: required in production[\s\S]*ENCRYPTION_KEYS[\s\S]*SLACK_SIGNING_SECRET/,
    );
  });
});
