import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectAccount } from '../../src/db/accounts.ts';
import { ADMIN, APPROVALS, CHANNEL, MANAGER, card, click, draft, opens, startStack, thread, type Stack } from '../helpers/greenlight.ts';
import { dCard, dDraft, discordOf, waitThread } from '../helpers/discord-stack.ts';

/**
 * What happens over time to a card nobody answers: the reminder after the workspace's delay, and at
 * the publish time the "not published" notice. Jobs are brought forward in SQL instead of waiting.
 */
let stack: Stack;
beforeEach(async () => {
  stack = await startStack();
});
afterEach(async () => {
  await stack?.stop();
});

async function onlyPost() {
  return stack.app.db.selectFrom('posts').selectAll().executeTakeFirstOrThrow();
}

async function jobs(name: string) {
  const { rows } = await sql<{ state: string; start_after: Date; data: { postId: string; version: number } }>`
    SELECT state, start_after, data FROM pgboss.job WHERE name = ${name} ORDER BY created_on`.execute(stack.testDb.db);
  return rows;
}

/** Brings the waiting jobs of a queue forward to now, as if their time had come. */
async function dueNow(name: string): Promise<number> {
  const result = await sql`UPDATE pgboss.job SET start_after = now() WHERE name = ${name} AND state = 'created'`.execute(stack.testDb.db);
  return Number(result.numAffectedRows);
}

describe('a post still in review at its publish time', () => {
  it('is not published, and the thread and the card say so at that time', async () => {
    await draft(stack, { text: 'Waiting too long', accounts: [stack.accounts.mastodon], when: 'in 2h' });
    await stack.slack.waitFor(() => card(stack), { what: 'the card' });
    const post = await onlyPost();
    const [deadline] = await jobs('review-deadline');
    // Queued with the post, for its version, at its publish time plus the 5 minutes an approval still gets.
    expect(deadline).toMatchObject({ state: 'created', data: { postId: post.id, version: post.version } });
    expect(deadline!.start_after.getTime()).toBe(post.publish_at.getTime() + 5 * 60_000);

    // The time comes (10 minutes ago: past the grace a late approval still gets).
    await stack.app.db.updateTable('posts').set({ publish_at: sql<Date>`now() - interval '10 minutes'` }).where('id', '=', post.id).execute();
    expect(await dueNow('review-deadline')).toBe(1);
    const notice = await stack.slack.waitFor(() => thread(stack).find((t) => t.startsWith('Not published')), { what: 'the notice', timeoutMs: 5_000 });
    expect(notice).toMatch(/^Not published: still waiting for approval at its time \(.+\)\. The author can Reschedule, or Publish now once it is approved\.$/);
    await stack.slack.waitFor(() => (card(stack)!.text.includes('its publish time has passed') ? true : undefined), { what: 'the card to say so' });
    expect((await onlyPost()).state).toBe('in_review');
    expect(await stack.app.db.selectFrom('deliveries').select('id').execute()).toHaveLength(0);

    // A late approval still publishes nothing; the thread says why.
    await click(stack, MANAGER, 'approve');
    await stack.slack.waitFor(() => thread(stack).find((t) => t.startsWith('The publish time')), { what: 'the late-approval receipt' });
    expect(stack.mastodon.posts).toHaveLength(0);
    expect(thread(stack).filter((t) => t.startsWith('Not published'))).toHaveLength(1);
  });

  it('says nothing for a post that left review', async () => {
    await draft(stack, { text: 'Approved in time', accounts: [stack.accounts.mastodon], when: 'in 2h' });
    await stack.slack.waitFor(() => card(stack), { what: 'the card' });
    await click(stack, MANAGER, 'approve');
    await stack.slack.waitFor(() => thread(stack).find((t) => t.startsWith('Scheduled for')), { what: 'scheduled' });
    await stack.app.db.updateTable('posts').set({ publish_at: sql<Date>`now() - interval '10 minutes'` }).execute();
    expect(await dueNow('review-deadline')).toBe(1);
    await stack.slack.waitFor(async () => (await jobs('review-deadline')).every((j) => j.state === 'completed') || undefined, {
      what: 'the deadline job to run',
      timeoutMs: 5_000,
    });
    // The job's event would be written before the job completes; the thread follows from the events.
    expect(await stack.app.db.selectFrom('events').select('kind').where('kind', '=', 'publish_time_passed').execute()).toHaveLength(0);
    expect(thread(stack).some((t) => t.startsWith('Not published'))).toBe(false);
  });
});

describe('the reminder', () => {
  it('comes after the workspace’s configured delay', async () => {
    await stack.app.db.updateTable('workspaces').set({ reminder_after_minutes: 45 }).where('id', '=', stack.workspaceId).execute();
    await draft(stack, { text: 'Nobody looks at me', accounts: [stack.accounts.mastodon], when: 'in 5h' });
    await stack.slack.waitFor(() => card(stack), { what: 'the card' });
    const post = await onlyPost();
    const [remind] = await jobs('remind');
    const delayMinutes = (remind!.start_after.getTime() - post.created_at.getTime()) / 60_000;
    expect(Math.round(delayMinutes)).toBe(45);
    expect(stack.slack.channelMessages(APPROVALS)).toHaveLength(1);

    expect(await dueNow('remind')).toBe(1);
    const reminder = await stack.slack.waitFor(() => stack.slack.channelMessages(APPROVALS).find((m) => m.text.startsWith('Reminder:')), {
      what: 'the reminder',
      timeoutMs: 5_000,
    });
    expect(reminder.text).toMatch(/^Reminder: a post by <@U0AUTHOR> for .+ is still waiting for approval\.$/);
  });
});

describe('the compose form', () => {
  it('refuses Instagram without media as a field error, storing nothing', async () => {
    const instagram = await connectAccount(stack.app.db, stack.app.cipher, {
      workspaceId: stack.workspaceId,
      network: 'instagram',
      externalAccountId: '17841400000000001',
      displayName: 'greenlight.photos',
      connectedBy: ADMIN,
      credentials: { accessToken: 'ig-token' },
    });
    const res = await draft(stack, { text: 'A picture is worth…', accounts: [instagram.id] });
    expect(res.body).toEqual({ response_action: 'errors', errors: { media: 'Instagram needs at least one image or video.' } });
    expect(await stack.app.db.selectFrom('posts').select('id').execute()).toHaveLength(0);
  });

  it('fills in the author’s zone from users.info tz, and the post keeps it', async () => {
    stack.slack.addUser({ id: 'U0TOKYO', name: 'kenji', tz: 'Asia/Tokyo' });
    const view = await opens(stack, 'U0TOKYO', () => stack.slack.slashCommand({ command: '/post', text: '', userId: 'U0TOKYO', channelId: CHANNEL }));
    const zoneBlock = (view.blocks as { block_id?: string; element?: { initial_value?: string } }[]).find((b) => b.block_id === 'zone');
    expect(zoneBlock?.element?.initial_value).toBe('Asia/Tokyo');
    expect(stack.slack.callsTo('users.info').some((c) => JSON.stringify(c).includes('U0TOKYO'))).toBe(true);
    await stack.slack.submitView({
      userId: 'U0TOKYO',
      viewId: view.id,
      values: {
        text: { value: { type: 'plain_text_input', value: 'From Tokyo' } },
        targets: { value: { type: 'checkboxes', selected_options: [{ value: stack.accounts.mastodon }] } },
        when: { value: { type: 'plain_text_input', value: 'tomorrow 9am' } },
        zone: { value: { type: 'plain_text_input', value: zoneBlock!.element!.initial_value! } },
      },
    });
    const post = await stack.slack.waitFor(() => stack.app.db.selectFrom('posts').selectAll().executeTakeFirst(), { what: 'the post' });
    expect(post.zone).toBe('Asia/Tokyo');
    // 9:00 in Tokyo is 0:00 UTC.
    expect(post.publish_at.getUTCHours()).toBe(0);
  });
});

describe('Discord: a post still in review at its publish time', () => {
  it('gets the same notice in the card thread, through the same workflow', async () => {
    await stack.stop();
    stack = await startStack({ discord: 'http' });
    const side = discordOf(stack);
    await dDraft(stack, { text: 'Waiting in Discord', accounts: [side.accounts.mastodon], when: 'in 2h' });
    await side.emulator.waitFor(() => dCard(stack), { what: 'the card' });
    await stack.app.db
      .updateTable('posts')
      .set({ publish_at: sql<Date>`now() - interval '10 minutes'` })
      .where('workspace_id', '=', side.workspaceId)
      .execute();
    expect(await dueNow('review-deadline')).toBe(1);
    await waitThread(stack, 'Not published: still waiting for approval at its time');
    await side.emulator.waitFor(() => dCard(stack)!.content.includes('its publish time has passed'), { what: 'the card to say so' });
  });
});
