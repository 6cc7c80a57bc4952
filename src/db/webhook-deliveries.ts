import { sql } from 'kysely';
import type { TokenCipher } from '../crypto/token-cipher.ts';
import type { Executor } from './database.ts';
import { webhookSecretAad } from './webhooks.ts';

export interface ClaimedWebhook {
  id: string;
  attempts: number;
  url: string;
  secret: string;
  removed: boolean;
  event: {
    id: number;
    kind: string;
    workspaceId: string;
    postId: string | null;
    deliveryId: string | null;
    actor: string | null;
    data: Record<string, unknown>;
    createdAt: Date;
  };
}

/**
 * Takes the next attempt of a pending delivery whose time has come, counting it and leasing the row for
 * `leaseMs` (a duplicate job finds it taken; a worker that dies lets the lease run out). Times are the
 * database's, like the queue's. Returns the subscription and the event, or undefined.
 */
export async function claimWebhookDelivery(tx: Executor, cipher: TokenCipher, id: string, leaseMs: number): Promise<ClaimedWebhook | undefined> {
  const { rows } = await sql<{
    id: string;
    attempts: number;
    url: string;
    secret: string;
    removed_at: Date | null;
    subscription_id: string;
    event: Record<string, unknown>;
  }>`
    WITH claimed AS (
      UPDATE webhook_deliveries SET attempts = attempts + 1, next_attempt_at = now() + make_interval(secs => ${leaseMs / 1000}), updated_at = now()
      WHERE id = ${id} AND state = 'pending' AND next_attempt_at <= now()
      RETURNING id, attempts, subscription_id, event_id)
    SELECT c.id, c.attempts, c.subscription_id, s.url, s.secret, s.removed_at, to_jsonb(e) AS event
    FROM claimed c JOIN webhook_subscriptions s ON s.id = c.subscription_id JOIN events e ON e.id = c.event_id`.execute(tx);
  const row = rows[0];
  if (!row) return undefined;
  const e = row.event;
  return {
    id: row.id,
    attempts: row.attempts,
    url: row.url,
    secret: cipher.decrypt(row.secret, webhookSecretAad(row.subscription_id)),
    removed: row.removed_at !== null,
    event: {
      id: Number(e.id),
      kind: String(e.kind),
      workspaceId: String(e.workspace_id),
      postId: (e.post_id as string | null) ?? null,
      deliveryId: (e.delivery_id as string | null) ?? null,
      actor: (e.actor as string | null) ?? null,
      data: (e.data as Record<string, unknown>) ?? {},
      createdAt: new Date(String(e.created_at)),
    },
  };
}

export interface AttemptOutcome {
  attempt: number;
  status: number | null;
  error: string | null;
  durationMs: number;
  /** succeeded, failed (no more tries), or pending again at `retryAt`. */
  next: { state: 'succeeded' } | { state: 'failed' } | { state: 'pending'; retryAt: Date };
}

/** Logs the attempt and moves the delivery on, in the caller's transaction (with the retry's job). */
export async function recordWebhookAttempt(tx: Executor, id: string, o: AttemptOutcome): Promise<void> {
  await tx
    .insertInto('webhook_attempts')
    .values({ delivery_id: id, attempt: o.attempt, response_status: o.status, error: o.error, duration_ms: o.durationMs })
    .execute();
  await tx
    .updateTable('webhook_deliveries')
    .set({
      state: o.next.state,
      response_status: o.status,
      last_error: o.error,
      ...(o.next.state === 'pending' ? { next_attempt_at: o.next.retryAt } : {}),
      ...(o.next.state === 'succeeded' ? { delivered_at: sql<Date>`now()` } : {}),
      updated_at: sql<Date>`now()`,
    })
    .where('id', '=', id)
    .execute();
}
