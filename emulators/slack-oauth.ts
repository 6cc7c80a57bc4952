import { randomBytes, randomInt } from 'node:crypto';

/**
 * Slack's OAuth v2 install flow, for the Slack emulator: the consent page
 * (`GET /oauth/v2/authorize?client_id&scope&user_scope&redirect_uri&state`), which, once the signed-in
 * user allows, redirects to `redirect_uri?code&state` (or `?error=access_denied&state` when they cancel),
 * and `oauth.v2.access`, which trades a code for the team's bot token (and a user token when user scopes
 * were asked for), in the shape Slack documents. Codes are single use and live 10 minutes.
 *
 * An org admin of an Enterprise Grid organization may install for the whole organization instead (sign
 * in with `enterpriseId`): oauth.v2.access then answers `team: null`, `enterprise: {id, name}` and
 * `is_enterprise_install: true`, with one bot token for the organization.
 */

const CODE_TTL_MS = 10 * 60 * 1000;

/** A workspace's admin installing in their workspace, or an org admin installing org-wide. */
export type Consenter = { teamId: string; userId: string } | { enterpriseId: string; userId: string };

interface Grant {
  teamId: string | undefined;
  enterpriseId: string | undefined;
  userId: string;
  scopes: string[];
  userScopes: string[];
  redirectUri: string | undefined;
  issuedAt: number;
  used: boolean;
}

export interface IssuedTokens {
  botToken: string;
  botUserId: string;
  userToken: string | undefined;
  /** Unset for an org-wide install. */
  team: { id: string; name: string } | undefined;
  /** The organization, for any install in one (workspace-level or org-wide). */
  enterprise: { id: string; name: string } | undefined;
}

/** What the emulator does when a code is traded: issue (or reuse) the team's or the organization's tokens. */
export type IssueTokens = (grant: { teamId: string | undefined; enterpriseId: string | undefined; userId: string; userScopes: string[] }) => IssuedTokens;

export type AuthorizeAnswer = { status: 302; location: string } | { status: 400; text: string };

export class SlackOAuth {
  readonly clientId = `${randomInt(1e9, 1e10)}.${randomInt(1e9, 1e10)}`;
  readonly clientSecret = randomBytes(16).toString('hex');
  /** The app's configured redirect URLs (manifest `oauth_config.redirect_urls`). */
  redirectUrls: string[] = [];
  #consenter: Consenter | undefined;
  #denyNext = false;
  readonly #grants = new Map<string, Grant>();

  readonly #appId: string;
  readonly #issue: IssueTokens;

  constructor(appId: string, issue: IssueTokens) {
    this.#appId = appId;
    this.#issue = issue;
  }

  /** Who is signed in to Slack in the browser that reaches the consent page, and allows the install. */
  signIn(consenter: Consenter): void {
    this.#consenter = consenter;
  }

  /** The next person on the consent page presses Cancel. */
  denyNext(): void {
    this.#denyNext = true;
  }

  authorize(url: URL): AuthorizeAnswer {
    const q = url.searchParams;
    if (q.get('client_id') !== this.clientId) return { status: 400, text: 'invalid_client_id' };
    const requested = q.get('redirect_uri') ?? undefined;
    const redirect = requested ?? this.redirectUrls[0];
    if (redirect === undefined || !this.redirectUrls.includes(redirect))
      return { status: 400, text: 'bad_redirect_uri: redirect_uri did not match any configured URIs' };
    const scopes = splitScopes(q.get('scope'));
    const userScopes = splitScopes(q.get('user_scope'));
    if (scopes.length === 0 && userScopes.length === 0) return { status: 400, text: 'invalid_scope: no scopes requested' };
    const back = new URL(redirect);
    const state = q.get('state');
    if (this.#denyNext || this.#consenter === undefined) {
      this.#denyNext = false;
      back.searchParams.set('error', 'access_denied');
    } else {
      const code = `${randomInt(1e9, 1e10)}.${randomInt(1e9, 1e10)}.${randomBytes(32).toString('hex')}`;
      const who =
        'teamId' in this.#consenter
          ? { teamId: this.#consenter.teamId, enterpriseId: undefined }
          : { teamId: undefined, enterpriseId: this.#consenter.enterpriseId };
      this.#grants.set(code, { ...who, userId: this.#consenter.userId, scopes, userScopes, redirectUri: requested, issuedAt: Date.now(), used: false });
      back.searchParams.set('code', code);
    }
    if (state !== null) back.searchParams.set('state', state);
    return { status: 302, location: back.toString() };
  }

  /** `oauth.v2.access`; client credentials come in the form or as HTTP Basic auth. Throws Slack's error code. */
  access(args: Record<string, unknown>, basic: { id: string; secret: string } | undefined): Record<string, unknown> {
    const clientId = basic?.id ?? str(args.client_id);
    const clientSecret = basic?.secret ?? str(args.client_secret);
    if (clientId !== this.clientId) throw new OAuthError('invalid_client_id');
    if (clientSecret !== this.clientSecret) throw new OAuthError('bad_client_secret');
    if (args.grant_type !== undefined && args.grant_type !== 'authorization_code') throw new OAuthError('invalid_grant_type');
    const code = str(args.code);
    const grant = code === undefined ? undefined : this.#grants.get(code);
    if (grant === undefined || grant.used || Date.now() - grant.issuedAt > CODE_TTL_MS) throw new OAuthError('invalid_code');
    if (grant.redirectUri !== undefined && str(args.redirect_uri) !== grant.redirectUri) throw new OAuthError('bad_redirect_uri');
    grant.used = true;
    const tokens = this.#issue(grant);
    const authedUser: Record<string, unknown> = { id: grant.userId };
    if (tokens.userToken !== undefined) Object.assign(authedUser, { scope: grant.userScopes.join(','), access_token: tokens.userToken, token_type: 'user' });
    return {
      ok: true,
      access_token: tokens.botToken,
      token_type: 'bot',
      scope: grant.scopes.join(','),
      bot_user_id: tokens.botUserId,
      app_id: this.#appId,
      team: tokens.team ? { name: tokens.team.name, id: tokens.team.id } : null,
      enterprise: tokens.enterprise ? { name: tokens.enterprise.name, id: tokens.enterprise.id } : null,
      is_enterprise_install: tokens.team === undefined,
      authed_user: authedUser,
    };
  }
}

export class OAuthError extends Error {
  readonly code: string;
  constructor(code: string) {
    super(code);
    this.code = code;
  }
}

function splitScopes(value: string | null): string[] {
  return (value ?? '').split(/[ ,]+/).filter(Boolean);
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
