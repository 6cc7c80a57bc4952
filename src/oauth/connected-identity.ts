import type { TokenSet } from './exchange.ts';

/** Who the tokens belong to, as Greenlight stores and shows the account ("Connected X as @greenlight"). */
export interface ConnectedIdentity {
  externalAccountId: string;
  displayName: string;
  credentials: TokenSet;
  /** Said on the closing page, e.g. which of several Pages was connected. */
  note?: string;
  /** The server's own post length limit (Mastodon instances set their own). */
  maxCharacters?: number;
  /**
   * Several accounts this sign-in may connect (LinkedIn: the member and the organization pages they
   * administer; Facebook Pages; Instagram accounts): with more than one, a picker page asks which.
   */
  choices?: ConnectChoice[];
}

export interface ConnectChoice {
  externalAccountId: string;
  displayName: string;
  credentials: TokenSet;
  /** What it is, for the picker ("organization page", "Facebook Page"). */
  kind: string;
}
