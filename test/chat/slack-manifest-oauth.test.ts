import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { BOT_SCOPES, REDIRECT_PATH } from '../../src/chat/slack/oauth-install.ts';

interface Manifest {
  oauth_config: { redirect_urls?: string[]; scopes: { bot: string[] } };
  settings: { event_subscriptions: { bot_events: string[] } };
}

/** An OAuth install asks for exactly what the manifest declares, and comes back where the manifest says. */
describe('manifests/slack.yaml and OAuth installs', () => {
  it('declares the bot scopes the install asks for, the redirect path, and the uninstall events', async () => {
    const manifest = parse(await readFile('manifests/slack.yaml', 'utf8')) as Manifest;
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual([...BOT_SCOPES].sort());
    expect(manifest.oauth_config.redirect_urls?.map((u) => new URL(u).pathname)).toEqual([REDIRECT_PATH]);
    expect(manifest.settings.event_subscriptions.bot_events).toEqual(expect.arrayContaining(['app_uninstalled', 'tokens_revoked']));
  });
});
