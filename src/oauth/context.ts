import type { IncomingMessage } from 'node:http';
import type { Config, OAuthConfig } from '../config/load.ts';
import { isNetwork, NETWORK_LABELS, type Network } from '../domain/networks.ts';
import type { WorkflowDeps } from '../workflow/deps.ts';
import { readLink, type LinkClaims } from '../workflow/accounts/connect-link.ts';
import type { OAuthHttp } from './exchange.ts';
import { findWorkspace } from '../db/workspaces.ts';

/** What the connect and callback routes use: the workflow's deps plus the OAuth apps from config. */
export interface ConnectContext {
  deps: WorkflowDeps;
  oauth: OAuthConfig;
  http: OAuthHttp;
  /** Mastodon instances and Bluesky servers must be https, except outside production (tests, laptops). */
  allowPlainHttp: boolean;
}

export function connectContext(deps: WorkflowDeps, config: Config, timeoutMs = 15_000): ConnectContext {
  return { deps, oauth: config.oauth, http: { timeoutMs, now: deps.now }, allowPlainHttp: config.env !== 'production' };
}

/** An OAuth state lives this long: the person is at the network's sign-in page meanwhile. */
export const STATE_TTL_SECONDS = 10 * 60;

export function stateSecretOf(ctx: ConnectContext): string {
  if (!ctx.deps.stateSecret) throw new Error('the connect routes need STATE_SECRET');
  return ctx.deps.stateSecret;
}

export const labelOf = (network: Network) => NETWORK_LABELS[network];

/** `/connect/<network>` or `/oauth/callback/<network>`: the network, when the path names a real one. */
export function networkFromPath(path: string, prefix: string): Network | undefined {
  if (!path.startsWith(`${prefix}/`)) return undefined;
  const rest = path.slice(prefix.length + 1);
  return isNetwork(rest) ? rest : undefined;
}

export type LinkCheck = { ok: true; claims: LinkClaims } | { ok: false; status: number; title: string; reason: string };

/** A connect link's token: signed by us, unexpired, for this network, for a workspace that exists. */
export async function checkLink(ctx: ConnectContext, network: Network, token: string | null, workspaceParam: string | null): Promise<LinkCheck> {
  const label = labelOf(network);
  if (!token) return { ok: false, status: 400, title: 'This link is incomplete', reason: `The ${label} connect link has no sign-in token.` };
  const read = readLink(stateSecretOf(ctx), token, ctx.deps.now());
  if (!read.ok && read.reason === 'expired')
    return { ok: false, status: 410, title: 'This link has expired', reason: `${label} connect links are valid for a short time only.` };
  if (!read.ok) return { ok: false, status: 400, title: 'This link is not valid', reason: 'The link was changed or was not made by this Greenlight.' };
  const { claims } = read;
  if (claims.network !== network || (workspaceParam !== null && workspaceParam !== claims.workspaceId)) {
    return { ok: false, status: 400, title: 'This link is not valid', reason: 'The link was changed after Greenlight made it.' };
  }
  const workspace = await findWorkspace(ctx.deps.db, claims.workspaceId);
  if (!workspace)
    return { ok: false, status: 404, title: 'Workspace not found', reason: 'The workspace this link was made for no longer exists in Greenlight.' };
  return { ok: true, claims };
}

const MAX_FORM_BYTES = 8 * 1024;

/** A small urlencoded form body; undefined when it is too big or of another type. */
export async function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  if (!(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_FORM_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/** A server URL typed into a form: absolute, http(s) (https in production), no credentials, no path. */
export function normalizeServerUrl(ctx: ConnectContext, input: string): string | undefined {
  let url: URL;
  try {
    url = new URL(input.includes('://') ? input.trim() : `https://${input.trim()}`);
  } catch {
    return undefined;
  }
  const httpsOnly = !ctx.allowPlainHttp;
  if (url.protocol !== 'https:' && (httpsOnly || url.protocol !== 'http:')) return undefined;
  if (url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) return undefined;
  return url.origin;
}
