import type { OAuthConfig } from '../config/load.ts';
import { FACEBOOK_DEFAULT_VERSION } from '../networks/facebook.ts';
import type { Network } from '../domain/networks.ts';

/**
 * What Greenlight needs to know to run the OAuth 2.0 code flow with each network (each network's own
 * OAuth documentation: endpoints, scopes, PKCE, client authentication). Mastodon's app is registered per instance at connect time; Bluesky has no OAuth here (app
 * password form).
 */
export type OAuthNetwork = 'x' | 'linkedin' | 'threads' | 'facebook' | 'instagram' | 'mastodon';

export interface Provider {
  network: OAuthNetwork;
  authorizeUrl: string;
  tokenUrl: string;
  /** GET for Graph's /oauth/access_token, POST (form) everywhere else. */
  tokenMethod: 'GET' | 'POST';
  /** PKCE S256, where the network supports it for web apps. */
  pkce: boolean;
  scope: string;
  clientId: string;
  clientSecret: string;
  /** X confidential clients authenticate with HTTP Basic; the others put the secret in the form. */
  clientAuth: 'basic' | 'body';
  /** API base the identity lookup calls (an instance URL for Mastodon). */
  apiUrl: string;
}

export type ProviderLookup = { ok: true; provider: Provider } | { ok: false; missing: string[] };

export const OAUTH_NETWORKS: readonly Network[] = ['x', 'linkedin', 'threads', 'facebook', 'instagram', 'mastodon'];

export function isOAuthNetwork(network: Network): network is OAuthNetwork {
  return OAUTH_NETWORKS.includes(network);
}

const GRAPH_VERSION = FACEBOOK_DEFAULT_VERSION;

const SCOPES: Record<OAuthNetwork, string> = {
  x: 'tweet.read tweet.write users.read media.write offline.access',
  linkedin: 'openid profile w_member_social',
  threads: 'threads_basic,threads_content_publish',
  facebook: 'pages_show_list,pages_manage_posts,pages_read_engagement',
  instagram: 'instagram_basic,instagram_content_publish,pages_show_list,pages_read_engagement',
  mastodon: 'read:accounts write:statuses write:media',
};

/** The provider for a network with a fixed OAuth app (not Mastodon), or which variables to set. */
export function configuredProvider(oauth: OAuthConfig, network: Exclude<OAuthNetwork, 'mastodon'>): ProviderLookup {
  switch (network) {
    case 'x': {
      const { client, authUrl, apiUrl } = oauth.x;
      if (!client) return { ok: false, missing: ['X_CLIENT_ID', 'X_CLIENT_SECRET'] };
      return ok({
        network,
        authorizeUrl: authUrl,
        tokenUrl: `${apiUrl}/2/oauth2/token`,
        tokenMethod: 'POST',
        pkce: true,
        clientAuth: 'basic',
        apiUrl,
        ...client,
      });
    }
    case 'linkedin': {
      const { client, authUrl, apiUrl, organizations } = oauth.linkedin;
      if (!client) return { ok: false, missing: ['LINKEDIN_CLIENT_ID', 'LINKEDIN_CLIENT_SECRET'] };
      const lookup = ok({
        network,
        authorizeUrl: `${authUrl}/authorization`,
        tokenUrl: `${authUrl}/accessToken`,
        tokenMethod: 'POST',
        pkce: false,
        clientAuth: 'body',
        apiUrl,
        ...client,
      });
      // Organization pages: posting, reading and finding the member's roles (Community Management API).
      if (organizations && lookup.ok) lookup.provider.scope = `${lookup.provider.scope} ${LINKEDIN_ORGANIZATION_SCOPES}`;
      return lookup;
    }
    case 'threads': {
      const { client, authUrl, apiUrl } = oauth.threads;
      if (!client) return { ok: false, missing: ['THREADS_CLIENT_ID', 'THREADS_CLIENT_SECRET'] };
      return ok({
        network,
        authorizeUrl: authUrl,
        tokenUrl: `${apiUrl}/oauth/access_token`,
        tokenMethod: 'POST',
        pkce: false,
        clientAuth: 'body',
        apiUrl,
        ...client,
      });
    }
    case 'facebook':
    case 'instagram': {
      const { client, authUrl, apiUrl } = oauth.facebook;
      if (!client) return { ok: false, missing: ['FACEBOOK_CLIENT_ID', 'FACEBOOK_CLIENT_SECRET'] };
      const tokenUrl = `${apiUrl}/${GRAPH_VERSION}/oauth/access_token`;
      return ok({ network, authorizeUrl: authUrl, tokenUrl, tokenMethod: 'GET', pkce: false, clientAuth: 'body', apiUrl, ...client });
    }
  }
}

/** Mastodon: the app Greenlight registered on this instance. */
export function mastodonProvider(instanceUrl: string, client: { clientId: string; clientSecret: string }): Provider {
  return {
    network: 'mastodon',
    authorizeUrl: `${instanceUrl}/oauth/authorize`,
    tokenUrl: `${instanceUrl}/oauth/token`,
    tokenMethod: 'POST',
    pkce: true,
    scope: SCOPES.mastodon,
    clientAuth: 'body',
    apiUrl: instanceUrl,
    ...client,
  };
}

export const MASTODON_SCOPES = SCOPES.mastodon;
export const LINKEDIN_ORGANIZATION_SCOPES = 'w_organization_social r_organization_social rw_organization_admin';

function ok(provider: Omit<Provider, 'scope'>): ProviderLookup {
  return { ok: true, provider: { ...provider, scope: SCOPES[provider.network] } };
}

/** The provider's authorize URL with every parameter the code flow needs. */
export function authorizeUrl(provider: Provider, input: { redirectUri: string; state: string; challenge?: string }): string {
  const url = new URL(provider.authorizeUrl);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', provider.clientId);
  url.searchParams.set('redirect_uri', input.redirectUri);
  url.searchParams.set('scope', provider.scope);
  url.searchParams.set('state', input.state);
  if (provider.pkce && input.challenge) {
    url.searchParams.set('code_challenge', input.challenge);
    url.searchParams.set('code_challenge_method', 'S256');
  }
  return url.toString();
}

/** The exact redirect URI registered with every network: `${PUBLIC_URL}/oauth/callback/<network>`. */
export function redirectUriFor(publicUrl: string, network: Network): string {
  return `${publicUrl}/oauth/callback/${network}`;
}
