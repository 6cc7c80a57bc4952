import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { APPROVALS, AUTHOR, MANAGER, MANAGER2, OUTSIDER, card, click, draft, opens, startStack, thread, type Stack } from '../helpers/greenlight.ts';

let stack: Stack;
beforeEach(async () => {
  stack = await startStack();
});
afterEach(async () => {
  await stack?.stop();
});

describe('Slack: draft → approval → published, with receipts in the thread', () => {
  it('publishes an approved post to Mastodon once and says so in the card thread', async () => {
    const submitted = await draft(stack, { text: 'Our autumn release is out!', accounts: [stack.accounts.mastodon] });
    expect(submitted.status).toBe(200);
    expect(submitted.body).toBeUndefined(); // an empty ack closes the modal

    const posted = await stack.slack.waitFor(() => card(stack), { what: 'the card in #approvals' });
    expect(posted.text).toContain('Waiting for approval');
    expect(JSON.stringify(posted.blocks)).toContain('Our autumn release is out!');

    await click(stack, MANAGER, 'approve');
    await stack.slack.waitFor(() => thread(stack).find((t) => t.startsWith('Published to Mastodon')), { what: 'the published receipt', timeoutMs: 10_000 });

    const replies = thread(stack);
    expect(replies[0]).toBe(`Approved by <@${MANAGER}>.`);
    expect(replies[1]).toMatch(/^Scheduled for /);
    expect(replies.find((t) => t.startsWith('Published to Mastodon'))).toMatch(/^Published to Mastodon at \d{1,2}:\d{2}: https?:\/\//);
    expect(stack.mastodon.posts).toHaveLength(1);
    expect(stack.mastodon.posts[0]!.text).toBe('Our autumn release is out!');
    await stack.slack.waitFor(() => (card(stack)!.text.startsWith('Published') ? true : undefined), { what: 'the card to show Published' });
  });
});

describe('Slack: review decisions', () => {
  it('a comment that looks like Slack markup stays words in the thread: no @here, no forged mention', async () => {
    await draft(stack, { text: 'Quote me', accounts: [stack.accounts.mastodon], when: 'in 2h' });
    await stack.slack.waitFor(() => card(stack), { what: 'the card' });
    const form = await opens(stack, MANAGER, () => click(stack, MANAGER, 'request_changes'));
    await stack.slack.submitView({
      userId: MANAGER,
      viewId: form.id,
      values: { value: { value: { type: 'plain_text_input', value: '<!here> ask <@U0CEO> & <https://evil.example|the boss>' } } },
    });
    const receipt = await stack.slack.waitFor(() => thread(stack).find((t) => t.includes('requested changes')), { what: 'the changes receipt' });
    expect(receipt).toBe(`<@${MANAGER}> requested changes: “&lt;!here&gt; ask &lt;@U0CEO&gt; &amp; &lt;https://evil.example|the boss&gt;”`);
  });

  it('request changes → author edits → approve publishes the edited text', async () => {
    await draft(stack, { text: 'Draft one', accounts: [stack.accounts.mastodon], when: 'in 2h' });
    await stack.slack.waitFor(() => card(stack), { what: 'the card' });
    const form = await opens(stack, MANAGER, () => click(stack, MANAGER, 'request_changes'));
    await stack.slack.submitView({ userId: MANAGER, viewId: form.id, values: { value: { value: { type: 'plain_text_input', value: 'Mention the date' } } } });
    await stack.slack.waitFor(() => thread(stack).find((t) => t.includes('requested changes')), { what: 'the changes receipt' });
    expect(card(stack)!.text).toContain('Changes requested');

    const edit = await opens(stack, AUTHOR, () => click(stack, AUTHOR, 'edit'));
    expect(JSON.stringify(edit.blocks)).toContain('Draft one');
    const res = await stack.slack.submitView({
      userId: AUTHOR,
      viewId: edit.id,
      values: {
        text: { value: { type: 'plain_text_input', value: 'Draft two, out on 24 November' } },
        targets: { value: { type: 'checkboxes', selected_options: [{ value: stack.accounts.mastodon }] } },
        when: { value: { type: 'plain_text_input', value: 'now' } },
        zone: { value: { type: 'plain_text_input', value: 'Europe/Berlin' } },
      },
    });
    expect(res.body).toBeUndefined();
    await stack.slack.waitFor(() => (card(stack)!.text.startsWith('Waiting for approval') ? true : undefined), { what: 'back in review' });
    await click(stack, MANAGER, 'approve');
    await stack.slack.waitFor(() => thread(stack).find((t) => t.startsWith('Published to Mastodon')), { what: 'published', timeoutMs: 10_000 });
    expect(stack.mastodon.posts.map((p) => p.text)).toEqual(['Draft two, out on 24 November']);
  });

  it('reject asks for a reason and puts it in the thread; nothing is published', async () => {
    await draft(stack, { text: 'Off-brand post', accounts: [stack.accounts.mastodon] });
    await stack.slack.waitFor(() => card(stack), { what: 'the card' });
    const form = await opens(stack, MANAGER, () => click(stack, MANAGER, 'reject'));
    const empty = await stack.slack.submitView({ userId: MANAGER, viewId: form.id, values: { value: { value: { type: 'plain_text_input', value: '   ' } } } });
    expect(empty.body).toMatchObject({ response_action: 'errors', errors: { value: 'Give a reason for rejecting.' } });
    await stack.slack.submitView({ userId: MANAGER, viewId: form.id, values: { value: { value: { type: 'plain_text_input', value: 'Not our tone' } } } });
    await stack.slack.waitFor(() => thread(stack).find((t) => t.includes('rejected this post: “Not our tone”')), { what: 'the rejection receipt' });
    expect(card(stack)!.text).toContain('Rejected');
    expect(stack.mastodon.posts).toHaveLength(0);
  });

  it('refuses a non-approver with an ephemeral message and changes nothing', async () => {
    await draft(stack, { text: 'Hello', accounts: [stack.accounts.mastodon] });
    await stack.slack.waitFor(() => card(stack), { what: 'the card' });
    await click(stack, OUTSIDER, 'approve');
    const told = await stack.slack.waitFor(() => stack.slack.ephemerals(OUTSIDER)[0], { what: 'the refusal' });
    expect(told.text).toContain('Only approvers can approve posts.');
    expect(card(stack)!.text).toContain('Waiting for approval');
    expect(await stateOfOnlyPost()).toBe('in_review');
  });

  it('refuses self-approval unless the workspace allows it', async () => {
    await stack.app.db.insertInto('members').values({ workspace_id: stack.workspaceId, chat_user_id: AUTHOR, role: 'approver' }).execute();
    await draft(stack, { text: 'Mine', accounts: [stack.accounts.mastodon], when: 'in 1h' });
    await stack.slack.waitFor(() => card(stack), { what: 'the card' });
    await click(stack, AUTHOR, 'approve');
    const told = await stack.slack.waitFor(() => stack.slack.ephemerals(AUTHOR)[0], { what: 'the refusal' });
    expect(told.text).toContain('does not allow approving your own posts');
    expect(await stateOfOnlyPost()).toBe('in_review');

    await stack.app.db.updateTable('workspaces').set({ allow_self_approval: true }).where('id', '=', stack.workspaceId).execute();
    await click(stack, AUTHOR, 'approve');
    await stack.slack.waitFor(() => thread(stack).find((t) => t.startsWith('Scheduled for')), { what: 'scheduled' });
  });

  it('lets exactly one of two simultaneous approvals win; the other is told what happened', async () => {
    await draft(stack, { text: 'Race', accounts: [stack.accounts.mastodon], when: 'in 1h' });
    await stack.slack.waitFor(() => card(stack), { what: 'the card' });
    await Promise.all([click(stack, MANAGER, 'approve'), click(stack, MANAGER2, 'approve')]);
    await stack.slack.waitFor(() => thread(stack).find((t) => t.startsWith('Scheduled for')), { what: 'scheduled' });
    const loser = await stack.slack.waitFor(() => [...stack.slack.ephemerals(MANAGER), ...stack.slack.ephemerals(MANAGER2)][0], { what: 'the loser told' });
    expect(loser.text).toContain('already approved');
    expect(thread(stack).filter((t) => t.startsWith('Approved by'))).toHaveLength(1);
    const deliveries = await stack.app.db.selectFrom('deliveries').select('id').execute();
    expect(deliveries).toHaveLength(1);
  });

  it('an edit after approval voids the approval and says so in the thread', async () => {
    await draft(stack, { text: 'Approved text', accounts: [stack.accounts.mastodon], when: 'in 2h' });
    await stack.slack.waitFor(() => card(stack), { what: 'the card' });
    await click(stack, MANAGER, 'approve');
    await stack.slack.waitFor(() => thread(stack).find((t) => t.startsWith('Scheduled for')), { what: 'scheduled' });
    const edit = await opens(stack, AUTHOR, () => click(stack, AUTHOR, 'edit'));
    await stack.slack.submitView({
      userId: AUTHOR,
      viewId: edit.id,
      values: {
        text: { value: { type: 'plain_text_input', value: 'Sneaky change' } },
        targets: { value: { type: 'checkboxes', selected_options: [{ value: stack.accounts.mastodon }] } },
        when: { value: { type: 'plain_text_input', value: 'in 2h' } },
        zone: { value: { type: 'plain_text_input', value: 'Europe/Berlin' } },
      },
    });
    await stack.slack.waitFor(() => thread(stack).find((t) => t.includes('earlier approvals no longer count')), { what: 'voided receipt' });
    expect(await stateOfOnlyPost()).toBe('in_review');
    expect(await stack.app.db.selectFrom('deliveries').select('id').execute()).toHaveLength(0);
    // The old card's Approve button carried the old content hash: it is refused.
    const stale = await stack.slack.clickButton({
      userId: MANAGER2,
      actionId: 'approve',
      channelId: APPROVALS,
      messageTs: card(stack)!.ts,
      value: `${await onlyPostId()}:0000000000000000`,
    });
    expect(stale.status).toBe(200);
    const told = await stack.slack.waitFor(() => stack.slack.ephemerals(MANAGER2)[0], { what: 'stale refusal' });
    expect(told.text).toContain('changed after you saw it');
  });

  it('cancel withdraws a scheduled post; nothing is published', async () => {
    await draft(stack, { text: 'Never mind', accounts: [stack.accounts.mastodon], when: 'in 1h' });
    await stack.slack.waitFor(() => card(stack), { what: 'the card' });
    await click(stack, MANAGER, 'approve');
    await stack.slack.waitFor(() => thread(stack).find((t) => t.startsWith('Scheduled for')), { what: 'scheduled' });
    await click(stack, OUTSIDER, 'cancel');
    expect((await stack.slack.waitFor(() => stack.slack.ephemerals(OUTSIDER)[0], { what: 'refusal' })).text).toContain('Only the author');
    await click(stack, AUTHOR, 'cancel');
    await stack.slack.waitFor(() => thread(stack).find((t) => t.startsWith('Canceled by')), { what: 'canceled receipt' });
    expect(await stateOfOnlyPost()).toBe('canceled');
    const deliveries = await stack.app.db.selectFrom('deliveries').select('state').execute();
    expect(deliveries.map((d) => d.state)).toEqual(['skipped']);
    expect(stack.mastodon.posts).toHaveLength(0);
  });
});

describe('Slack: the compose form checks input before anything is stored', () => {
  it('returns field errors for X over 280, a time in the past and no target', async () => {
    const long = 'x'.repeat(281);
    const res = await draft(stack, { text: long, accounts: [stack.accounts.x], when: '2020-01-01 09:00' });
    expect(res.body).toMatchObject({ response_action: 'errors' });
    const errors = (res.body as { errors: Record<string, string> }).errors;
    expect(errors.text).toContain('281/280');
    expect(errors.when).toMatch(/past/i);
    const none = await draft(stack, { text: 'hi', accounts: [] });
    expect((none.body as { errors: Record<string, string> }).errors.targets).toContain('Choose at least one account');
    expect(await stack.app.db.selectFrom('posts').select('id').execute()).toHaveLength(0);
  });

  it('refuses a local time that does not exist (DST gap) with the reason', async () => {
    const res = await draft(stack, { text: 'Spring forward', accounts: [stack.accounts.mastodon], when: '2027-03-28 02:30', zone: 'Europe/Berlin' });
    expect((res.body as { errors: Record<string, string> }).errors.when).toMatch(/does not exist/);
  });
});

async function stateOfOnlyPost(): Promise<string> {
  const rows = await stack.app.db.selectFrom('posts').select('state').execute();
  expect(rows).toHaveLength(1);
  return rows[0]!.state;
}

async function onlyPostId(): Promise<string> {
  const rows = await stack.app.db.selectFrom('posts').select('id').execute();
  return rows[0]!.id;
}
