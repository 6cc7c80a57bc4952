import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OTHER_TEAM_TEXT } from '../../src/chat/slack/request-guards.ts';
import { ADMIN, CHANNEL, startStack, type Stack } from '../helpers/greenlight.ts';
import { slackSignature } from '../../emulators/slack.ts';

/** Issue 12's Slack findings: requests stamped in the future, and single-workspace mode bound to its own team. */
let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

const commandBody = (teamId: string, userId: string, text: string) =>
  new URLSearchParams({
    token: 'x',
    team_id: teamId,
    team_domain: 'elsewhere',
    channel_id: CHANNEL,
    channel_name: 'marketing',
    user_id: userId,
    user_name: 'eve',
    command: '/greenlight',
    text,
    api_app_id: stack.slack.appId,
    is_enterprise_install: 'false',
    response_url: `${stack.slack.origin}/nowhere`,
    trigger_id: `${Date.now()}.${Math.random()}`,
  }).toString();

const slackWorkspaces = () => stack.app.db.selectFrom('workspaces').select('external_id').where('chat', '=', 'slack').execute();

describe('Slack requests', () => {
  it('a correctly signed request stamped more than five minutes ahead gets 401 and changes nothing', async () => {
    const before = await stack.app.db.selectFrom('workspaces').select(['paused_at']).execute();
    for (const ahead of [6 * 60, 60 * 60]) {
      const stamp = Math.floor(Date.now() / 1000) + ahead;
      const body = commandBody(stack.slack.teamId, ADMIN, 'pause');
      const res = await stack.slack.sendRaw({ body, timestamp: stamp, signature: slackSignature(stack.slack.signingSecret, stamp, body) });
      expect(res.status, `${ahead}s ahead`).toBe(401);
    }
    expect(await stack.app.db.selectFrom('workspaces').select(['paused_at']).execute()).toEqual(before);
    // A little ahead (clock skew) is still fine.
    const stamp = Math.floor(Date.now() / 1000) + 60;
    const body = commandBody(stack.slack.teamId, ADMIN, 'help');
    expect((await stack.slack.sendRaw({ body, timestamp: stamp, signature: slackSignature(stack.slack.signingSecret, stamp, body) })).status).toBe(200);
  });

  it('single-workspace mode refuses a signed request from another team, with a clear ephemeral answer, and stores nothing for it', async () => {
    const before = await slackWorkspaces();
    const res = await stack.slack.sendRaw({ body: commandBody('T0ELSEWHERE', 'U0STRANGER', 'connect mastodon') });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ response_type: 'ephemeral', text: OTHER_TEAM_TEXT });
    expect(JSON.stringify(res.body)).not.toContain('/connect/');
    const action = JSON.stringify({
      type: 'block_actions',
      team: { id: 'T0ELSEWHERE' },
      user: { id: 'U0STRANGER', team_id: 'T0ELSEWHERE' },
      api_app_id: stack.slack.appId,
      trigger_id: '1.2',
      container: { type: 'message', channel_id: CHANNEL, message_ts: '1.1' },
      channel: { id: CHANNEL },
      actions: [{ type: 'button', action_id: 'approve', block_id: 'b', action_ts: '1.3', value: 'x:y' }],
    });
    expect((await stack.slack.sendRaw({ body: `payload=${encodeURIComponent(action)}` })).status).toBe(200);
    expect(await slackWorkspaces()).toEqual(before);
    expect(before.map((w) => w.external_id)).toEqual([stack.slack.teamId]);
  });
});
