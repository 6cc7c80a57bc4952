import { sql } from 'kysely';
import { credentialsAad } from './accounts.ts';
import type { Db } from './database.ts';
import { clientSecretAad } from './oauth-clients.ts';
import { verifierAad } from './oauth-states.ts';
import { slackInstallationTargets } from './reencrypt-slack.ts';
import type { Target } from './reencrypt-target.ts';
import { webhookSecretAad } from './webhooks.ts';
import { DecryptError, type TokenCipher } from '../crypto/token-cipher.ts';

/**
 * Key rotation's second step: every envelope not under the primary key is decrypted (with whichever
 * configured key it names) and encrypted again under the primary. Row by row, each update conditional on
 * the envelope still being the one read (a token refreshed meanwhile is already under the primary), so the
 * run is idempotent and safe beside a running service. Rows it cannot decrypt are reported, never changed.
 * Every column written with `cipher.encrypt` has a target here; a new encrypted column needs one too.
 */

export interface Progress {
  table: string;
  done: number;
  total: number;
}

export interface RotateResult {
  reencrypted: number;
  current: number;
  failed: { table: string; key: string; reason: string }[];
}

const TARGETS: Target[] = [
  {
    table: 'social_accounts',
    rows: async (db) =>
      (await db.selectFrom('social_accounts').select(['id', 'credentials']).orderBy('id').execute()).map((r) => ({
        key: r.id,
        envelope: r.credentials,
        aad: credentialsAad(r.id),
      })),
    update: async (db, key, from, to) =>
      changed(await db.updateTable('social_accounts').set({ credentials: to }).where('id', '=', key).where('credentials', '=', from).executeTakeFirst()),
  },
  {
    table: 'oauth_states',
    // Only flows that can still finish: a used or expired state's verifier is never read again.
    rows: async (db) =>
      (
        await db
          .selectFrom('oauth_states')
          .select(['nonce', 'code_verifier'])
          .where('code_verifier', 'is not', null)
          .where('used_at', 'is', null)
          .where('expires_at', '>', sql<Date>`now()`)
          .orderBy('nonce')
          .execute()
      ).map((r) => ({ key: r.nonce, envelope: r.code_verifier!, aad: verifierAad(r.nonce) })),
    update: async (db, key, from, to) =>
      changed(await db.updateTable('oauth_states').set({ code_verifier: to }).where('nonce', '=', key).where('code_verifier', '=', from).executeTakeFirst()),
  },
  {
    table: 'oauth_clients',
    rows: async (db) =>
      (await db.selectFrom('oauth_clients').select(['network', 'instance_url', 'client_secret']).orderBy('network').orderBy('instance_url').execute()).map(
        (r) => ({ key: `${r.network} ${r.instance_url}`, envelope: r.client_secret, aad: clientSecretAad(r.network, r.instance_url) }),
      ),
    update: async (db, key, from, to) => {
      const [network, instanceUrl] = key.split(' ') as [string, string];
      return changed(
        await db
          .updateTable('oauth_clients')
          .set({ client_secret: to })
          .where('network', '=', network as never)
          .where('instance_url', '=', instanceUrl)
          .where('client_secret', '=', from)
          .executeTakeFirst(),
      );
    },
  },
  ...slackInstallationTargets,
  {
    table: 'webhook_subscriptions',
    // Removed subscriptions too: their pending deliveries may still be signed with the secret.
    rows: async (db) =>
      (await db.selectFrom('webhook_subscriptions').select(['id', 'secret']).orderBy('id').execute()).map((r) => ({
        key: r.id,
        envelope: r.secret,
        aad: webhookSecretAad(r.id),
      })),
    update: async (db, key, from, to) =>
      changed(await db.updateTable('webhook_subscriptions').set({ secret: to }).where('id', '=', key).where('secret', '=', from).executeTakeFirst()),
  },
];

const changed = (result: { numUpdatedRows: bigint }) => result.numUpdatedRows > 0n;

export async function reencryptAll(db: Db, cipher: TokenCipher, onProgress: (p: Progress) => void = () => {}): Promise<RotateResult> {
  const result: RotateResult = { reencrypted: 0, current: 0, failed: [] };
  for (const target of TARGETS) {
    const rows = await target.rows(db);
    let done = 0;
    for (const row of rows) {
      await reencryptRow(db, cipher, target, row, result);
      done += 1;
      if (done % 100 === 0 || done === rows.length) onProgress({ table: target.table, done, total: rows.length });
    }
  }
  return result;
}

async function reencryptRow(
  db: Db,
  cipher: TokenCipher,
  target: Target,
  row: { key: string; envelope: string; aad: string },
  result: RotateResult,
): Promise<void> {
  try {
    if (!cipher.needsReencrypt(row.envelope)) {
      result.current += 1;
      return;
    }
    const fresh = cipher.encrypt(cipher.decrypt(row.envelope, row.aad), row.aad);
    // Not updated: the row changed meanwhile (a refresh wrote it under the primary key) or is gone.
    if (await target.update(db, row.key, row.envelope, fresh)) result.reencrypted += 1;
    else result.current += 1;
  } catch (err) {
    if (!(err instanceof DecryptError)) throw err;
    result.failed.push({ table: target.table, key: row.key, reason: err.message });
  }
}
