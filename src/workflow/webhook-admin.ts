import { newWebhookSecret } from '../crypto/webhook-signature.ts';
import { insertSubscription, listSubscriptions, removeSubscription, type SubscriptionSummary } from '../db/webhooks.ts';
import { parseWebhookUrl } from '../domain/webhook-url.ts';
import { asAdmin } from './workspace-admin.ts';
import { addressProblem } from './outbound-checks.ts';
import type { Actor } from './actor.ts';
import type { WorkflowDeps } from './deps.ts';
import { ok, refused, type Outcome } from './outcome.ts';
import { webhookSettings } from './webhook-send.ts';

export const WEBHOOKS_HELP =
  '`/greenlight webhooks add <url> [events]` (events: kinds or prefixes with `*`, comma separated, e.g. `delivery_*,approved`; none: every event) · `webhooks list` · `webhooks remove <id>`. Payloads and signatures: docs/webhooks.md.';

const PATTERN = /^[a-z][a-z_]*\*?$|^\*$/;
const MAX_SUBSCRIPTIONS = 20;

/** `/greenlight webhooks …` in either chat: admins only; the chat edge passes the words and shows the answer. */
export function webhooksCommand(deps: WorkflowDeps, actor: Actor, words: string[]): Promise<Outcome> {
  const [sub = 'list', ...rest] = words;
  switch (sub.toLowerCase()) {
    case 'add':
      return asAdmin(deps, actor, () => addWebhook(deps, actor, rest));
    case 'list':
      return asAdmin(deps, actor, () => listWebhooks(deps, actor));
    case 'remove':
      return asAdmin(deps, actor, () => removeWebhook(deps, actor, rest[0]));
    default:
      return Promise.resolve(refused(`I don't know \`webhooks ${sub.slice(0, 20)}\`. ${WEBHOOKS_HELP}`));
  }
}

/** Subscribes the URL; the answer carries the signing secret, shown this once. */
async function addWebhook(deps: WorkflowDeps, actor: Actor, args: string[]): Promise<Outcome> {
  const parsed = parseWebhookUrl(args[0] ?? '', { allowPlainHttp: webhookSettings(deps).allowPlainHttp });
  if (!parsed.ok) return refused(`${parsed.message} ${WEBHOOKS_HELP}`);
  const problem = await addressProblem(parsed.url);
  if (problem)
    return refused(
      `The URL ${problem}: Greenlight only sends webhooks to public addresses (an operator can allow a private range with OUTBOUND_ALLOW_PRIVATE).`,
    );
  const events = args
    .slice(1)
    .join(',')
    .split(',')
    .map((e) => e.trim().toLowerCase())
    .filter(Boolean);
  const bad = events.find((e) => !PATTERN.test(e));
  if (bad) return refused(`"${bad.slice(0, 40)}" is not an event kind (letters and _, optionally ending in *). ${WEBHOOKS_HELP}`);
  if ((await listSubscriptions(deps.db, actor.workspaceId)).length >= MAX_SUBSCRIPTIONS)
    return refused(`A workspace can have ${MAX_SUBSCRIPTIONS} webhooks; remove one first.`);
  const secret = newWebhookSecret();
  const added = await insertSubscription(deps.db, deps.cipher, {
    workspaceId: actor.workspaceId,
    url: parsed.url,
    events: events.includes('*') ? [] : events,
    createdBy: actor.userId,
    secret,
  });
  deps.log.info({ workspaceId: actor.workspaceId, subscriptionId: added.id, userId: actor.userId }, 'webhook subscription added');
  return ok(
    `Webhook \`${shortId(added.id)}\` added: ${added.url} gets ${describeEvents(added.events)}.\n` +
      `Signing secret (shown only now, keep it in your receiver): \`${secret}\`\n` +
      'Each request is signed: `Greenlight-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "t.body">`; see docs/webhooks.md.',
  );
}

async function listWebhooks(deps: WorkflowDeps, actor: Actor): Promise<Outcome> {
  const subs = await listSubscriptions(deps.db, actor.workspaceId);
  if (subs.length === 0) return ok(`No webhooks yet. ${WEBHOOKS_HELP}`);
  return ok(subs.map(line).join('\n'));
}

async function removeWebhook(deps: WorkflowDeps, actor: Actor, id: string | undefined): Promise<Outcome> {
  if (!id || !/^[0-9a-f-]{4,36}$/i.test(id)) return refused('Which one? `/greenlight webhooks remove <id>` with an id from `webhooks list`.');
  const matched = await removeSubscription(deps.db, actor.workspaceId, id);
  if (matched.length === 0) return refused(`No webhook \`${id}\` in this workspace.`);
  if (matched.length > 1) return refused(`\`${id}\` matches ${matched.length} webhooks; give more of the id.`);
  deps.log.info({ workspaceId: actor.workspaceId, subscriptionId: matched[0], userId: actor.userId }, 'webhook subscription removed');
  return ok(`Webhook \`${shortId(matched[0]!)}\` removed: nothing more is sent to it.`);
}

function line(s: SubscriptionSummary): string {
  const last = s.lastState
    ? `last: ${s.lastState}${s.lastStatus !== null ? ` (HTTP ${s.lastStatus})` : ''}${s.lastAt ? ` at ${s.lastAt.toISOString().slice(0, 16).replace('T', ' ')} UTC` : ''}`
    : 'nothing sent yet';
  const failed = s.failedLastDay > 0 ? `, ${s.failedLastDay} failed in the last day` : '';
  return `• \`${shortId(s.id)}\` ${s.url}: ${describeEvents(s.events)}; ${last}${failed}`;
}

const shortId = (id: string) => id.slice(0, 8);
const describeEvents = (events: string[]) => (events.length === 0 ? 'every event' : events.map((e) => `\`${e}\``).join(', '));
