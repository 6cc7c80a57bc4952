import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.ts';
import { ADMIN, CHANNEL, MANAGER, click, draft, startStack, type Stack } from '../helpers/greenlight.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../../emulators/webhook-receiver.ts';

type Line = Record<string, unknown> & { msg?: string };
const lines: Line[] = [];
const sink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    for (const text of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(text) as Line);
    done();
  },
});

let stack: Stack;
let receiver: WebhookReceiver;
beforeAll(async () => {
  [stack, receiver] = await Promise.all([startStack({ log: createLogger({ level: 'debug' }, sink) }), startWebhookReceiver('/down')]);
  receiver.fallback = { status: 500, body: 'down' };
});
afterAll(async () => {
  await Promise.all([stack?.stop(), receiver?.stop()]);
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

async function greenlight(text: string, fragment: string): Promise<void> {
  const before = stack.slack.ephemerals(ADMIN).length;
  await stack.slack.slashCommand({ command: '/greenlight', text, userId: ADMIN, channelId: CHANNEL });
  await stack.slack.waitFor(
    () =>
      stack.slack
        .ephemerals(ADMIN)
        .slice(before)
        .find((e) => e.text.includes(fragment)),
    { what: `the answer to /greenlight ${text}` },
  );
}

describe('log lines carry the request or job they belong to', () => {
  it('a line logged deep in a Slack command carries its request id; a job line its queue, job and delivery ids', async () => {
    // The workflow (src/workflow/webhook-admin.ts) logs this, three calls below the Bolt listener.
    await greenlight(`webhooks add ${receiver.url}`, 'Signing secret');
    await greenlight(`webhooks add ${receiver.url}/second`, 'Signing secret');
    const added = lines.filter((l) => l.msg === 'webhook subscription added');
    expect(added).toHaveLength(2);
    expect(added[0]!.requestId).toMatch(UUID);
    expect(added[1]!.requestId).toMatch(UUID);
    expect(added[0]!.requestId).not.toBe(added[1]!.requestId);
    expect(added[0]).not.toHaveProperty('jobId');

    await draft(stack, { text: 'Logs say whose they are.', accounts: [stack.accounts.mastodon] });
    await stack.slack.waitFor(() => stack.slack.channelMessages('C0APPROVALS')[0], { what: 'the card' });
    await click(stack, MANAGER, 'approve');
    const failed = await stack.slack.waitFor(() => lines.find((l) => l.msg === 'webhook attempt failed'), { what: 'a failed webhook attempt logged' });
    const deliveryIds = (await stack.app.db.selectFrom('webhook_deliveries').select('id').execute()).map((d) => d.id);
    expect(failed).toMatchObject({ queue: 'webhooks', jobId: expect.stringMatching(UUID) });
    expect(deliveryIds).toContain(failed.webhookDeliveryId);
    // The job was queued while a Slack request was handled, but it is not that request.
    expect(failed).not.toHaveProperty('requestId');
  });
});
