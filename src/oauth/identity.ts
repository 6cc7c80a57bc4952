import { NetworkError } from '../networks/adapter.ts';
import { asRecord, str } from '../networks/http.ts';
import { fetchInstanceLimit } from '../networks/mastodon.ts';
import { callJson, getJson, required, type OAuthHttp, type TokenSet } from './exchange.ts';
import { LINKEDIN_DEFAULT_VERSION } from '../networks/linkedin.ts';
import type { ConnectedIdentity } from './connected-identity.ts';
import { metaIdentity } from './meta-identity.ts';
import type { Provider } from './providers.ts';

/** Looks the account up with the fresh tokens (and, for Meta, swaps them for the long-lived ones it keeps). */
export function identify(provider: Provider, tokens: TokenSet, http: OAuthHttp): Promise<ConnectedIdentity> {
  switch (provider.network) {
    case 'x':
      return xIdentity(provider, tokens, http);
    case 'linkedin':
      return linkedInIdentity(provider, tokens, http);
    case 'mastodon':
      return mastodonIdentity(provider, tokens, http);
    case 'threads':
    case 'facebook':
    case 'instagram':
      return metaIdentity(provider, tokens, http);
  }
}

async function xIdentity(provider: Provider, tokens: TokenSet, http: OAuthHttp): Promise<ConnectedIdentity> {
  const json = await getJson('x', http, `${provider.apiUrl}/2/users/me`, tokens, 'account lookup');
  const data = asRecord(json.data);
  const id = required(provider, tokens, str(data.id), 'a user id');
  const username = str(data.username);
  return { externalAccountId: id, displayName: username ? `@${username}` : (str(data.name) ?? id), credentials: tokens };
}

/** OpenID userinfo: `sub` is the member id the Posts API takes as urn:li:person:<sub>. */
async function linkedInIdentity(provider: Provider, tokens: TokenSet, http: OAuthHttp): Promise<ConnectedIdentity> {
  const json = await getJson('linkedin', http, `${provider.apiUrl}/v2/userinfo`, tokens, 'account lookup');
  const sub = required(provider, tokens, str(json.sub), 'a member id');
  const member = { externalAccountId: `urn:li:person:${sub}`, displayName: str(json.name) ?? sub, credentials: tokens };
  if (!provider.scope.includes('rw_organization_admin')) return member;
  const pages = await linkedInOrganizations(provider, tokens, http);
  if (pages.length === 0) return member;
  return { ...member, choices: [{ ...member, kind: 'your own profile' }, ...pages.map((p) => ({ ...p, credentials: tokens, kind: 'organization page' }))] };
}

/** The roles that may post as an organization (PLATFORMS-MEDIA.md §3.2: admin, DSC poster, content admin). */
const POSTING_ROLES = new Set(['ADMINISTRATOR', 'DIRECT_SPONSORED_CONTENT_POSTER', 'CONTENT_ADMINISTRATOR']);

/**
 * The organization pages the member may post as: organizationAcls?q=roleAssignee (approved roles that
 * may post), each page's name from /rest/organizations/{id}. Rest.li 2.0 with the versioned headers.
 */
async function linkedInOrganizations(provider: Provider, tokens: TokenSet, http: OAuthHttp): Promise<{ externalAccountId: string; displayName: string }[]> {
  const headers = {
    authorization: `Bearer ${tokens.accessToken}`,
    'linkedin-version': LINKEDIN_DEFAULT_VERSION,
    'x-restli-protocol-version': '2.0.0',
    accept: 'application/json',
  };
  const call = (url: string, what: string) =>
    callJson('linkedin', http, { method: 'GET', url, headers, signal: AbortSignal.timeout(http.timeoutMs + 1_000), what, secrets: [tokens.accessToken] });
  const acls = await call(`${provider.apiUrl}/rest/organizationAcls?q=roleAssignee&state=APPROVED&count=100`, 'organization roles lookup');
  const urns = new Set<string>();
  for (const element of Array.isArray(acls.elements) ? acls.elements.map(asRecord) : []) {
    const urn = str(element.organization);
    if (urn?.startsWith('urn:li:organization:') && POSTING_ROLES.has(str(element.role) ?? '') && (element.state ?? 'APPROVED') === 'APPROVED') urns.add(urn);
  }
  const pages: { externalAccountId: string; displayName: string }[] = [];
  for (const urn of urns) {
    const id = urn.slice('urn:li:organization:'.length);
    const org = await call(`${provider.apiUrl}/rest/organizations/${encodeURIComponent(id)}`, 'organization lookup');
    pages.push({ externalAccountId: urn, displayName: str(org.localizedName) ?? urn });
  }
  return pages;
}

async function mastodonIdentity(provider: Provider, tokens: TokenSet, http: OAuthHttp): Promise<ConnectedIdentity> {
  const json = await getJson('mastodon', http, `${provider.apiUrl}/api/v1/accounts/verify_credentials`, tokens, 'account lookup');
  const id = required(provider, tokens, str(json.id), 'an account id');
  const acct = str(json.acct) ?? str(json.username) ?? id;
  const host = new URL(provider.apiUrl).host;
  const maxCharacters = await instanceLimit(provider, http);
  return {
    externalAccountId: id,
    displayName: acct.includes('@') ? `@${acct}` : `@${acct}@${host}`,
    credentials: tokens,
    ...(maxCharacters ? { maxCharacters } : {}),
  };
}

/**
 * The instance's own post length limit, read once at connect (and again at every reconnect). An instance
 * that does not answer still connects: its posts are then held to Mastodon's default of 500, which every
 * instance accepts, rather than the person being turned away for a missing detail.
 */
async function instanceLimit(provider: Provider, http: OAuthHttp): Promise<number | undefined> {
  try {
    return await fetchInstanceLimit(provider.apiUrl, { dispatcher: http.dispatcher, timeoutMs: http.timeoutMs });
  } catch (err) {
    if (err instanceof NetworkError) return undefined;
    throw err;
  }
}
