import { describe, expect, it } from 'vitest';
import { fakeSlackToken, logBuffer } from '../helpers/log-buffer.ts';
import { scrub } from '../../src/chat/slack/bolt-logger.ts';
import { authorizationUrl } from '../../src/chat/slack/oauth-install.ts';
import { ConfigError, loadConfig } from '../../src/config/load.ts';

const CLIENT = {
  SLACK_CLIENT_ID: '1234567890.987654321',
  SLACK_CLIENT_SECRET: 'c1e2n3t4s5e6c7r8e9t0abcdef123456',
  SLACK_SIGNING_SECRET: 'signing-secret-0123456789abcdef',
};

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe('Slack configuration: one bot token or OAuth installs', () => {
  it('keeps the single bot token as the default when no client id is set', () => {
    expect(loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1-2-abc', SLACK_SIGNING_SECRET: 's' }).slack).toMatchObject({ mode: 'http', botToken: 'xoxb-1-2-abc' });
  });

  it('turns on OAuth installs with a client id and secret, the state secret falling back to STATE_SECRET', () => {
    expect(loadConfig(CLIENT).slack).toEqual({
      mode: 'oauth',
      signingSecret: CLIENT.SLACK_SIGNING_SECRET,
      clientId: CLIENT.SLACK_CLIENT_ID,
      clientSecret: CLIENT.SLACK_CLIENT_SECRET,
      stateSecret: undefined,
      apiUrl: 'https://slack.com/api/',
    });
    expect(loadConfig({ ...CLIENT, SLACK_STATE_SECRET: 's'.repeat(32) }).slack).toMatchObject({ stateSecret: 's'.repeat(32) });
  });

  it('says in one line when only half of the client credentials is set', () => {
    for (const half of [{ SLACK_CLIENT_ID: CLIENT.SLACK_CLIENT_ID }, { SLACK_CLIENT_SECRET: CLIENT.SLACK_CLIENT_SECRET }] as Record<string, string>[]) {
      const found = problems({ ...half, SLACK_SIGNING_SECRET: 'x' });
      expect(found.filter((p) => p.startsWith('SLACK_CLIENT_ID and SLACK_CLIENT_SECRET: set both'))).toHaveLength(1);
      expect(found.join('\n')).not.toContain(CLIENT.SLACK_CLIENT_SECRET);
    }
  });

  it('refuses a bot token or Socket Mode beside OAuth installs, and OAuth without a signing secret', () => {
    expect(problems({ ...CLIENT, SLACK_BOT_TOKEN: 'xoxb-1' })).toEqual([expect.stringMatching(/^SLACK_BOT_TOKEN: leave unset with SLACK_CLIENT_ID/)]);
    expect(problems({ ...CLIENT, SLACK_APP_TOKEN: 'xapp-1' })).toEqual([
      expect.stringMatching(/^SLACK_APP_TOKEN: OAuth installs \(SLACK_CLIENT_ID\) run in HTTP mode only/),
    ]);
    expect(problems({ SLACK_CLIENT_ID: CLIENT.SLACK_CLIENT_ID, SLACK_CLIENT_SECRET: CLIENT.SLACK_CLIENT_SECRET })).toEqual([
      expect.stringMatching(/^SLACK_SIGNING_SECRET: required with SLACK_CLIENT_ID/),
    ]);
    expect(problems({ ...CLIENT, SLACK_STATE_SECRET: 'short' })).toEqual(['SLACK_STATE_SECRET: expected at least 32 characters']);
  });

  it('reads the workspaces allowed to install, and refuses a list that is not team ids', () => {
    expect(loadConfig({ ...CLIENT, SLACK_ALLOWED_TEAMS: ' T01ABC, T02DEF ' }).slack).toMatchObject({ allowedTeams: ['T01ABC', 'T02DEF'] });
    expect(problems({ ...CLIENT, SLACK_ALLOWED_TEAMS: 'T01ABC,#general' })).toEqual([
      'SLACK_ALLOWED_TEAMS: expected comma-separated Slack team ids such as T01ABCDEF (or organization ids such as E01ABCDEF for org-wide installs)',
    ]);
    expect(problems({ ...CLIENT, SLACK_ALLOWED_TEAMS: 'T01ABC,E01ORG' })).toEqual([]);
    expect(problems({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', SLACK_ALLOWED_TEAMS: 'T01ABC' })).toEqual([
      'SLACK_ALLOWED_TEAMS: only used with SLACK_CLIENT_ID (OAuth installs)',
    ]);
  });

  it("finds Slack's consent page beside its Web API", () => {
    expect(authorizationUrl('https://slack.com/api/')).toBe('https://slack.com/oauth/v2/authorize');
    expect(authorizationUrl('http://127.0.0.1:4000/api')).toBe('http://127.0.0.1:4000/oauth/v2/authorize');
  });

  it('never logs the client secret or the state secret', () => {
    const config = loadConfig({ ...CLIENT, SLACK_STATE_SECRET: 'z'.repeat(40) });
    const { text, log } = logBuffer('info');
    log.info({ config }, 'config');
    log.info({ slack: config.slack }, 'slack');
    const written = text();
    expect(written).toContain(CLIENT.SLACK_CLIENT_ID);
    expect(written).not.toContain(CLIENT.SLACK_CLIENT_SECRET);
    expect(written).not.toContain('z'.repeat(40));
  });
});

describe("Bolt's log text", () => {
  it('loses client secrets, OAuth codes, states and Slack tokens, and keeps error codes', () => {
    const bot = fakeSlackToken('bot', '123-456-abcdef');
    const user = fakeSlackToken('user', '9-9-zz');
    // Slack's OAuth code shape: digits.digits.hex (an obviously made-up one).
    const code = ['1234567890', '1234567890123', 'f'.repeat(24)].join('.');
    const line = scrub(
      `http request body: {"client_id":"1.2","client_secret":"fake-client-secret","code":"${code}","redirect_uri":"https://g.example/slack/oauth_redirect"} url ?scope=chat:write&state=eyJhbGciOi.x.y&client_id=1 ${bot} token=${user}`,
    );
    for (const secret of ['fake-client-secret', code.slice(0, 24), 'eyJhbGciOi', bot.slice(0, 8), user.slice(0, 6)]) expect(line, secret).not.toContain(secret);
    expect(line).toContain('"client_id":"1.2"');
    expect(scrub('{"code":"slack_webapi_platform_error","data":{"error":"invalid_code"}}')).toBe(
      '{"code":"slack_webapi_platform_error","data":{"error":"invalid_code"}}',
    );
  });
});
