import { afterEach, describe, expect, it } from 'vitest';
import { AUTHOR, APPROVALS, MANAGER, MANAGER2, card, click, opens, draft, startStack, thread, type Stack } from '../helpers/greenlight.ts';
import { D_MANAGER, D_MANAGER2, MOD_QUEUE, component, dCard, dClick, dDraft, dThread, discordOf, waitThread, waitTold } from '../helpers/discord-stack.ts';

/**
 * Approval per network, in both chats through the one workflow: an approver approves the post but
 * holds X; X gets no publish (its delivery is skipped, with the reason on the card) and the thread says so.
 */
let stack: Stack;
afterEach(async () => {
  await stack?.stop();
});

/** The value of the card's "Approve, but hold…" option for `label`. */
function holdOption(message: { blocks?: unknown[] } | undefined, label: string): string {
  for (const block of (message?.blocks ?? []) as { elements?: { action_id?: string; options?: { text: { text: string }; value: string }[] }[] }[]) {
    const select = block.elements?.find((e) => e.action_id === 'approve_holding');
    const option = select?.options?.find((o) => o.text.text === `Hold ${label}`);
    if (option) return option.value;
  }
  throw new Error(`no "Hold ${label}" option on the card`);
}

function chooseHold(user: string, label: string) {
  const c = card(stack)!;
  return stack.slack.chooseOption({ userId: user, actionId: 'approve_holding', channelId: APPROVALS, messageTs: c.ts, value: holdOption(c, label) });
}

async function deliveryStates(workspaceId: string) {
  const rows = await stack.app.db
    .selectFrom('deliveries')
    .innerJoin('posts', 'posts.id', 'deliveries.post_id')
    .select(['deliveries.network', 'deliveries.state'])
    .where('posts.workspace_id', '=', workspaceId)
    .orderBy('deliveries.network')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.network, r.state]));
}

describe('Slack: approve some networks, hold others', () => {
  it('publishes to Mastodon, holds X, and says so in the thread and on the card', async () => {
    stack = await startStack();
    await draft(stack, { text: 'Mastodon yes, X maybe not', accounts: [stack.accounts.mastodon, stack.accounts.x] });
    await stack.slack.waitFor(() => card(stack), { what: 'the card' });
    await chooseHold(MANAGER, 'X');
    await stack.slack.waitFor(() => thread(stack).find((t) => t.startsWith('Published to Mastodon')), { what: 'published', timeoutMs: 10_000 });
    const replies = thread(stack);
    expect(replies[0]).toBe(`Approved by <@${MANAGER}> for Mastodon; X held.`);
    expect(replies[1]).toMatch(/^Scheduled for .+; X held, so not published there\.$/);
    expect(stack.mastodon.posts).toHaveLength(1);
    expect(stack.x.posts).toHaveLength(0);
    expect(await deliveryStates(stack.workspaceId)).toEqual({ mastodon: 'published', x: 'skipped' });
    await stack.slack.waitFor(() => (card(stack)!.text.startsWith('Published') ? true : undefined), { what: 'the card to show Published' });
    expect(JSON.stringify(card(stack)!.blocks)).toContain('X: skipped — held by an approver at approval');
  });

  it('with two approvals required: the hold counts as one, the card shows 1 of 2, and an edit voids the hold', async () => {
    stack = await startStack({ settings: { approvals_required: 2 } });
    await draft(stack, { text: 'Needs two', accounts: [stack.accounts.mastodon, stack.accounts.x], when: 'in 2h' });
    await stack.slack.waitFor(() => card(stack), { what: 'the card' });
    await chooseHold(MANAGER, 'X');
    const told = await stack.slack.waitFor(() => stack.slack.ephemerals(MANAGER)[0], { what: 'the answer' });
    expect(told.text).toBe('Approved (1 of 2).');
    const blocks = await stack.slack.waitFor(
      () => {
        const b = JSON.stringify(card(stack)!.blocks);
        return b.includes('Held, not published') ? b : undefined;
      },
      { what: 'the card to show the hold' },
    );
    expect(blocks).toContain(`1 of 2 approvals (<@${MANAGER}>)`);
    expect(blocks).toContain(`Held, not published: X (by <@${MANAGER}>)`);
    expect(blocks).not.toContain('approve_holding'); // only Mastodon is left open: nothing more to hold

    const edit = await opens(stack, AUTHOR, () => click(stack, AUTHOR, 'edit'));
    await stack.slack.submitView({
      userId: AUTHOR,
      viewId: edit.id,
      values: {
        text: { value: { type: 'plain_text_input', value: 'Needs two, edited' } },
        targets: { value: { type: 'checkboxes', selected_options: [{ value: stack.accounts.mastodon }, { value: stack.accounts.x }] } },
        when: { value: { type: 'plain_text_input', value: 'in 2h' } },
        zone: { value: { type: 'plain_text_input', value: 'Europe/Berlin' } },
      },
    });
    await stack.slack.waitFor(() => thread(stack).find((t) => t.includes('edited the post; the earlier approvals no longer count')), {
      what: 'the edit receipt',
    });
    const after = await stack.slack.waitFor(
      () => {
        const b = JSON.stringify(card(stack)!.blocks);
        return b.includes('Needs two, edited') ? b : undefined;
      },
      { what: 'the new card' },
    );
    expect(after).not.toContain('Held, not published');
    expect(after).toContain('0 of 2 approvals');
    await click(stack, MANAGER, 'approve');
    expect((await stack.slack.waitFor(() => stack.slack.ephemerals(MANAGER)[1], { what: 'the second answer' })).text).toBe('Approved (1 of 2).');
    await stack.slack.waitFor(() => (JSON.stringify(card(stack)!.blocks).includes(`1 of 2 approvals (<@${MANAGER}>)`) ? true : undefined), {
      what: 'the card to show 1 of 2',
    });
    await click(stack, MANAGER2, 'approve');
    await stack.slack.waitFor(() => thread(stack).find((t) => t.startsWith('Scheduled for')), { what: 'scheduled' });
    expect(thread(stack)).toContain(`Approved by <@${MANAGER2}> (2 of 2).`);
    expect(await deliveryStates(stack.workspaceId)).toEqual({ mastodon: 'pending', x: 'pending' });
  });
});

describe('Discord: approve some networks, hold others', () => {
  it('holds X from the select menu; Mastodon publishes; the thread says so', async () => {
    stack = await startStack({ discord: 'http' });
    const side = discordOf(stack);
    await dDraft(stack, { text: 'Mastodon yes, X maybe not', accounts: [side.accounts.mastodon, side.accounts.x] });
    const c = await side.emulator.waitFor(() => dCard(stack), { what: 'the card' });
    const select = component(c, 'approve_holding')!;
    expect(select).toMatchObject({ type: 3, placeholder: 'Approve, but hold…', max_values: 1 });
    await side.emulator.selectMenu({ customId: String(select.custom_id), values: ['x'], userId: D_MANAGER, channelId: MOD_QUEUE, messageId: c.id });
    await waitThread(stack, 'Published to Mastodon');
    const replies = dThread(stack);
    expect(replies[0]).toBe(`Approved by <@${D_MANAGER}> for Mastodon; X held.`);
    expect(replies[1]).toMatch(/^Scheduled for .+; X held, so not published there\.$/);
    expect(stack.x.posts).toHaveLength(0);
    expect(await deliveryStates(side.workspaceId)).toEqual({ mastodon: 'published', x: 'skipped' });
  });

  it('with two approvals required the card shows 1 of 2 and the hold', async () => {
    stack = await startStack({ discord: 'http', discordSettings: { approvals_required: 2 } });
    const side = discordOf(stack);
    await dDraft(stack, { text: 'Needs two', accounts: [side.accounts.mastodon, side.accounts.x], when: 'in 2h' });
    const c = await side.emulator.waitFor(() => dCard(stack), { what: 'the card' });
    await side.emulator.selectMenu({
      customId: String(component(c, 'approve_holding')!.custom_id),
      values: ['x'],
      userId: D_MANAGER,
      channelId: MOD_QUEUE,
      messageId: c.id,
    });
    await waitTold(stack, D_MANAGER, 'Approved (1 of 2).');
    const fields = await side.emulator.waitFor(
      () => {
        const f = (dCard(stack)!.embeds.at(-1)!.fields ?? []) as { name: string; value: string }[];
        return f.some((x) => x.name === 'Held') ? f : undefined;
      },
      { what: 'the card to show the hold' },
    );
    expect(fields.find((f) => f.name === 'Approvals')!.value).toBe(`1 of 2 · <@${D_MANAGER}>`);
    expect(fields.find((f) => f.name === 'Held')!.value).toBe(`X (by <@${D_MANAGER}>): not published`);
    expect(component(dCard(stack)!, 'approve_holding')).toBeUndefined();
    await dClick(stack, D_MANAGER2, 'approve');
    await waitThread(stack, 'Scheduled for');
    expect(dThread(stack)).toContain(`Approved by <@${D_MANAGER2}> (2 of 2).`);
    expect(await deliveryStates(side.workspaceId)).toEqual({ mastodon: 'pending', x: 'skipped' });
  });
});
