import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTHOR, CHANNEL, MANAGER, MANAGER2, click, draft, startStack, thread, type Stack } from '../helpers/greenlight.ts';
import { slackSignature } from '../../emulators/slack.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

const commandBody = (text: string) =>
  new URLSearchParams({
    token: 'x',
    team_id: stack.slack.teamId,
    team_domain: 'test',
    channel_id: CHANNEL,
    channel_name: 'marketing',
    user_id: AUTHOR,
    user_name: 'ana',
    command: '/greenlight',
    text,
    api_app_id: stack.slack.appId,
    is_enterprise_install: 'false',
    response_url: `${stack.slack.origin}/nowhere`,
    trigger_id: `${Date.now()}.${Math.random()}`,
  }).toString();

/** What a click could change: the post's state and version, its decisions and deliveries, its events. */
async function snapshot(postId: string) {
  const db = stack.app.db;
  const post = await db.selectFrom('posts').select(['state', 'version', 'content_hash']).where('id', '=', postId).executeTakeFirstOrThrow();
  const decisions = await db.selectFrom('decisions').select(['actor_id', 'kind']).where('post_id', '=', postId).orderBy('created_at').execute();
  const deliveries = await db.selectFrom('deliveries').select(['id', 'state', 'due_at']).where('post_id', '=', postId).orderBy('id').execute();
  const events = await db.selectFrom('events').select('kind').where('post_id', '=', postId).orderBy('id').execute();
  return { ...post, decisions, deliveries, events: events.map((e) => e.kind) };
}

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
    const payload = JSON.stringify({
      type: 'block_actions',
      team: { id: stack.slack.teamId },
      user: { id: AUTHOR },
      api_app_id: stack.slack.appId,
      trigger_id: '1.2',
      container: { type: 'message', channel_id: CHANNEL, message_ts: '1.1' },
      channel: { id: CHANNEL },
      actions: [{ type: 'button', action_id: 'self_destruct', block_id: 'b', action_ts: '1.3', value: 'x' }],
    });
    const before = await postCount();
    const res = await stack.slack.sendRaw({ body: `payload=${encodeURIComponent(payload)}` });
    // Acknowledged by our own middleware: a request nobody acknowledges gets a 500 after 3 s instead.
    expect(res.status).toBe(200);
    expect(await postCount()).toBe(before);
  });

  it('a button value Greenlight did not write (forged, mangled) is refused to the clicker, as on Discord, and changes nothing', async () => {
    const before = await postCount();
    for (const [actionId, value] of [
      ['publish_now', "1' OR '1'='1"],
      ['edit', 'not-a-post'],
      ['approve', '00000000-0000-0000-0000-000000000000:../../x'],
      ['retry_delivery', ''],
    ] as const) {
      const payload = JSON.stringify({
        type: 'block_actions',
        team: { id: stack.slack.teamId },
        user: { id: AUTHOR },
        api_app_id: stack.slack.appId,
        trigger_id: stack.slack.issueTrigger(AUTHOR),
        container: { type: 'message', channel_id: CHANNEL, message_ts: '1.1' },
        channel: { id: CHANNEL },
        actions: [{ type: 'button', action_id: actionId, block_id: 'b', action_ts: `${Date.now() / 1000}`, value }],
      });
      const seen = stack.slack.ephemerals(AUTHOR).length;
      const res = await stack.slack.sendRaw({ body: `payload=${encodeURIComponent(payload)}` });
      expect(res.status).toBe(200);
      const told = await stack.slack.waitFor(
        () =>
          stack.slack
            .ephemerals(AUTHOR)
            .slice(seen)
            .find((e) => e.text.includes('not one Greenlight made')),
        { what: `the refusal of a forged ${actionId}` },
      );
      expect(told.text).toBe('⚠️ That button is not one Greenlight made: use the buttons on the card.');
    }
    expect(await postCount()).toBe(before);
  });

  it('a replayed (redelivered) approval acts once', async () => {
    await draft(stack, { text: 'Replay me', accounts: [stack.accounts.mastodon], when: 'in 4h' });
    const index = await stack.slack.waitFor(
      () => {
        const i = stack.slack.channelMessages('C0APPROVALS').findIndex((m) => (JSON.stringify(m.blocks) ?? '').includes('Replay me'));
        return i >= 0 ? i : undefined;
      },
      { what: 'card' },
    );
    const first = await click(stack, MANAGER, 'approve', index);
    await stack.slack.redeliver(first.deliveryId, { retryNum: 1, retryReason: 'http_timeout' });
    await stack.slack.waitFor(() => thread(stack, index).find((t) => t.startsWith('Scheduled for')), { what: 'scheduled' });
    const decisions = await stack.app.db.selectFrom('decisions').select('id').where('kind', '=', 'approve').execute();
    expect(decisions).toHaveLength(1);
    expect(thread(stack, index).filter((t) => t.startsWith('Approved by'))).toHaveLength(1);
    // The duplicate is dropped silently: no "already approved" message to a person who clicked once.
    expect(stack.slack.ephemerals(MANAGER).filter((e) => e.text.includes('already approved'))).toHaveLength(0);
  });

  it('an Approve click on a post that is already scheduled is answered with what happened and changes nothing', async () => {
    await draft(stack, { text: 'Stale approve', accounts: [stack.accounts.mastodon], when: 'in 4h' });
    const index = await stack.slack.waitFor(
      () => {
        const i = stack.slack.channelMessages('C0APPROVALS').findIndex((m) => (JSON.stringify(m.blocks) ?? '').includes('Stale approve'));
        return i >= 0 ? i : undefined;
      },
      { what: 'card' },
    );
    const first = await click(stack, MANAGER, 'approve', index);
    await stack.slack.waitFor(() => thread(stack, index).find((t) => t.startsWith('Scheduled for')), { what: 'scheduled' });
    const post = await stack.app.db.selectFrom('posts').selectAll().where('text', '=', 'Stale approve').executeTakeFirstOrThrow();
    const before = await snapshot(post.id);
    expect(before.state).toBe('scheduled');

    // The card no longer has Approve, but a client that had not refreshed still shows it: the same
    // click as the first, by another approver, a moment later (Slack gives each click its own action_ts).
    const payload = structuredClone(stack.slack.deliveries.find((d) => d.id === first.deliveryId)!.payload!) as Record<string, any>;
    payload.user = { id: MANAGER2, username: 'omar', name: 'omar', team_id: stack.slack.teamId };
    payload.trigger_id = stack.slack.issueTrigger(MANAGER2);
    payload.actions[0].action_ts = `${Math.floor(Date.now() / 1000)}.000777`;
    const res = await stack.slack.sendRaw({ body: `payload=${encodeURIComponent(JSON.stringify(payload))}` });
    expect(res.status).toBe(200);
    const told = await stack.slack.waitFor(() => stack.slack.ephemerals(MANAGER2).find((e) => e.text.includes('already approved')), { what: 'the answer' });
    expect(told.text).toBe('⚠️ This post was already approved: the card shows its current state.');
    expect(await snapshot(post.id)).toEqual(before);
    expect(thread(stack, index).filter((t) => t.startsWith('Approved by'))).toHaveLength(1);
  });
});
