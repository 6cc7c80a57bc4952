import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Network } from '../domain/networks.ts';
import type { Mount } from '../http/server.ts';
import { oauthCallback } from './callback.ts';
import { submitBluesky } from './bluesky-connect.ts';
import { networkFromPath, readForm, type ConnectContext } from './context.ts';
import { submitMastodon } from './mastodon-connect.ts';
import { refusedPage, sendPage, html } from './pages.ts';
import { startConnect } from './start-flow.ts';
import { showPick, submitPick } from './pick-accounts.ts';
import { submitWebhook } from './webhook-connect.ts';
import { clientWentAway } from '../http/server.ts';

/**
 * The browser side of connecting an account:
 *   GET  /connect/<network>?t=…          the link from chat: a form (Mastodon, Bluesky, webhook) or a redirect to the network
 *   POST /connect/mastodon|bluesky|webhook the forms (they carry the signed link token)
 *   GET  /oauth/callback/<network>?…      the network's answer
 * Handlers never throw to the HTTP server (whose log line would carry the query string: codes, states, links).
 */
export function oauthMounts(ctx: ConnectContext): Mount[] {
  return [
    { prefix: '/connect', listener: guarded(ctx, connectRoute) },
    { prefix: '/oauth', listener: guarded(ctx, callbackRoute) },
  ];
}

/** The networks connected through a form of ours rather than the network's own sign-in page. */
const FORMS: Partial<Record<Network, (ctx: ConnectContext, form: URLSearchParams, res: ServerResponse) => Promise<void>>> = {
  mastodon: submitMastodon,
  bluesky: submitBluesky,
  webhook: submitWebhook,
};

type Handler = (ctx: ConnectContext, req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>;

function guarded(ctx: ConnectContext, handler: Handler) {
  return (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://greenlight.invalid');
    return handler(ctx, req, res, url).catch((err: unknown) => {
      // The path only: the query holds codes, states and link tokens.
      if (clientWentAway(req, err)) return void ctx.deps.log.debug({ method: req.method, path: url.pathname }, 'client went away mid-request');
      ctx.deps.log.error({ err, method: req.method, path: url.pathname }, 'connect route failed');
      if (!res.headersSent)
        refusedPage(
          res,
          500,
          'Something went wrong',
          'Greenlight could not finish connecting the account; nothing was stored.',
          'Try again in a minute, or ask an admin to look at the server log.',
        );
      else res.end();
    });
  };
}

async function connectRoute(ctx: ConnectContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  if (url.pathname === '/connect/pick') return pickRoute(ctx, req, res, url);
  const network = networkFromPath(url.pathname, '/connect');
  if (!network) return notFound(res);
  if (req.method === 'GET') return startConnect(ctx, network, url, res);
  const submit = FORMS[network];
  if (req.method !== 'POST' || !submit) return methodNotAllowed(res);
  const form = await readForm(req);
  if (!form) return refusedPage(res, 400, 'That form could not be read', 'Send the form from the connect page.');
  return submit(ctx, form, res);
}

/** The account picker after a sign-in with several accounts (src/oauth/pick-accounts.ts). */
async function pickRoute(ctx: ConnectContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  if (req.method === 'GET') return showPick(ctx, url, res);
  if (req.method !== 'POST') return methodNotAllowed(res);
  const form = await readForm(req);
  if (!form) return refusedPage(res, 400, 'That form could not be read', 'Send the form from the account choice page.');
  return submitPick(ctx, form, res);
}

async function callbackRoute(ctx: ConnectContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const network = networkFromPath(url.pathname, '/oauth/callback');
  if (!network) return notFound(res);
  if (req.method !== 'GET') return methodNotAllowed(res);
  return oauthCallback(ctx, network, url, res);
}

function notFound(res: ServerResponse): void {
  sendPage(res, 404, 'Not found', html`<p>There is no such page. Connect links look like <code>/connect/x?t=…</code>.</p>`);
}

function methodNotAllowed(res: ServerResponse): void {
  sendPage(res, 405, 'Not allowed', html`<p>This page does not take that kind of request.</p>`);
}
