import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';

/** Every setting the service reads is documented where a newcomer looks: README and .env.example. */
describe('configuration docs', () => {
  it('name every environment variable of src/config.ts in README.md and .env.example', async () => {
    const source = await readFile('src/config.ts', 'utf8');
    const schema = source.slice(source.indexOf('const schema = z.object({'), source.indexOf('});', source.indexOf('const schema = z.object({')));
    const variables = [...schema.matchAll(/^\s+([A-Z][A-Z0-9_]+):/gm)].map((m) => m[1]!);
    expect(variables.length).toBeGreaterThan(10);
    const [readme, example] = await Promise.all([readFile('README.md', 'utf8'), readFile('.env.example', 'utf8')]);
    expect(variables.filter((v) => !readme.includes(v)), 'missing from README.md').toEqual([]);
    expect(variables.filter((v) => !example.includes(v)), 'missing from .env.example').toEqual([]);
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
    expect(() => loadConfig({ NODE_ENV: 'production', SLACK_BOT_TOKEN: 'xoxb-1' })).toThrow(/DATABASE_URL: required in production[\s\S]*ENCRYPTION_KEYS[\s\S]*SLACK_SIGNING_SECRET/);
  });
});
