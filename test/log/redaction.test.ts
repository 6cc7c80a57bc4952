import { describe, expect, it } from 'vitest';
import { fakeSlackToken, logBuffer } from '../helpers/log-buffer.ts';

const BOT = fakeSlackToken('bot', 'slack-secret');
const APP = fakeSlackToken('app', 'slack-secret');

describe('log redaction', () => {
  it('hides every secret path of the config and of network answers', () => {
    const { lines, log } = logBuffer();
    const config = {
      slack: { botToken: BOT, appToken: APP, signingSecret: 'slack-signing-secret' },
      discord: { botToken: 'discord-bot-secret', applicationId: '123', publicKey: 'public-key-shown' },
      database: { url: 'postgres://greenlight:db-password-secret@db:5432/greenlight' },
      stateSecret: 'state-secret-value',
      oauth: { x: { client: { clientId: 'x-id', clientSecret: 'x-client-secret' } } },
    };
    log.info({ config }, 'configuration');
    log.info(
      { answer: { accessJwt: 'bsky-access-jwt', refreshJwt: 'bsky-refresh-jwt', client_secret: 'mastodon-client-secret', secret: 'whsec_subscription' } },
      'answer',
    );
    log.info({ secret: 'whsec_top_level', client_secret: 'top-client-secret' }, 'top');
    const out = lines.join('');
    for (const secret of [
      BOT,
      APP,
      'slack-signing-secret',
      'discord-bot-secret',
      'db-password-secret',
      'state-secret-value',
      'x-client-secret',
      'bsky-access-jwt',
      'bsky-refresh-jwt',
      'mastodon-client-secret',
      'whsec_subscription',
      'whsec_top_level',
      'top-client-secret',
    ]) {
      expect(out, secret).not.toContain(secret);
    }
    expect(out).toContain('public-key-shown');
    expect(out).toContain('[redacted]');
  });
});
