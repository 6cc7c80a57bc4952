import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Installation, InstallURLOptions } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { oauthReceiverOptions } from '../../src/chat/slack/oauth-install.ts';
import { createLogger } from '../../src/log.ts';
import { blueskyForm, connectedPage, mastodonForm, notConfiguredPage, providerErrorPage, refusedPage } from '../../src/oauth/pages.ts';
import { webhookForm } from '../../src/oauth/webhook-connect.ts';

/**
 * Every HTML page Greenlight serves, rendered with hostile names: nothing a workspace, account, network or
 * user names can become markup, and every page carries the same security headers.
 */
const HOSTILE = `<img src=x onerror=alert(1)>"'><script>alert(2)</script>`;

interface Captured {
  status: number;
  headers: Record<string, unknown>;
  body: string;
}

function capture(render: (res: ServerResponse) => unknown): Captured {
  const out: Captured = { status: 0, headers: {}, body: '' };
  const res = {
    headersSent: false,
    setHeader(name: string, value: unknown) {
      out.headers[name.toLowerCase()] = value;
    },
    writeHead(status: number, headers: Record<string, unknown> = {}) {
      out.status = status;
      for (const [k, v] of Object.entries(headers)) out.headers[k.toLowerCase()] = v;
      return res;
    },
    end(body = '') {
      out.body += String(body);
    },
  } as unknown as ServerResponse;
  render(res);
  return out;
}

const install = (o: { enterprise?: boolean }): Installation =>
  ({
    team: o.enterprise ? undefined : { id: 'T0HOSTILE', name: HOSTILE },
    enterprise: o.enterprise ? { id: 'E0HOSTILE', name: HOSTILE } : undefined,
    isEnterpriseInstall: o.enterprise === true,
    bot: { token: 'xoxb-not-shown', scopes: [], id: 'B1', userId: 'U1' },
    user: { id: 'U2', token: undefined, scopes: undefined },
  }) as unknown as Installation;

const slackCallbacks = (allowedTeams: string[] | undefined) => {
  const options = oauthReceiverOptions(
    { mode: 'oauth', signingSecret: 's', clientId: 'c', clientSecret: 'cs', stateSecret: undefined, allowedTeams, apiUrl: 'https://slack.com/api/' },
    { storeInstallation: async () => {}, fetchInstallation: async () => ({}) as Installation },
    'https://greenlight.example.com',
    'x'.repeat(32),
    createLogger({ level: 'silent' }),
  );
  return options.installerOptions!.callbackOptions!;
};

const req = {} as IncomingMessage;
const opts = {} as InstallURLOptions;

const PAGES: [string, (res: ServerResponse) => unknown][] = [
  ['connected', (res) => connectedPage(res, { label: 'Mastodon', displayName: HOSTILE, chat: 'slack', note: HOSTILE, resumed: 1, waiting: 2, late: 1 })],
  ['refused', (res) => refusedPage(res, 400, HOSTILE, HOSTILE, HOSTILE)],
  ['not configured', (res) => notConfiguredPage(res, HOSTILE, [HOSTILE, 'X_CLIENT_ID'], HOSTILE)],
  ['provider error', (res) => providerErrorPage(res, HOSTILE, HOSTILE, HOSTILE)],
  ['mastodon form', (res) => mastodonForm(res, HOSTILE, HOSTILE, HOSTILE)],
  ['bluesky form', (res) => blueskyForm(res, HOSTILE, HOSTILE, HOSTILE, HOSTILE)],
  ['webhook form', (res) => webhookForm(res, HOSTILE, HOSTILE, HOSTILE)],
  ['slack installed (workspace)', (res) => slackCallbacks(undefined).success!(install({}), opts, req, res)],
  ['slack installed (organization)', (res) => slackCallbacks(undefined).success!(install({ enterprise: true }), opts, req, res)],
  ['slack install refused', (res) => slackCallbacks(['T0OTHER']).afterInstallation!(install({}), opts, req, res)],
  ['slack install failed', (res) => slackCallbacks(undefined).failure!(Object.assign(new Error('x'), { code: HOSTILE }) as never, opts, req, res)],
];

describe('every HTML page', () => {
  it.each(PAGES)('%s: escapes hostile names and sends the security headers', async (_name, render) => {
    const page = capture((res) => void render(res));
    expect(page.status).toBeGreaterThanOrEqual(200);
    expect(page.body).toMatch(/^<!doctype html>/);
    expect(page.body).not.toContain('<img');
    expect(page.body).not.toContain('<script');
    expect(page.body).not.toContain('"\'>');
    expect(page.body).not.toContain('xoxb-');
    expect(page.headers).toMatchObject({
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'content-security-policy': expect.stringContaining("default-src 'none'"),
    });
    expect(String(page.headers['content-security-policy'])).not.toContain('script-src');
  });

  it('the Slack install success page names the workspace, escaped', () => {
    const page = capture((res) => void slackCallbacks(undefined).success!(install({}), opts, req, res));
    expect(page.body).toContain('Greenlight is installed in &lt;img src=x onerror=alert(1)&gt;');
  });
});
