import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SHORTCUT_HANDLERS } from '../../src/chat/slack/handlers.ts';
import { BOT_SCOPES, REDIRECT_PATH } from '../../src/chat/slack/oauth-install.ts';

interface Manifest {
  features: { shortcuts?: { name: string; type: string; callback_id: string }[] };
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
    // Files attached in the compose form and in messages are read with the bot token (issue 14).
    expect(manifest.oauth_config.scopes.bot).toContain('files:read');
  });

  it('declares every message shortcut the app handles, and handles every one it declares', async () => {
    const manifest = parse(await readFile('manifests/slack.yaml', 'utf8')) as Manifest;
    const declared = (manifest.features.shortcuts ?? []).map((s) => s.callback_id).sort();
    expect(declared).toEqual(Object.keys(SHORTCUT_HANDLERS).sort());
    expect(manifest.features.shortcuts?.find((s) => s.callback_id === 'draft_from_message')?.type).toBe('message');
  });
});
