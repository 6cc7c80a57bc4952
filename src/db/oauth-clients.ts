import type { TokenCipher } from '../crypto/token-cipher.ts';
import type { Network } from '../domain/networks.ts';
import type { Executor } from './database.ts';

/** The associated data binding a registered client's secret to its row. */
export const clientSecretAad = (network: string, instanceUrl: string) => `oauth_client:${network}:${instanceUrl}`;

export interface OauthClient {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
}

export async function findOauthClient(tx: Executor, cipher: TokenCipher, network: Network, instanceUrl: string): Promise<OauthClient | undefined> {
  const row = await tx.selectFrom('oauth_clients').selectAll().where('network', '=', network).where('instance_url', '=', instanceUrl).executeTakeFirst();
  if (!row) return undefined;
  return { clientId: row.client_id, clientSecret: cipher.decrypt(row.client_secret, clientSecretAad(network, instanceUrl)), redirectUri: row.redirect_uri };
}

/**
 * Stores the app Greenlight registered on an instance. Of two registrations racing, the first stored wins
 * (flows already under way use it); `replace` overwrites one registered for an older PUBLIC_URL.
 */
export async function saveOauthClient(
  tx: Executor,
  cipher: TokenCipher,
  network: Network,
  instanceUrl: string,
  client: OauthClient,
  replace: boolean,
): Promise<void> {
  const values = {
    client_id: client.clientId,
    client_secret: cipher.encrypt(client.clientSecret, clientSecretAad(network, instanceUrl)),
    redirect_uri: client.redirectUri,
  };
  await tx
    .insertInto('oauth_clients')
    .values({ network, instance_url: instanceUrl, ...values })
    .onConflict((oc) => (replace ? oc.columns(['network', 'instance_url']).doUpdateSet(values) : oc.columns(['network', 'instance_url']).doNothing()))
    .execute();
}
