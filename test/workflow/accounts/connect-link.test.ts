import { describe, expect, it } from 'vitest';
import { connectLink, readLink, reconnectLink, signLink } from '../../../src/workflow/accounts/connect-link.ts';
import { escapeHtml, html, SafeHtml } from '../../../src/oauth/pages.ts';
import { authorizeUrl, configuredProvider } from '../../../src/oauth/providers.ts';
import { createState, verifyState } from '../../../src/crypto/signed-state.ts';
import { loadConfig } from '../../../src/config/load.ts';

const SECRET = 'state-secret-for-tests-0123456789abcdef';
const NOW = new Date('2026-11-23T09:00:00Z');
const at = (s: number) => new Date(NOW.getTime() + s * 1000);
const deps = { publicUrl: 'https://greenlight.example', stateSecret: SECRET, now: () => NOW };

describe('connect links', () => {
  it('carry workspace, person and network signed, and for a Reconnect link the one account', () => {
    const link = new URL(connectLink(deps, { workspaceId: 'w1', userId: 'U1' }, 'x'));
    expect(link.pathname).toBe('/connect/x');
    expect(readLink(SECRET, link.searchParams.get('t')!, NOW)).toEqual({ ok: true, claims: { workspaceId: 'w1', userId: 'U1', network: 'x' } });
    const again = new URL(reconnectLink(deps, { id: 'a-1', workspace_id: 'w1', network: 'mastodon', connected_by: 'U2' }));
    expect(readLink(SECRET, again.searchParams.get('t')!, at(23 * 3600))).toEqual({
      ok: true,
      claims: { workspaceId: 'w1', userId: 'U2', network: 'mastodon', accountId: 'a-1' },
    });
  });

  it('expire (10 minutes from chat, a day from a Reconnect button) and do not verify under another secret', () => {
    const token = new URL(connectLink(deps, { workspaceId: 'w1', userId: 'U1' }, 'x')).searchParams.get('t')!;
    expect(readLink(SECRET, token, at(599)).ok).toBe(true);
    expect(readLink(SECRET, token, at(600))).toEqual({ ok: false, reason: 'expired' });
    expect(readLink(`${SECRET}x`, token, NOW)).toEqual({ ok: false, reason: 'bad_signature' });
    const reconnect = new URL(reconnectLink(deps, { id: 'a', workspace_id: 'w', network: 'x', connected_by: 'U' })).searchParams.get('t')!;
    expect(readLink(SECRET, reconnect, at(24 * 3600))).toEqual({ ok: false, reason: 'expired' });
  });

  it('are never valid OAuth states, nor the reverse', () => {
    const link = signLink(SECRET, { workspaceId: 'w1', userId: 'U1', network: 'x' }, NOW, 600);
    expect(verifyState(link, SECRET, NOW)).toEqual({ ok: false, reason: 'bad_signature' });
    const state = createState({ workspaceId: 'w1', userId: 'U1', network: 'x', nonce: 'n' }, SECRET, NOW);
    expect(readLink(SECRET, state, NOW)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('need STATE_SECRET', () => {
    expect(() => connectLink({ ...deps, stateSecret: undefined }, { workspaceId: 'w', userId: 'U' }, 'x')).toThrow(/STATE_SECRET/);
  });
});

describe('providers and pages', () => {
  it('build the authorize URL with the exact redirect URI, and PKCE only where the network takes it', () => {
    const config = loadConfig({
      NODE_ENV: 'test',
      X_CLIENT_ID: 'xid',
      X_CLIENT_SECRET: 'xsecret',
      LINKEDIN_CLIENT_ID: 'lid',
      LINKEDIN_CLIENT_SECRET: 'lsecret',
    });
    const x = configuredProvider(config.oauth, 'x');
    const linkedin = configuredProvider(config.oauth, 'linkedin');
    if (!x.ok || !linkedin.ok) throw new Error('configured');
    const input = { redirectUri: 'https://g.example/oauth/callback/x', state: 's', challenge: 'c' };
    expect(authorizeUrl(x.provider, input)).toBe(
      'https://x.com/i/oauth2/authorize?response_type=code&client_id=xid&redirect_uri=https%3A%2F%2Fg.example%2Foauth%2Fcallback%2Fx&scope=tweet.read+tweet.write+users.read+media.write+offline.access&state=s&code_challenge=c&code_challenge_method=S256',
    );
    expect(new URL(authorizeUrl(linkedin.provider, input)).searchParams.has('code_challenge')).toBe(false);
    expect(linkedin.provider.authorizeUrl).toBe('https://www.linkedin.com/oauth/v2/authorization');
    expect(configuredProvider(config.oauth, 'threads')).toEqual({ ok: false, missing: ['THREADS_CLIENT_ID', 'THREADS_CLIENT_SECRET'] });
    expect(() => loadConfig({ X_CLIENT_ID: 'only-the-id' })).toThrow(/X_CLIENT_ID and X_CLIENT_SECRET: set both or neither/);
  });

  it('escape every value', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    expect(html`<p>${'<script>'}</p>${new SafeHtml('<b>ok</b>')}${['<i>', new SafeHtml('<br>')]}`.value).toBe('<p>&lt;script&gt;</p><b>ok</b>&lt;i&gt;<br>');
  });
});
