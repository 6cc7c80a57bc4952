import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySignature } from '../../src/crypto/webhook-signature.ts';
import { ADMIN, AUTHOR, CHANNEL, MANAGER, click, draft, startStack, type Stack } from '../helpers/greenlight.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../../emulators/webhook-receiver.ts';

let stack: Stack;
let crm: WebhookReceiver;
let broken: WebhookReceiver;
beforeAll(async () => {
  [stack, crm, broken] = await Promise.all([startStack(), startWebhookReceiver('/crm/events'), startWebhookReceiver('/down')]);
  broken.fallback = { status: 500, body: 'down for maintenance' };
});
afterAll(async () => {
  await Promise.all([stack?.stop(), crm?.stop(), broken?.stop()]);
});

/** `/greenlight <text>` in Slack as `user`; the ephemeral answer that mentions `fragment`. */
async function greenlight(user: string, text: string, fragment: string): Promise<string> {
  const before = stack.slack.ephemerals(user).length;
  await stack.slack.slashCommand({ command: '/greenlight', text, userId: user, channelId: CHANNEL });
  const answer = await stack.slack.waitFor(
    () =>
      stack.slack
        .ephemerals(user)
        .slice(before)
        .find((e) => e.text.includes(fragment)),
    { what: `the answer to /greenlight ${text}`, timeoutMs: 5_000 },
  );
  return answer.text;
}

const deliveries = () =>
  stack.app.db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('events as e', 'e.id', 'd.event_id')
    .innerJoin('webhook_subscriptions as s', 's.id', 'd.subscription_id')
    .select(['d.id', 'd.state', 'd.attempts', 'd.response_status', 'e.kind', 's.url'])
    .orderBy('e.id')
    .execute();

const attemptsOf = (deliveryId: string) =>
  stack.app.db
    .selectFrom('webhook_attempts')
    .select(['attempt', 'response_status', 'error'])
    .where('delivery_id', '=', deliveryId)
    .orderBy('attempt')
    .execute();

describe('outgoing webhooks', () => {
  it('are for admins only', async () => {
    expect(await greenlight(AUTHOR, `webhooks add ${crm.url}`, 'Only workspace admins')).toContain('Only workspace admins');
    expect(await greenlight(ADMIN, 'webhooks add ftp://example.com/x', 'https://')).toContain('must start with https://');
  });

  it('sends the subscribed events, signed, retries a 500 with backoff, and keeps a delivery log', async () => {
    const added = await greenlight(ADMIN, `webhooks add <${crm.url}> delivery_*,approved`, 'Signing secret');
    const secret = /(whsec_[A-Za-z0-9_-]+)/.exec(added)![1]!;
    expect(added).toContain('`delivery_*`, `approved`');
    await greenlight(ADMIN, `webhooks add ${broken.url} approved`, 'Signing secret');
    crm.script({ status: 500, body: 'try later' });

    await draft(stack, { text: 'Webhooks are live.', accounts: [stack.accounts.mastodon] });
    await stack.slack.waitFor(() => stack.slack.channelMessages('C0APPROVALS')[0], { what: 'the card' });
    await click(stack, MANAGER, 'approve');

    // submitted and scheduled are not subscribed: only approved and delivery_published reach the CRM.
    await crm.waitFor(() => crm.accepted.length >= 2 && true, 'two accepted events');
    const bodies = crm.accepted.map((r) => JSON.parse(r.body) as Record<string, unknown>);
    expect(bodies.map((b) => b.type).sort()).toEqual(['approved', 'delivery_published']);
    for (const r of crm.requests) {
      expect(verifySignature(secret, r.body, String(r.headers['greenlight-signature']), new Date())).toBe(true);
      expect(r.headers['greenlight-event']).toBe(JSON.parse(r.body).type);
    }
    const published = bodies.find((b) => b.type === 'delivery_published')!;
    expect(published).toMatchObject({ workspace_id: stack.workspaceId, data: { network: 'mastodon' } });
    expect(typeof published.post_id).toBe('string');

    // The receiver answers before the sender logs the answer: read the log once both are written.
    const toCrm = await stack.slack.waitFor(
      async () => {
        const rows = (await deliveries()).filter((d) => d.url === crm.url);
        return rows.length === 2 && rows.every((d) => d.state === 'succeeded') && rows;
      },
      { what: 'both CRM deliveries logged', timeoutMs: 5_000 },
    );
    expect(toCrm.map((d) => [d.kind, d.state, d.response_status])).toEqual([
      ['approved', 'succeeded', 200],
      ['delivery_published', 'succeeded', 200],
    ]);
    expect(toCrm.map((d) => d.attempts).sort()).toEqual([1, 2]);
    const retried = toCrm.find((d) => d.attempts === 2)!;
    expect((await attemptsOf(retried.id)).map((a) => [a.attempt, a.response_status, a.error])).toEqual([
      [1, 500, 'HTTP 500'],
      [2, 200, null],
    ]);
    expect(crm.requests.map((r) => r.headers['greenlight-delivery'])).toContain(retried.id);
  });

  it('gives up after the last attempt, and says so in the list', async () => {
    const failed = await stack.slack.waitFor(async () => (await deliveries()).find((d) => d.url === broken.url && d.state === 'failed'), {
      what: 'the broken endpoint to fail',
      timeoutMs: 20_000,
      intervalMs: 100,
    });
    expect(failed).toMatchObject({ kind: 'approved', attempts: 8, response_status: 500 });
    expect(await attemptsOf(failed.id)).toHaveLength(8);
    expect(broken.requests).toHaveLength(8);

    const list = await greenlight(ADMIN, 'webhooks list', broken.url);
    expect(list).toContain(`${crm.url}: \`delivery_*\`, \`approved\`; last: succeeded (HTTP 200)`);
    expect(list).toContain(`${broken.url}: \`approved\`; last: failed (HTTP 500)`);
    expect(list).toContain('1 failed in the last day');
  });

  it('stores the secret encrypted, and stops sending once removed', async () => {
    const rows = await stack.app.db.selectFrom('webhook_subscriptions').selectAll().execute();
    for (const row of rows) expect(row.secret).toMatch(/^v1\./);
    const id = rows.find((r) => r.url === crm.url)!.id;
    expect(await greenlight(ADMIN, 'webhooks remove zzzz', 'Which one')).toContain('webhooks remove <id>');
    expect(await greenlight(ADMIN, `webhooks remove ${id.slice(0, 8)}`, 'removed')).toContain(`\`${id.slice(0, 8)}\` removed`);
    await greenlight(ADMIN, `webhooks remove ${rows.find((r) => r.url === broken.url)!.id}`, 'removed');
    expect(await greenlight(ADMIN, 'webhooks list', 'No webhooks')).toContain('No webhooks yet');

    const before = (await deliveries()).length;
    await draft(stack, { text: 'Nobody listens now.', accounts: [stack.accounts.mastodon] });
    await stack.slack.waitFor(() => stack.slack.channelMessages('C0APPROVALS')[1], { what: 'the second card' });
    expect((await deliveries()).length).toBe(before);
  });
});
