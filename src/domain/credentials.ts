/** Decrypted credentials of one connected account. Never logged, never stored in plain text. */
export interface Credentials {
  accessToken: string;
  refreshToken?: string;
  expiresAt?: Date;
  /** The account's id on the network (user id, page id, DID, LinkedIn URN, ...). */
  accountId: string;
  /** The base URL of the account's server where the network has many (Mastodon instance, Bluesky PDS). */
  instanceUrl?: string;
}
