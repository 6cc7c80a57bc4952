import { describe, expect, it } from 'vitest';
import type { Stack } from '../helpers/greenlight.ts';
import { discordSuite } from '../helpers/discord-suite.ts';
import { COMMUNITY, D_AUTHOR, D_MANAGER, MOD_QUEUE, dCard, dClick, dDraft, dTold, discordOf, waitThread, waitTold } from '../helpers/discord-stack.ts';

let stack: Stack;
const { emu } = discordSuite({ discord: 'http' }, (s) => {
  stack = s;
});
const endpoint = () => `${stack.app.url}/discord/interactions`;

async function changes(): Promise<number[]> {
  const count = async (table: 'posts' | 'decisions' | 'compose_drafts' | 'inbound_requests') =>
    Number(
      (
        await stack.app.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  return Promise.all([count('posts'), count('decisions'), count('compose_drafts'), count('inbound_requests')]);
}

/** A message from the bot carrying a button with any custom id, to click as an old or forged card would. */
async function messageWithButton(customId: string): Promise<string> {
  const res = await fetch(`${emu().apiBase}/v10/channels/${MOD_QUEUE}/messages`, {
    method: 'POST',
    headers: { authorization: `Bot ${emu().botToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ content: 'buttons', components: [{ type: 1, components: [{ type: 2, style: 2, label: 'Press', custom_id: customId }] }] }),
  });
  return ((await res.json()) as { id: string }).id;
}

describe('Discord requests that must change nothing', () => {
  it('passes the portal check: PING answered, a bad signature refused with 401', async () => {
    expect(await emu().verifyEndpoint()).toEqual([]);
  });

  it('answers 401 to every bad signature, and nothing is touched', async () => {
    const before = await changes();
    const args = { name: 'greenlight', options: [{ name: 'pause', type: 1 }], userId: D_AUTHOR, channelId: COMMUNITY };
    for (const tamper of [
      { signature: 'flip' },
      { signature: 'wrongKey' },
      { signature: 'missing' },
      { signature: 'zz' },
      { timestamp: Math.floor(Date.now() / 1000) - 600 },
      { timestamp: null },
      { bodyAfterSigning: JSON.stringify({ type: 2, id: '1', application_id: '1', token: 't', data: { name: 'greenlight' } }) },
    ]) {
      const res = await emu().command({ ...args, tamper });
      expect(res.status, JSON.stringify(tamper)).toBe(401);
    }
    expect(await changes()).toEqual(before);
  });

  it('refuses malformed JSON and bodies that are not interactions with 400', async () => {
    const before = await changes();
    for (const rawBody of ['{"type": 2, oops', '[1, 2, 3]', '{"type": 3, "id": "x"}']) {
      const res = await emu().command({ name: 'post', userId: D_AUTHOR, channelId: COMMUNITY, tamper: { rawBody } });
      expect(res.status, rawBody).toBe(400);
    }
    expect(await changes()).toEqual(before);
  });

  it('refuses an oversized body and other methods before any work', async () => {
    const big = await fetch(endpoint(), { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'x'.repeat(300 * 1024) });
    expect(big.status).toBe(413);
    expect((await fetch(endpoint())).status).toBe(405);
  });

  it('answers an unknown or forged custom id with a clear ephemeral message', async () => {
    const before = await changes();
    for (const customId of ['self_destruct:00000000-0000-0000-0000-000000000000', 'approve:not-a-post', 'cancel']) {
      const messageId = await messageWithButton(customId);
      const res = await emu().clickButton({ customId, userId: D_MANAGER, channelId: MOD_QUEUE, messageId });
      expect(res.response, customId).toMatchObject({
        type: 4,
        data: { flags: 64, content: expect.stringContaining('not one this version of Greenlight knows') },
      });
    }
    const form = await emu().submitModal({ customId: 'launch_codes', values: { value: '1234' }, userId: D_MANAGER, channelId: COMMUNITY, unsolicited: true });
    expect(form.response).toMatchObject({ type: 4, data: { content: expect.stringContaining('Nothing was changed') } });
    expect(await changes()).toEqual(before);
  });

  it("refuses form values over the form's limits (a forged submission) and saves nothing", async () => {
    const before = await changes();
    const res = await emu().submitModal({
      customId: 'compose',
      values: { text: 'x'.repeat(4001), when: 'now', zone: 'UTC' },
      userId: D_AUTHOR,
      channelId: COMMUNITY,
      unsolicited: true,
    });
    expect(res.response).toMatchObject({
      type: 4,
      data: { flags: 64, content: '⚠️ The text is 4001 characters; the form takes at most 4000. Nothing was saved.' },
    });
    const note = await emu().submitModal({
      customId: 'compose',
      values: { text: 'ok', note: 'n'.repeat(1001) },
      userId: D_AUTHOR,
      channelId: COMMUNITY,
      unsolicited: true,
    });
    expect(note.response).toMatchObject({ type: 4, data: { content: expect.stringContaining('The note is 1001 characters') } });
    expect(await changes()).toEqual(before);
  });

  it('a redelivered interaction (same id) acts once', async () => {
    await dDraft(stack, { text: 'Replay me', accounts: [discordOf(stack).accounts.mastodon], when: 'in 4h' });
    await emu().waitFor(() => dCard(stack), { what: 'the card' });
    await dClick(stack, D_MANAGER, 'approve');
    await waitThread(stack, 'Scheduled for');
    const original = emu().deliveries.findLast((d) => (d.payload.data as { custom_id?: string } | undefined)?.custom_id?.startsWith('approve:'))!;
    const again = await fetch(endpoint(), { method: 'POST', headers: original.headers, body: original.rawBody });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ type: 6 });
    // Give a wrongly processed duplicate the time it would need to show (a refusal follow-up, a second decision).
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await stack.app.db.selectFrom('decisions').select('id').where('kind', '=', 'approve').execute()).toHaveLength(1);
    expect(dTold(stack, D_MANAGER).filter((t) => t.includes('already approved'))).toEqual([]);
  });

  it('a stale Request changes button on a decided post is answered with what happened, no form', async () => {
    // The card no longer carries the button; an old client still sends it.
    const postId = (await stack.app.db.selectFrom('posts').select('id').executeTakeFirstOrThrow()).id;
    const customId = `request_changes:${postId}`;
    const res = await emu().clickButton({ customId, userId: D_MANAGER, channelId: MOD_QUEUE, messageId: await messageWithButton(customId) });
    expect(res.response).toMatchObject({ type: 4, data: { flags: 64 } });
    await waitTold(stack, D_MANAGER, 'no longer waiting for a decision');
    expect(emu().openModal(D_MANAGER)).toBeUndefined();
  });

  it('measures every acknowledgement in the interaction ack histogram', async () => {
    const metrics = await (await fetch(`${stack.app.url}/metrics`)).text();
    expect(metrics).toMatch(/greenlight_interaction_ack_seconds_count\{chat="discord",kind="http"\} [1-9]/);
  });
});
