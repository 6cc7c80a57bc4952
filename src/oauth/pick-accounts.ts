import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { consumePick, findPick, insertPick, pickTokenHash, type StoredPick } from '../db/connect-picks.ts';
import { findWorkspace } from '../db/workspaces.ts';
import type { Network } from '../domain/networks.ts';
import { completeConnect } from './complete-connect.ts';
import type { ConnectChoice } from './connected-identity.ts';
import { labelOf, type ConnectContext } from './context.ts';
import { html, refusedPage, sendPage } from './pages.ts';

/**
 * The account picker (issue 16): a sign-in that may connect several accounts (the member and the LinkedIn
 * organization pages they administer; the Facebook Pages or Instagram accounts a person manages) shows a
 * page of Greenlight's listing exactly what the network returned for this sign-in, instead of taking the
 * first. The link is single use and expires (PICK_TTL_MS); only its sha256 is stored and the choices
 * (with their tokens) are encrypted. The form carries the link token, which is also its CSRF proof.
 */
export const PICK_TTL_MS = 10 * 60_000;

const aad = (token: string) => `connect_pick:${pickTokenHash(token)}`;

type StoredChoice = Omit<ConnectChoice, 'credentials'> & { credentials: { accessToken: string; refreshToken?: string; expiresAt?: string } };

/** Stores the choices and sends the browser to the picker. */
export async function offerPick(
  ctx: ConnectContext,
  claims: { workspaceId: string; userId: string },
  network: Network,
  choices: ConnectChoice[],
  res: ServerResponse,
): Promise<void> {
  const token = randomBytes(32).toString('base64url');
  const stored: StoredChoice[] = choices.map(({ credentials: { expiresAt, ...tokens }, ...c }) => ({
    ...c,
    credentials: { ...tokens, ...(expiresAt ? { expiresAt: expiresAt.toISOString() } : {}) },
  }));
  await insertPick(ctx.deps.db, {
    token,
    workspaceId: claims.workspaceId,
    userId: claims.userId,
    network,
    choices: ctx.deps.cipher.encrypt(JSON.stringify(stored), aad(token)),
    expiresAt: new Date(ctx.deps.now().getTime() + PICK_TTL_MS),
  });
  res.writeHead(303, { location: `/connect/pick?p=${token}`, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
  res.end();
}

function choicesOf(ctx: ConnectContext, pick: StoredPick, token: string): ConnectChoice[] {
  const stored = JSON.parse(ctx.deps.cipher.decrypt(pick.choices, aad(token))) as StoredChoice[];
  return stored.map((c) => ({
    ...c,
    credentials: {
      accessToken: c.credentials.accessToken,
      ...(c.credentials.refreshToken ? { refreshToken: c.credentials.refreshToken } : {}),
      ...(c.credentials.expiresAt ? { expiresAt: new Date(c.credentials.expiresAt) } : {}),
    },
  }));
}

/** GET /connect/pick?p=…: the choices as a form. */
export async function showPick(ctx: ConnectContext, url: URL, res: ServerResponse): Promise<void> {
  const token = url.searchParams.get('p') ?? '';
  const pick = await usablePick(ctx, token, res);
  if (!pick) return;
  pickForm(res, token, pick.network, choicesOf(ctx, pick, token));
}

/** POST /connect/pick: connects what was ticked, once. */
export async function submitPick(ctx: ConnectContext, form: URLSearchParams, res: ServerResponse): Promise<void> {
  const token = form.get('p') ?? '';
  const pick = await usablePick(ctx, token, res);
  if (!pick) return;
  const choices = choicesOf(ctx, pick, token);
  const picked = [...new Set(form.getAll('account'))].map(Number).filter((i) => Number.isInteger(i) && i >= 0 && i < choices.length);
  if (picked.length === 0) return pickForm(res, token, pick.network, choices, 'Choose at least one account to connect.');
  if (!(await consumePick(ctx.deps.db, token, ctx.deps.now())))
    return refusedPage(res, 409, 'This choice was already made', 'Each account choice can be sent once.');
  const connected: string[] = [];
  for (const i of picked) {
    const choice = choices[i]!;
    const done = await completeConnect(ctx.deps, { workspaceId: pick.workspace_id, userId: pick.user_id, network: pick.network, identity: choice });
    if (done.ok) connected.push(done.account.display_name);
  }
  const workspace = await findWorkspace(ctx.deps.db, pick.workspace_id);
  const chat = workspace?.chat === 'discord' ? 'Discord' : 'Slack';
  const label = labelOf(pick.network);
  sendPage(
    res,
    200,
    connected.length === 1 ? `Connected ${label} as ${connected[0]}` : `Connected ${connected.length} ${label} accounts`,
    html`<ul>${connected.map((name) => html`<li>${name}</li>`)}</ul><p>Connected. You can return to ${chat}; each is one account to publish to.</p>`,
  );
}

async function usablePick(ctx: ConnectContext, token: string, res: ServerResponse): Promise<StoredPick | undefined> {
  const pick = /^[\w-]{20,100}$/.test(token) ? await findPick(ctx.deps.db, token) : undefined;
  if (!pick) {
    refusedPage(res, 404, 'This choice is not valid', 'Greenlight has no record of this account choice (a damaged or made-up link).');
    return undefined;
  }
  if (pick.used_at) {
    refusedPage(res, 409, 'This choice was already made', 'Each account choice can be sent once; the accounts chosen then are connected.');
    return undefined;
  }
  if (pick.expires_at.getTime() <= ctx.deps.now().getTime()) {
    refusedPage(res, 410, 'This choice has expired', 'Choose within 10 minutes of signing in; nothing was connected.');
    return undefined;
  }
  return pick;
}

/**
 * Why a LinkedIn page may be missing from the list (issue 16): LinkedIn grants the organization scopes only to an
 * app it has reviewed, and lists only the pages where the member holds a role that may post.
 */
const LINKEDIN_PAGES_NOTE = html`<p class="muted">A company page is listed when you hold one of the roles that may post as it
(Super admin, Content admin or Sponsored content poster: ADMINISTRATOR, CONTENT_ADMINISTRATOR, DIRECT_SPONSORED_CONTENT_POSTER).
Posting as a page needs the Community Management API on this server's LinkedIn app: LinkedIn reviews the app first (a registered
organization, a verified business email, and a super admin of the page verifying the app). Until then only your own profile is
offered.</p>`;

function pickForm(res: ServerResponse, token: string, network: Network, choices: ConnectChoice[], problem?: string): void {
  sendPage(
    res,
    problem ? 400 : 200,
    `Choose what to connect on ${labelOf(network)}`,
    html`${problem ? html`<p class="error">${problem}</p>` : ''}
<p>This sign-in may publish as any of these. Each one you tick becomes an account to publish to.</p>
<form method="post" action="/connect/pick"><input type="hidden" name="p" value="${token}">
${choices.map(
  (c, i) =>
    html`<label style="display:flex;gap:.5rem;align-items:baseline"><input type="checkbox" name="account" value="${String(i)}" style="width:auto"><span><strong>${c.displayName}</strong> <span class="muted">${c.kind}</span></span></label>`,
)}
<button type="submit">Connect</button></form>
${network === 'linkedin' ? LINKEDIN_PAGES_NOTE : ''}
<p class="muted">This page works once and for 10 minutes.</p>`,
  );
}
