import { describe, expect, it } from 'vitest';
import type { Stack } from '../helpers/greenlight.ts';
import { discordSuite } from '../helpers/discord-suite.ts';
import { D_MANAGER, D_OUTSIDER, dCard, dClick, dDraft, discordOf, waitThread, waitTold } from '../helpers/discord-stack.ts';

let stack: Stack;
const { emu } = discordSuite({ discord: 'gateway' }, (s) => {
  stack = s;
});

describe('Discord over the gateway (no public URL)', () => {
  it('logs in with only the Guilds intent and mounts no interactions endpoint', async () => {
    expect(emu().gatewayLog.identifies).toEqual([expect.objectContaining({ intents: 1, shard: [0, 1] })]);
    expect((await fetch(`${stack.app.url}/discord/interactions`, { method: 'POST', body: '{}' })).status).toBe(404);
  });

  it('answers every interaction through the callback route, without the bot token', async () => {
    await dDraft(stack, { text: 'Over the gateway', accounts: [discordOf(stack).accounts.mastodon] });
    await emu().waitFor(() => dCard(stack), { what: 'the card' });
    await dClick(stack, D_OUTSIDER, 'approve');
    await waitTold(stack, D_OUTSIDER, 'Only approvers');
    await dClick(stack, D_MANAGER, 'approve');
    await waitThread(stack, 'Published to Mastodon');
    expect(stack.mastodon.posts.map((p) => p.text)).toEqual(['Over the gateway']);

    const gatewayDeliveries = emu().deliveries.filter((d) => d.transport === 'gateway');
    expect(gatewayDeliveries.length).toBeGreaterThanOrEqual(5);
    expect(gatewayDeliveries.every((d) => d.result?.failure === undefined)).toBe(true);
    const callbacks = emu().callsTo('POST /interactions/{interaction_id}/{interaction_token}/callback');
    expect(callbacks).toHaveLength(gatewayDeliveries.length);
    expect(callbacks.every((c) => c.auth === 'none' && c.status === 204)).toBe(true);
    expect(
      emu()
        .callsTo('PATCH /webhooks/{webhook_id}/{webhook_token}/messages/@original')
        .every((c) => c.auth === 'none'),
    ).toBe(true);
    const metrics = await (await fetch(`${stack.app.url}/metrics`)).text();
    expect(metrics).toMatch(/greenlight_interaction_ack_seconds_count\{chat="discord",kind="gateway"\} [1-9]/);
  });
});
