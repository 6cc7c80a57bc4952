import { NETWORK_LABELS } from '../domain/networks.ts';
import { FACEBOOK_DEFAULT_VERSION } from '../networks/facebook.ts';
import { asRecord, makeError, str } from '../networks/http.ts';
import { THREADS_DEFAULT_VERSION } from '../networks/threads.ts';
import { callJson, getJson, required, tokenSet, type OAuthHttp, type TokenSet } from './exchange.ts';
import type { ConnectedIdentity } from './connected-identity.ts';
import type { Provider } from './providers.ts';

/**
 * Meta's networks hand out a short-lived token at the code exchange; Greenlight keeps the long-lived one.
 * Threads: th_exchange_token (60 days, refreshed by the daily job). Facebook and Instagram (Facebook Login):
 * fb_exchange_token for a long-lived user token, then /me/accounts, whose Page tokens do not expire. With
 * several Pages the first one that can post (or that has an Instagram professional account) is connected,
 * and the closing page says which.
 */
export async function metaIdentity(provider: Provider, tokens: TokenSet, http: OAuthHttp): Promise<ConnectedIdentity> {
  if (provider.network === 'threads') return threadsIdentity(provider, tokens, http);
  const user = await longLivedUserToken(provider, tokens, http);
  const pages = await listPages(provider, user, http);
  return provider.network === 'instagram' ? instagramFrom(provider, user, pages) : facebookFrom(provider, user, pages);
}

async function threadsIdentity(provider: Provider, short: TokenSet, http: OAuthHttp): Promise<ConnectedIdentity> {
  const query = new URLSearchParams({ grant_type: 'th_exchange_token', client_secret: provider.clientSecret, access_token: short.accessToken });
  const tokens = await exchangeGet(provider, `${provider.apiUrl}/access_token?${query}`, short, http);
  const me = await getJson('threads', http, `${provider.apiUrl}/${THREADS_DEFAULT_VERSION}/me?fields=id,username`, tokens, 'account lookup');
  const id = required(provider, tokens, str(me.id), 'a user id');
  const username = str(me.username);
  return { externalAccountId: id, displayName: username ? `@${username}` : id, credentials: tokens };
}

async function longLivedUserToken(provider: Provider, short: TokenSet, http: OAuthHttp): Promise<TokenSet> {
  const query = new URLSearchParams({
    grant_type: 'fb_exchange_token',
    client_id: provider.clientId,
    client_secret: provider.clientSecret,
    fb_exchange_token: short.accessToken,
  });
  return exchangeGet(provider, `${provider.apiUrl}/${FACEBOOK_DEFAULT_VERSION}/oauth/access_token?${query}`, short, http);
}

async function exchangeGet(provider: Provider, url: string, short: TokenSet, http: OAuthHttp): Promise<TokenSet> {
  const secrets = [short.accessToken, provider.clientSecret];
  const json = await callJson(provider.network, http, {
    method: 'GET',
    url,
    signal: AbortSignal.timeout(http.timeoutMs + 1_000),
    what: 'long-lived token exchange',
    secrets,
  });
  return tokenSet(provider.network, json, http.now(), secrets);
}

interface Page {
  id: string;
  name: string;
  accessToken: string;
  canPost: boolean;
  instagram: { id: string; username: string | undefined } | undefined;
}

async function listPages(provider: Provider, user: TokenSet, http: OAuthHttp): Promise<Page[]> {
  const fields = 'id,name,access_token,tasks,instagram_business_account{id,username}';
  const url = `${provider.apiUrl}/${FACEBOOK_DEFAULT_VERSION}/me/accounts?fields=${encodeURIComponent(fields)}&limit=100`;
  const json = await getJson(provider.network, http, url, user, 'Page lookup');
  const data = Array.isArray(json.data) ? json.data.map(asRecord) : [];
  return data.flatMap((page) => {
    const id = str(page.id);
    const accessToken = str(page.access_token);
    if (!id || !accessToken) return [];
    const tasks = Array.isArray(page.tasks) ? page.tasks : [];
    const ig = asRecord(page.instagram_business_account);
    const igId = str(ig.id);
    return [
      {
        id,
        name: str(page.name) ?? id,
        accessToken,
        canPost: tasks.length === 0 || tasks.includes('CREATE_CONTENT'),
        instagram: igId ? { id: igId, username: str(ig.username) } : undefined,
      },
    ];
  });
}

function facebookFrom(provider: Provider, user: TokenSet, pages: Page[]): ConnectedIdentity {
  const usable = pages.filter((p) => p.canPost);
  const page = usable[0];
  if (!page) throw noAccount(provider, user, 'no Facebook Page this login can post to (it needs the CREATE_CONTENT task on a Page)');
  const note =
    usable.length > 1 ? `Connected the first of ${usable.length} Pages you manage (${page.name}). Run the connect command again to add another.` : undefined;
  const choices = usable.map((p) => ({ externalAccountId: p.id, displayName: p.name, credentials: { accessToken: p.accessToken }, kind: 'Facebook Page' }));
  return {
    externalAccountId: page.id,
    displayName: page.name,
    credentials: { accessToken: page.accessToken },
    ...(note ? { note } : {}),
    ...(usable.length > 1 ? { choices } : {}),
  };
}

function instagramFrom(provider: Provider, user: TokenSet, pages: Page[]): ConnectedIdentity {
  const linked = pages.filter((p) => p.instagram);
  const page = linked[0];
  if (!page?.instagram) throw noAccount(provider, user, 'no Instagram professional account linked to a Facebook Page this login manages');
  const name = page.instagram.username ? `@${page.instagram.username}` : page.instagram.id;
  const note = `Connected through the Facebook Page ${page.name}${linked.length > 1 ? ` (the first of ${linked.length} with an Instagram account)` : ''}.`;
  const choices = linked.map((p) => ({
    externalAccountId: p.instagram!.id,
    displayName: p.instagram!.username ? `@${p.instagram!.username}` : p.instagram!.id,
    credentials: { accessToken: p.accessToken },
    kind: `through the Facebook Page ${p.name}`,
  }));
  return {
    externalAccountId: page.instagram.id,
    displayName: name,
    credentials: { accessToken: page.accessToken },
    note,
    ...(linked.length > 1 ? { choices } : {}),
  };
}

function noAccount(provider: Provider, user: TokenSet, what: string) {
  return makeError(provider.network, [user.accessToken], { errorClass: 'permanent', message: `${NETWORK_LABELS[provider.network]}: ${what}` });
}
