import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTHOR, CHANNEL, MANAGER, card, click, draft, startStack, thread, type Stack } from '../helpers/greenlight.ts';
import { slackSignature } from '../emulators/slack.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

const commandBody = (text: string) =>
  new URLSearchParams({ token: 'x', team_id: stack.slack.teamId, team_domain: 'test', channel_id: CHANNEL, channel_name: 'marketing', user_id: AUTHOR, user_name: 'ana', command: '/greenlight', text, api_app_id: stack.slack.appId, is_enterprise_install: 'false', response_url: `${stack.slack.origin}/nowhere`, trigger_id: `${Date.now()}.${Math.random()}` }).toString();

async function postCount(): Promise<number> {
  return (await stack.app.db.selectFrom('posts').select('id').execute()).length;
}

describe('Slack requests that must change nothing', () => {
  it('a wrong signature gets 401', async () => {
    const res = await stack.slack.sendRaw({ body: commandBody('pause'), signature: 'v0=' + '0'.repeat(64) });
    expect(res.status).toBe(401);
  });

  it('a timestamp older than five minutes gets 401, even correctly signed', async () => {
    const old = Math.floor(Date.now() / 1000) - 6 * 60;
    const body = commandBody('pause');
    const res = await stack.slack.sendRaw({ body, timestamp: old, signature: slackSignature(stack.slack.signingSecret, old, body) });
    expect(res.status).toBe(401);
  });

  it('a body over the size limit is refused before any work', async () => {
    const res = await stack.slack.sendRaw({ body: commandBody('x'.repeat(300 * 1024)) });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });

  it('a malformed interaction payload is refused with a 4xx and nothing changes', async () => {
    const before = await postCount();
    const res = await stack.slack.sendRaw({ body: 'payload=%7Bnot-json' });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(await postCount()).toBe(before);
  });

  it('an unknown action id is acknowledged at once and changes nothing', async () => {
    const payload = JSON.stringify({ type: 'block_actions', team: { id: stack.slack.teamId }, user: { id: AUTHOR }, api_app_id: stack.slack.appId, trigger_id: '1.2', container: { type: 'message', channel_id: CHANNEL, message_ts: '1.1' }, channel: { id: CHANNEL }, actions: [{ type: 'button', action_id: 'self_destruct', block_id: 'b', action_ts: '1.3', value: 'x' }] });
    const before = await postCount();
    const res = await stack.slack.sendRaw({ body: `payload=${encodeURIComponent(payload)}` });
    // Acknowledged by our own middleware: a request nobody acknowledges gets a 500 after 3 s instead.
    expect(res.status).toBe(200);
    expect(await postCount()).toBe(before);
  });

  it('a replayed (redelivered) approval acts once', async () => {
    await draft(stack, { text: 'Replay me', accounts: [stack.accounts.mastodon], when: 'in 4h' });
    const index = await stack.slack.waitFor(() => {
      const i = stack.slack.channelMessages('C0APPROVALS').findIndex((m) => (JSON.stringify(m.blocks) ?? '').includes('Replay me'));
      return i >= 0 ? i : undefined;
    }, { what: 'card' });
    const first = await click(stack, MANAGER, 'approve', index);
    await stack.slack.redeliver(first.deliveryId, { retryNum: 1, retryReason: 'http_timeout' });
    await stack.slack.waitFor(() => thread(stack, index).find((t) => t.startsWith('Scheduled for')), { what: 'scheduled' });
    const decisions = await stack.app.db.selectFrom('decisions').select('id').where('kind', '=', 'approve').execute();
    expect(decisions).toHaveLength(1);
    expect(thread(stack, index).filter((t) => t.startsWith('Approved by'))).toHaveLength(1);
    // The duplicate is dropped silently: no "already approved" message to a person who clicked once.
    expect(stack.slack.ephemerals(MANAGER).filter((e) => e.text.includes('already approved'))).toHaveLength(0);
  });

  it('a button on a post that has since changed state is answered with what happened', async () => {
    const index = stack.slack.channelMessages('C0APPROVALS').findIndex((m) => (JSON.stringify(m.blocks) ?? '').includes('Replay me'));
    const stale = card(stack, index)!;
    // The card now shows Scheduled; an old Approve click (from a client that had not refreshed) is refused.
    await stack.slack.clickButton({ userId: MANAGER, actionId: 'cancel', channelId: 'C0APPROVALS', messageTs: stale.ts });
    const told = await stack.slack.waitFor(() => stack.slack.ephemerals(MANAGER).find((e) => e.text.includes('Only the author')), { what: 'refusal' });
    expect(told.text).toContain('Only the author');
  });
});
