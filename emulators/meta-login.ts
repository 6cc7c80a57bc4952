import { graphError, graphToken, randomToken, type EmuRequest, type Reply } from './common.ts';

/**
 * Meta's sign-in endpoints, for the Facebook and Threads emulators, in the shapes Meta documents:
 * - Facebook Login (also Instagram's, through the Pages a person manages): the dialog at
 *   `/vNN/dialog/oauth`, the code exchange `GET /vNN/oauth/access_token?client_id&client_secret&
 *   redirect_uri&code` and the long-lived exchange `grant_type=fb_exchange_token` (both answer
 *   `{access_token, token_type, expires_in}`), and `GET /vNN/me/accounts` with the user token: the Pages
 *   with their Page tokens, tasks and linked Instagram professional account
 *   (https://developers.facebook.com/docs/pages-api/getting-started).
 * - Threads: the dialog at `/oauth/authorize`, `POST /oauth/access_token` (form: client_id,
 *   client_secret, grant_type=authorization_code, redirect_uri, code) answering `{access_token,
 *   user_id}`, and `GET /access_token?grant_type=th_exchange_token&client_secret&access_token`
 *   answering `{access_token, token_type, expires_in}` (§3.7).
 * Refusals are Graph errors; a denied consent goes back with `error`, `error_reason` and
 * `error_description`, as Meta's dialogs do.
 */

export interface LoginConsent {
  /** Sign in as this user (Facebook: one added with addUser; Threads: any id). */
  userId?: string;
  username?: string;
  /** Deny instead: `access_denied` with Meta's `user_denied` reason. */
  error?: string;
}

export interface LoginPage {
  id: string;
  name: string;
  tasks: string[];
  instagram?: { id: string; username: string };
  accessToken: string;
}

interface Code {
  userId: string;
  username: string | undefined;
  redirectUri: string;
}

const SIXTY_DAYS = 5_183_944;
const invalidCode = () => graphError({ code: 100, subcode: 36007, message: 'Invalid verification code format.' });
const badRedirect = () =>
  graphError({
    code: 100,
    subcode: 36008,
    message: 'Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request',
  });
const badSecret = () => graphError({ code: 1, message: 'Error validating client secret.' });

/** The consent dialog: back to redirect_uri with a code (or the denial) and the state, then Meta's `#_=_`. */
function dialog(q: URLSearchParams, clientId: string, consent: LoginConsent, codes: Map<string, Code>, issued: string[], fallbackUser: () => string): Reply {
  const redirect = q.get('redirect_uri') ?? '';
  if (q.get('client_id') !== clientId) return graphError({ code: 101, message: 'Error validating application. Invalid application ID.' });
  if (!/^https?:\/\//.test(redirect)) return graphError({ code: 191, message: "Can't load URL: The domain of this URL isn't included in the app's domains." });
  const back = new URL(redirect);
  if (consent.error) {
    back.searchParams.set('error', consent.error);
    back.searchParams.set('error_reason', 'user_denied');
    back.searchParams.set('error_description', 'Permissions error');
  } else {
    const code = randomToken();
    issued.push(code);
    codes.set(code, { userId: consent.userId ?? fallbackUser(), username: consent.username, redirectUri: redirect });
    back.searchParams.set('code', code);
  }
  if (q.get('state')) back.searchParams.set('state', q.get('state')!);
  back.hash = '_=_';
  return { status: 302, raw: Buffer.alloc(0), headers: { location: back.toString() } };
}

/** Takes a code once; the redirect URI must be the dialog's. */
function redeem(codes: Map<string, Code>, params: Record<string, unknown>): Code | Reply {
  const code = codes.get(String(params.code ?? ''));
  if (!code) return invalidCode();
  codes.delete(String(params.code));
  if (code.redirectUri !== params.redirect_uri) return badRedirect();
  return code;
}

export function facebookLogin(o: { clientId: string; clientSecret: string; issued: string[]; pageToken: (pageId: string) => string; nextId: () => string }) {
  const users = new Map<string, { name: string; pages: LoginPage[] }>();
  const codes = new Map<string, Code>();
  const userTokens = new Map<string, string>();
  const userToken = (userId: string) => {
    const t = `EAAB${randomToken()}`;
    o.issued.push(t);
    userTokens.set(t, userId);
    return t;
  };

  const login = {
    consent: {} as LoginConsent,
    /** A Facebook user managing `pages`; each Page gets a Page token, as /me/accounts hands them out. */
    addUser(name: string, pages: Omit<LoginPage, 'id' | 'accessToken'>[]): { userId: string; pages: LoginPage[] } {
      const userId = o.nextId();
      const withTokens = pages.map((p) => {
        const id = o.nextId();
        return { ...p, id, accessToken: o.pageToken(id) };
      });
      users.set(userId, { name, pages: withTokens });
      return { userId, pages: withTokens };
    },
    /** The sign-in routes (and the user token's reads); undefined for every other request. */
    handle(req: EmuRequest, rest: string, params: Record<string, unknown>): Reply | undefined {
      if (req.method === 'GET' && rest === '/dialog/oauth')
        return dialog(req.query, o.clientId, login.consent, codes, o.issued, () => login.addUser('Someone', []).userId);
      if (req.method === 'GET' && rest === '/oauth/access_token') return accessToken(params);
      const token = graphToken(req, params);
      const userId = token ? userTokens.get(token) : undefined;
      if (!userId) return undefined;
      if (req.method === 'GET' && rest === '/me/accounts') return accounts(userId);
      if (req.method === 'GET' && rest === '/me') return { status: 200, body: { id: userId, name: users.get(userId)?.name } };
      return graphError({ code: 100, subcode: 33, type: 'GraphMethodException', message: `Unsupported ${req.method.toLowerCase()} request.` });
    },
  };

  function accessToken(params: Record<string, unknown>): Reply {
    if (params.client_id !== o.clientId) return graphError({ code: 101, message: 'Error validating application. Invalid application ID.' });
    if (params.client_secret !== o.clientSecret) return badSecret();
    if (params.grant_type === 'fb_exchange_token') {
      const userId = userTokens.get(String(params.fb_exchange_token ?? ''));
      if (!userId) return graphError({ code: 190, message: 'Invalid OAuth access token - Cannot parse access token' });
      return { status: 200, body: { access_token: userToken(userId), token_type: 'bearer', expires_in: SIXTY_DAYS } };
    }
    const code = redeem(codes, params);
    if ('status' in code) return code;
    return { status: 200, body: { access_token: userToken(code.userId), token_type: 'bearer', expires_in: 5_400 } };
  }

  function accounts(userId: string): Reply {
    const data = (users.get(userId)?.pages ?? []).map((p) => ({
      access_token: p.accessToken,
      category: 'Media/news company',
      name: p.name,
      id: p.id,
      tasks: p.tasks,
      ...(p.instagram ? { instagram_business_account: p.instagram } : {}),
    }));
    return { status: 200, body: { data, paging: { cursors: { before: 'QVFI', after: 'QVFI' } } } };
  }

  return login;
}

export function threadsLogin(o: {
  clientId: string;
  clientSecret: string;
  issued: string[];
  issueToken: (userId: string, username: string | undefined) => string;
  ownerOf: (token: string) => { userId: string; username: string } | undefined;
  nextId: () => string;
}) {
  const codes = new Map<string, Code>();
  const login = {
    consent: {} as LoginConsent,
    handle(req: EmuRequest, rest: string, params: Record<string, unknown>): Reply | undefined {
      if (req.method === 'GET' && rest === '/oauth/authorize') return dialog(req.query, o.clientId, login.consent, codes, o.issued, o.nextId);
      if (req.method === 'POST' && rest === '/oauth/access_token') return codeExchange(params);
      if (req.method === 'GET' && rest === '/access_token') return longLived(params);
      return undefined;
    },
  };

  function codeExchange(params: Record<string, unknown>): Reply {
    if (params.client_id !== o.clientId) return graphError({ code: 101, message: 'Error validating application. Invalid application ID.' });
    if (params.client_secret !== o.clientSecret) return badSecret();
    if (params.grant_type !== 'authorization_code') return graphError({ code: 100, message: 'Unsupported grant_type' });
    const code = redeem(codes, params);
    if ('status' in code) return code;
    return { status: 200, body: { access_token: o.issueToken(code.userId, code.username), user_id: Number(code.userId) } };
  }

  function longLived(params: Record<string, unknown>): Reply {
    if (params.grant_type !== 'th_exchange_token') return graphError({ code: 100, message: 'Unsupported grant_type' });
    if (params.client_secret !== o.clientSecret) return badSecret();
    const token = String(params.access_token ?? '');
    const owner = o.ownerOf(token);
    if (!owner) return graphError({ code: 190, message: 'Invalid OAuth access token - Cannot parse access token' });
    return { status: 200, body: { access_token: o.issueToken(owner.userId, owner.username), token_type: 'bearer', expires_in: SIXTY_DAYS } };
  }

  return login;
}
