import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load.ts';

const TOKEN = 'MTEwMDAwMDAwMDAwMDAwMDAwMQ.AAAAAA.bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
const APP = '1100000000000000001';
const KEY = 'ab'.repeat(32);

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe('Discord configuration', () => {
  it('is off without a bot token', () => {
    expect(loadConfig({}).discord).toBeUndefined();
  });

  it('chooses HTTP interactions with a public key, the gateway without, and DISCORD_MODE wins', () => {
    expect(loadConfig({ DISCORD_BOT_TOKEN: TOKEN, DISCORD_APPLICATION_ID: APP, DISCORD_PUBLIC_KEY: KEY }).discord).toEqual({
      mode: 'http',
      botToken: TOKEN,
      applicationId: APP,
      publicKey: KEY,
      apiUrl: 'https://discord.com/api',
    });
    expect(loadConfig({ DISCORD_BOT_TOKEN: TOKEN, DISCORD_APPLICATION_ID: APP }).discord?.mode).toBe('gateway');
    expect(
      loadConfig({
        DISCORD_BOT_TOKEN: TOKEN,
        DISCORD_APPLICATION_ID: APP,
        DISCORD_PUBLIC_KEY: KEY,
        DISCORD_MODE: 'gateway',
        DISCORD_API_URL: 'http://127.0.0.1:9/api/',
      }).discord,
    ).toMatchObject({
      mode: 'gateway',
      apiUrl: 'http://127.0.0.1:9/api',
    });
  });

  it('reports each bad or missing variable on its own line', () => {
    expect(problems({ DISCORD_PUBLIC_KEY: KEY })).toEqual([expect.stringMatching(/^DISCORD_BOT_TOKEN: required/)]);
    expect(problems({ DISCORD_BOT_TOKEN: `Bot ${TOKEN}` })).toEqual([
      expect.stringMatching(/^DISCORD_BOT_TOKEN: expected/),
      expect.stringMatching(/^DISCORD_APPLICATION_ID: required/),
    ]);
    expect(problems({ DISCORD_BOT_TOKEN: TOKEN, DISCORD_APPLICATION_ID: 'my-app', DISCORD_PUBLIC_KEY: 'xyz', DISCORD_MODE: 'http' })).toEqual([
      expect.stringMatching(/^DISCORD_APPLICATION_ID: expected a numeric id/),
      expect.stringMatching(/^DISCORD_PUBLIC_KEY: expected the 64 hex/),
    ]);
    expect(problems({ DISCORD_BOT_TOKEN: TOKEN, DISCORD_APPLICATION_ID: APP, DISCORD_MODE: 'http' })).toEqual([
      expect.stringMatching(/^DISCORD_PUBLIC_KEY: required with DISCORD_MODE=http/),
    ]);
    expect(problems({ DISCORD_MODE: 'websocket' })).toEqual([expect.stringMatching(/^DISCORD_MODE: /)]);
  });
});
