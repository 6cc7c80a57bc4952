import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/greenlight.ts';
import {
  COMMUNITY,
  D_AUTHOR,
  D_MANAGER,
  D_MANAGER2,
  D_OUTSIDER,
  MOD_QUEUE,
  component,
  dCard,
  dClick,
  dDraft,
  dThread,
  dTold,
  discordOf,
  sendStep,
  submitCompose,
  submitField,
  waitThread,
  waitTold,
} from '../helpers/discord-stack.ts';

/** The Slack flow suite (slack-flow.test.ts), through the real discord.js stack, in both of Discord's modes. */
for (const mode of ['http', 'gateway'] as const) {
  describe(`Discord (${mode})`, () => {
    let stack: Stack;
    const emu = () => discordOf(stack).emulator;
    const accounts = () => discordOf(stack).accounts;
    beforeEach(async () => {
      stack = await startStack({ discord: mode });
    });
    afterEach(async () => {
      await stack?.stop();
    });

    async function stateOfOnlyPost(): Promise<string> {
      const rows = await stack.app.db.selectFrom('posts').select('state').where('workspace_id', '=', discordOf(stack).workspaceId).execute();
      expect(rows).toHaveLength(1);
      return rows[0]!.state;
    }

    it('draft → approve → published to Mastodon once, with receipts in the card thread', async () => {
      const answer = await dDraft(stack, { text: 'Community call on Friday!', accounts: [accounts().mastodon] });
      expect(answer.content).toContain('Sent for approval');
      const card = await emu().waitFor(() => dCard(stack), { what: 'the card' });
      expect(card.content).toContain('Waiting for approval');
      expect(card.content).toMatch(/<t:\d+:F>/);
      expect(card.embeds[0]).toMatchObject({
        title: 'Mastodon · @community@mastodon.test',
        description: 'Community call on Friday!',
        footer: { text: '25/500 characters' },
      });
      expect(await emu().waitFor(() => emu().thread(card.id), { what: 'the card thread' })).toMatchObject({ id: card.id, parent_id: MOD_QUEUE });

      await dClick(stack, D_MANAGER, 'approve');
      await waitThread(stack, 'Published to Mastodon');
      const replies = dThread(stack);
      expect(replies[0]).toBe(`Approved by <@${D_MANAGER}>.`);
      expect(replies[1]).toMatch(/^Scheduled for /);
      expect(replies.find((t) => t.startsWith('Published to Mastodon'))).toMatch(/^Published to Mastodon at \d{1,2}:\d{2}: https?:\/\//);
      expect(stack.mastodon.posts.map((p) => p.text)).toEqual(['Community call on Friday!']);
      await emu().waitFor(() => dCard(stack)!.content.startsWith('**Published**'), { what: 'the card to show Published' });
      expect(component(dCard(stack)!, 'approve')).toBeUndefined();
    });

    it('request changes → author edits → approve publishes the edited text', async () => {
      await dDraft(stack, { text: 'Draft one', accounts: [accounts().mastodon], when: 'in 2h' });
      await emu().waitFor(() => dCard(stack), { what: 'the card' });
      await dClick(stack, D_MANAGER, 'request_changes');
      await submitField(stack, D_MANAGER, 'Mention the date');
      await waitThread(stack, `<@${D_MANAGER}> requested changes: “Mention the date”`);
      await emu().waitFor(() => dCard(stack)!.content.includes('Changes requested'), { what: 'the card to show it' });

      await dClick(stack, D_AUTHOR, 'edit');
      const form = emu().openModal(D_AUTHOR)!;
      expect(JSON.stringify(form.components)).toContain('Draft one');
      const step = await submitCompose(stack, D_AUTHOR, { text: 'Draft two, out on 24 November', when: 'now' });
      const saved = await sendStep(stack, D_AUTHOR, step, []);
      expect(saved.content).toContain('back in review');
      await emu().waitFor(() => dCard(stack)!.content.startsWith('**Waiting for approval**'), { what: 'back in review' });
      await dClick(stack, D_MANAGER, 'approve');
      await waitThread(stack, 'Published to Mastodon');
      expect(stack.mastodon.posts.map((p) => p.text)).toEqual(['Draft two, out on 24 November']);
    });

    it('reject asks for a reason and puts it in the thread; nothing is published', async () => {
      await dDraft(stack, { text: 'Off-brand post', accounts: [accounts().mastodon] });
      await emu().waitFor(() => dCard(stack), { what: 'the card' });
      await dClick(stack, D_MANAGER, 'reject');
      await submitField(stack, D_MANAGER, '   ');
      await waitTold(stack, D_MANAGER, 'Give a reason for rejecting.');
      await dClick(stack, D_MANAGER, 'reject');
      await submitField(stack, D_MANAGER, 'Not our tone');
      await waitThread(stack, `<@${D_MANAGER}> rejected this post: “Not our tone”`);
      await emu().waitFor(() => dCard(stack)!.content.startsWith('**Rejected**'), { what: 'the card to show Rejected' });
      expect(stack.mastodon.posts).toHaveLength(0);
    });

    it('refuses a non-approver with an ephemeral message and changes nothing', async () => {
      await dDraft(stack, { text: 'Hello', accounts: [accounts().mastodon] });
      await emu().waitFor(() => dCard(stack), { what: 'the card' });
      await dClick(stack, D_OUTSIDER, 'approve');
      expect(await waitTold(stack, D_OUTSIDER, 'Only approvers can approve posts.')).toMatch(/^⚠️/);
      await dClick(stack, D_OUTSIDER, 'request_changes');
      await submitField(stack, D_OUTSIDER, 'I do not like it');
      await waitTold(stack, D_OUTSIDER, 'What you wrote: “I do not like it”');
      expect(dCard(stack)!.content).toContain('Waiting for approval');
      expect(await stateOfOnlyPost()).toBe('in_review');
      expect(emu().ephemerals(D_MANAGER)).toEqual([]);
    });

    it('refuses self-approval unless the workspace allows it', async () => {
      await stack.app.db
        .insertInto('members')
        .values({ workspace_id: discordOf(stack).workspaceId, chat_user_id: D_AUTHOR, role: 'approver' })
        .execute();
      await dDraft(stack, { text: 'Mine', accounts: [accounts().mastodon], when: 'in 1h' });
      await emu().waitFor(() => dCard(stack), { what: 'the card' });
      await dClick(stack, D_AUTHOR, 'approve');
      await waitTold(stack, D_AUTHOR, 'does not allow approving your own posts');
      expect(await stateOfOnlyPost()).toBe('in_review');
      await stack.app.db.updateTable('workspaces').set({ allow_self_approval: true }).where('id', '=', discordOf(stack).workspaceId).execute();
      await dClick(stack, D_AUTHOR, 'approve');
      await waitThread(stack, 'Scheduled for');
    });

    it('lets exactly one of two simultaneous approvals win; the other is told what happened', async () => {
      await dDraft(stack, { text: 'Race', accounts: [accounts().mastodon], when: 'in 1h' });
      await emu().waitFor(() => dCard(stack), { what: 'the card' });
      await Promise.all([dClick(stack, D_MANAGER, 'approve'), dClick(stack, D_MANAGER2, 'approve')]);
      await waitThread(stack, 'Scheduled for');
      const loser = await emu().waitFor(() => [...dTold(stack, D_MANAGER), ...dTold(stack, D_MANAGER2)][0], { what: 'the loser told' });
      expect(loser).toContain('already approved');
      expect(dThread(stack).filter((t) => t.startsWith('Approved by'))).toHaveLength(1);
      expect(await stack.app.db.selectFrom('deliveries').select('id').execute()).toHaveLength(1);
    });

    it('an edit after approval voids the approval; the old Approve button is refused', async () => {
      await dDraft(stack, { text: 'Approved text', accounts: [accounts().mastodon], when: 'in 2h' });
      await emu().waitFor(() => dCard(stack), { what: 'the card' });
      const oldApprove = String(component(dCard(stack)!, 'approve')!.custom_id);
      await dClick(stack, D_MANAGER, 'approve');
      await waitThread(stack, 'Scheduled for');
      await dClick(stack, D_AUTHOR, 'edit');
      await sendStep(stack, D_AUTHOR, await submitCompose(stack, D_AUTHOR, { text: 'Sneaky change', when: 'in 2h' }), []);
      await waitThread(stack, `<@${D_AUTHOR}> edited the post; the earlier approvals no longer count`);
      expect(await stateOfOnlyPost()).toBe('in_review');
      expect(await stack.app.db.selectFrom('deliveries').select('id').execute()).toHaveLength(0);
      // A client that still shows the old card sends the old button (its content hash no longer matches).
      await emu().waitFor(() => String(component(dCard(stack)!, 'approve')?.custom_id ?? oldApprove) !== oldApprove, { what: 'the new card' });
      expect(await staleClick(stack, oldApprove, D_MANAGER2)).toBe(true);
      await waitTold(stack, D_MANAGER2, 'changed after you saw it');
      expect(await stateOfOnlyPost()).toBe('in_review');
    });

    it('cancel withdraws a scheduled post; only the author (or an admin) may', async () => {
      await dDraft(stack, { text: 'Never mind', accounts: [accounts().mastodon], when: 'in 1h' });
      await emu().waitFor(() => dCard(stack), { what: 'the card' });
      await dClick(stack, D_MANAGER, 'approve');
      await waitThread(stack, 'Scheduled for');
      await dClick(stack, D_OUTSIDER, 'cancel');
      await waitTold(stack, D_OUTSIDER, 'Only the author');
      await dClick(stack, D_AUTHOR, 'cancel');
      await waitThread(stack, 'Canceled by');
      expect(await stateOfOnlyPost()).toBe('canceled');
      expect((await stack.app.db.selectFrom('deliveries').select('state').execute()).map((d) => d.state)).toEqual(['skipped']);
      expect(stack.mastodon.posts).toHaveLength(0);
    });

    it('a refused form keeps what was typed: the errors, and a button that reopens the form pre-filled', async () => {
      const long = 'x'.repeat(281);
      const answer = await dDraft(stack, { text: long, accounts: [accounts().x], when: '2020-01-01 09:00', note: 'for the launch' });
      expect(answer.content).toMatch(/^⚠️ Not sent yet/);
      expect(answer.content).toContain('281/280');
      expect(answer.content).toMatch(/\*\*Publish time:\*\* .*past/i);
      expect(answer.embeds[0]?.description).toBe(long);
      expect(await stack.app.db.selectFrom('posts').select('id').where('workspace_id', '=', discordOf(stack).workspaceId).execute()).toHaveLength(0);

      const reopen = component(answer, 'compose_reopen')!;
      await emu().clickButton({ customId: String(reopen.custom_id), userId: D_AUTHOR, channelId: COMMUNITY, messageId: answer.id });
      const form = emu().openModal(D_AUTHOR)!;
      const prefilled = Object.fromEntries(
        form.components.map((c) => [String((c.component as { custom_id: string }).custom_id), (c.component as { value?: string }).value]),
      );
      expect(prefilled).toMatchObject({ text: long, when: '2020-01-01 09:00', zone: 'Europe/Berlin', note: 'for the launch' });

      // Fixed in the form: the same message becomes the account step again, the X account still chosen.
      const step = await submitCompose(stack, D_AUTHOR, { text: 'Short enough', when: 'in 1h', note: 'for the launch' });
      expect(step.id).toBe(answer.id);
      const sent = await sendStep(stack, D_AUTHOR, step, []);
      expect(sent.content).toContain('Sent for approval');
      await emu().waitFor(() => dCard(stack), { what: 'the card' });
      expect(dCard(stack)!.embeds[0]).toMatchObject({ title: 'X · @community', description: 'Short enough' });
    });

    it('refuses a local time that does not exist (DST gap) with the reason', async () => {
      const answer = await dDraft(stack, { text: 'Spring forward', accounts: [accounts().mastodon], when: '2027-03-28 02:30', zone: 'Europe/Berlin' });
      expect(answer.content).toMatch(/does not exist/);
    });
  });
}

/** Sends a click on a button the card no longer carries (the emulator refuses that, as Discord's client would not show it). */
async function staleClick(stack: Stack, customId: string, user: string): Promise<boolean> {
  const emu = discordOf(stack).emulator;
  const card = dCard(stack)!;
  // Post a message carrying the old button, then click it there: the click reaches the app as an old card would send it.
  const res = await fetch(`${emu.apiBase}/v10/channels/${MOD_QUEUE}/messages`, {
    method: 'POST',
    headers: { authorization: `Bot ${emu.botToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      content: `old copy of ${card.id}`,
      components: [{ type: 1, components: [{ type: 2, style: 3, label: 'Approve', custom_id: customId }] }],
    }),
  }).then((r) => r.json() as Promise<{ id: string }>);
  const click = await emu.clickButton({ customId, userId: user, channelId: MOD_QUEUE, messageId: res.id });
  return click.failure === undefined;
}
