import type { Db } from './database.ts';

/** One encrypted column that `keys rotate` re-encrypts (reencrypt.ts, reencrypt-slack.ts). */
export interface Target {
  table: 'social_accounts' | 'oauth_states' | 'oauth_clients' | 'slack_installations' | 'webhook_subscriptions';
  /** Rows with an envelope: key (for messages and the update), envelope, associated data. */
  rows(db: Db): Promise<{ key: string; envelope: string; aad: string }[]>;
  update(db: Db, key: string, from: string, to: string): Promise<boolean>;
}
