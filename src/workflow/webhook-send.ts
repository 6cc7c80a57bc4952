import { SIGNATURE_HEADER, signatureHeader } from '../crypto/webhook-signature.ts';
import { claimWebhookDelivery, recordWebhookAttempt, type AttemptOutcome, type ClaimedWebhook } from '../db/webhook-deliveries.ts';
import { inTransaction } from '../db/transaction.ts';
import { nextAttemptAt } from '../domain/backoff.ts';
import { NetworkError } from '../networks/adapter.ts';
import { send } from '../networks/http.ts';
import type { WorkflowDeps } from './deps.ts';
import { DEFAULT_WEBHOOK_SETTINGS, type WebhookSettings } from './webhook-settings.ts';

export { DEFAULT_WEBHOOK_SETTINGS, type WebhookSettings };

export const webhookSettings = (deps: WorkflowDeps): WebhookSettings => deps.webhooks ?? DEFAULT_WEBHOOK_SETTINGS;

/** The JSON body of an outgoing webhook (docs/webhooks.md): the audit event as it was recorded. */
export function eventBody(event: ClaimedWebhook['event']): string {
  return JSON.stringify({
    id: String(event.id),
    type: event.kind,
    created_at: event.createdAt.toISOString(),
    workspace_id: event.workspaceId,
    post_id: event.postId,
    delivery_id: event.deliveryId,
    actor: event.actor,
    data: event.data,
  });
}

/**
 * The webhooks job: one attempt of one delivery. A 2xx answer is success; any other answer, a timeout
 * or a refused connection is logged and tried again later with backoff, until the attempts run out.
 */
export async function handleWebhookJob(deps: WorkflowDeps, deliveryId: string, signal: AbortSignal): Promise<void> {
  const settings = webhookSettings(deps);
  const claimed = await claimWebhookDelivery(deps.db, deps.cipher, deliveryId, settings.timeoutMs + 30_000);
  if (!claimed) return;
  const started = Date.now();
  const result = claimed.removed ? { status: null, error: 'the subscription was removed' } : await post(deps, claimed, settings, signal);
  const outcome: AttemptOutcome = {
    attempt: claimed.attempts,
    status: result.status,
    error: result.error,
    durationMs: Date.now() - started,
    next: next(deps, claimed, result, settings),
  };
  await inTransaction(deps.db, async (tx) => {
    await recordWebhookAttempt(tx, claimed.id, outcome);
    if (outcome.next.state === 'pending') await deps.queue.sendWebhook(tx, { deliveryId: claimed.id }, outcome.next.retryAt);
  });
  const log = {
    webhookDeliveryId: claimed.id,
    eventId: claimed.event.id,
    kind: claimed.event.kind,
    attempt: claimed.attempts,
    status: result.status,
    state: outcome.next.state,
  };
  if (outcome.next.state === 'succeeded') deps.log.debug(log, 'webhook delivered');
  else deps.log.warn({ ...log, error: result.error }, 'webhook attempt failed');
}

/** `refused`: the outbound guard refused the address; no later attempt can succeed until the URL changes. */
type Result = { status: number | null; error: string | null; refused?: boolean };

async function post(deps: WorkflowDeps, claimed: ClaimedWebhook, settings: WebhookSettings, signal: AbortSignal): Promise<Result> {
  const body = eventBody(claimed.event);
  try {
    const res = await send(
      // The URL is the team's own: checked by the outbound guard on every attempt (DNS can change).
      { network: 'webhook', timeoutMs: settings.timeoutMs, guard: true },
      {
        method: 'POST',
        url: claimed.url,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Greenlight-Webhooks/1',
          'greenlight-event': claimed.event.kind,
          'greenlight-delivery': claimed.id,
          [SIGNATURE_HEADER]: signatureHeader(claimed.secret, body, deps.now()),
        },
        body,
        signal: AbortSignal.any([signal, AbortSignal.timeout(settings.timeoutMs)]),
        what: 'webhook',
        secrets: [claimed.secret],
        maxBytes: 64 * 1024,
        tolerateBody: true,
      },
    );
    return { status: res.status, error: res.status >= 200 && res.status < 300 ? null : `HTTP ${res.status}` };
  } catch (error) {
    if (error instanceof NetworkError) return { status: null, error: error.message, refused: error.networkCode === 'outbound_refused' };
    return { status: null, error: 'the request failed' };
  }
}

function next(deps: WorkflowDeps, claimed: ClaimedWebhook, result: Result, settings: WebhookSettings): AttemptOutcome['next'] {
  if (result.status !== null && result.status >= 200 && result.status < 300) return { state: 'succeeded' };
  if (claimed.removed || result.refused || claimed.attempts >= settings.attempts) return { state: 'failed' };
  return { state: 'pending', retryAt: nextAttemptAt(deps.now(), claimed.attempts, settings, Math.random()) };
}
