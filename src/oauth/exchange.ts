import type { Dispatcher } from 'undici';
import type { NetworkError } from '../networks/adapter.ts';
import { asRecord, header, makeError, parseJson, send, str, type HttpCall, type HttpResponse } from '../networks/http.ts';
import { NETWORK_LABELS, type Network } from '../domain/networks.ts';
import type { Provider } from './providers.ts';

/**
 * The OAuth code exchange and the small authenticated GETs that follow it, over the adapters' own HTTP
 * plumbing (timeouts, error classes). Every error is built with the secrets of the call scrubbed out: the
 * code, the verifier, the client secret and any token already received.
 */

export interface OAuthHttp {
  timeoutMs: number;
  dispatcher?: Dispatcher | undefined;
  now: () => Date;
}

export interface TokenSet {
  accessToken: string;
  refreshToken?: string;
  expiresAt?: Date;
}

export async function exchangeCode(
  provider: Provider,
  input: { code: string; redirectUri: string; verifier?: string | undefined },
  http: OAuthHttp,
): Promise<TokenSet> {
  const params = new URLSearchParams({ grant_type: 'authorization_code', code: input.code, redirect_uri: input.redirectUri, client_id: provider.clientId });
  if (input.verifier) params.set('code_verifier', input.verifier);
  if (provider.clientAuth === 'body') params.set('client_secret', provider.clientSecret);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (provider.clientAuth === 'basic') headers.authorization = `Basic ${Buffer.from(`${provider.clientId}:${provider.clientSecret}`).toString('base64')}`;
  const secrets = [input.code, input.verifier ?? '', provider.clientSecret];
  const call: HttpCall =
    provider.tokenMethod === 'GET'
      ? { method: 'GET', url: `${provider.tokenUrl}?${params}`, headers, signal: timeout(http), what: 'sign-in (code exchange)', secrets }
      : {
          method: 'POST',
          url: provider.tokenUrl,
          headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
          body: params.toString(),
          signal: timeout(http),
          what: 'sign-in (code exchange)',
          secrets,
        };
  const json = await callJson(provider.network, http, call);
  return tokenSet(provider.network, json, http.now(), secrets);
}

export function tokenSet(network: Network, json: Record<string, unknown>, now: Date, secrets: string[]): TokenSet {
  const accessToken = str(json.access_token);
  if (!accessToken)
    throw makeError(network, secrets, { errorClass: 'permanent', message: `${NETWORK_LABELS[network]} answered the sign-in without an access token` });
  const refreshToken = str(json.refresh_token);
  const expiresIn = typeof json.expires_in === 'number' && json.expires_in > 0 ? json.expires_in : undefined;
  return {
    accessToken,
    ...(refreshToken ? { refreshToken } : {}),
    ...(expiresIn ? { expiresAt: new Date(now.getTime() + expiresIn * 1000) } : {}),
  };
}

/** An authenticated GET (Bearer) that must answer 2xx JSON. */
export function getJson(network: Network, http: OAuthHttp, url: string, tokens: TokenSet, what: string): Promise<Record<string, unknown>> {
  const secrets = [tokens.accessToken, tokens.refreshToken ?? ''];
  const headers = { authorization: `Bearer ${tokens.accessToken}`, accept: 'application/json' };
  return callJson(network, http, { method: 'GET', url, headers, signal: timeout(http), what, secrets });
}

export async function callJson(network: Network, http: OAuthHttp, call: HttpCall): Promise<Record<string, unknown>> {
  // Mastodon and Bluesky servers are typed by the user: guarded. The other networks' hosts are configured.
  const guard = network === 'mastodon' || network === 'bluesky';
  const res = await send({ network, dispatcher: http.dispatcher, timeoutMs: http.timeoutMs, guard }, call);
  const json = asRecord(parseJson(res.body));
  if (res.status >= 200 && res.status < 300 && json.error === undefined) return json;
  throw oauthError(network, res, json, call);
}

/** The network's own words from any of the shapes: OAuth `{error, error_description}`, Graph `{error:{message}}`, X problem JSON. */
function oauthError(network: Network, res: HttpResponse, json: Record<string, unknown>, call: HttpCall): NetworkError {
  const nested = asRecord(json.error);
  const code = str(json.error) ?? str(nested.type) ?? (nested.code === undefined ? undefined : String(nested.code)) ?? str(json.code) ?? str(json.title);
  const words = str(json.error_description) ?? str(nested.message) ?? str(json.message) ?? str(json.detail);
  const status = res.status;
  return makeError(network, call.secrets, {
    errorClass: status === 401 || status === 400 ? 'auth' : status >= 500 || status === 429 ? 'transient' : 'permanent',
    status,
    message: `${NETWORK_LABELS[network]} ${call.what} failed: HTTP ${status}${words ? ` (${words})` : ''}`,
    networkCode: code,
    networkMessage: words,
    requestId: header(res, 'x-transaction-id') ?? header(res, 'x-request-id') ?? header(res, 'x-fb-trace-id'),
  });
}

function timeout(http: OAuthHttp): AbortSignal {
  return AbortSignal.timeout(http.timeoutMs + 1_000);
}

export function required(provider: Provider, tokens: TokenSet, value: string | undefined, what: string): string {
  if (value) return value;
  throw makeError(provider.network, [tokens.accessToken], { errorClass: 'permanent', message: `the account lookup answered without ${what}` });
}
