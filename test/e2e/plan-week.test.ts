import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, AUTHOR, CHANNEL, draft, startStack, thread, card, type Stack } from '../helpers/greenlight.ts';
import { sql } from 'kysely';
import { weekOf } from '../../src/domain/posting-slots.ts';
import type { Json } from '../../emulators/discord.ts';
import { COMMUNITY, D_ADMIN, D_AUTHOR, dDraft, discordOf, settledEphemeral } from '../helpers/discord-stack.ts';

/**
 * Issue 17 through the chats, as a team uses it: an admin asks for suggested slots and adds them in
 * Slack, an author types "next slot" five times, the App Home calendar and /greenlight queue show the
 * five posts and the free slots between them; Discord shows the same week.
 */
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ discord: 'http', settings: { approvals_required: 1 } });
}, 60_000);
afterAll(() => stack?.stop());

const berlinClock = (at: Date) =>
  new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);

async function slash(user: string, text: string): Promise<string> {
  const before = stack.slack.ephemerals(user).length;
  await stack.slack.slashCommand({ command: '/greenlight', text, userId: user, channelId: CHANNEL });
  const told = await stack.slack.waitFor(() => stack.slack.ephemerals(user)[before], { what: `/greenlight ${text}` });
  return told.text;
}

describe('plan the week from Slack', () => {
  it('suggests slots from the best-time data with their confidence, and only admins add them', async () => {
    const suggested = await slash(AUTHOR, 'slots suggest mastodon');
    // No measured posts here: Greenlight's defaults, labelled as such, with the command to add each.
    expect(suggested).toContain('too little history yet (0 measured posts)');
    expect(suggested).toContain('• Tue 10:00 (default): `/greenlight slots add mastodon tue 10:00`');

    expect(await slash(AUTHOR, 'slots add mastodon tue 10:00')).toBe('⚠️ Only workspace admins can do that.');
    // The workspace's best hours for Mastodon, as suggested: Tue 10:00, Wed 14:00, Thu 10:00; and Fri 9:00, 12:00.
    expect(await slash(ADMIN, 'slots add mastodon tue,thu 10:00')).toBe('Added 2 slots for Mastodon (UTC): Tue 10:00, Thu 10:00.');
    expect(await slash(ADMIN, 'slots add mastodon wed 14:00')).toBe('Added 1 slot for Mastodon (UTC): Wed 14:00.');
    expect(await slash(ADMIN, 'slots add mastodon fri 9:00,12:00')).toBe('Added 2 slots for Mastodon (UTC): Fri 9:00, Fri 12:00.');
    expect(await slash(ADMIN, 'slots add mastodon someday 9:00')).toContain('is not a day list');
    const listed = await slash(AUTHOR, 'slots');
    expect(listed).toContain('• Mastodon (every account): Tue 10:00, Wed 14:00, Thu 10:00, Fri 9:00, Fri 12:00 (UTC)');
  });

  it('"next slot" five times gives five posts, one at each best hour, and the thread says which slot', async () => {
    for (let i = 1; i <= 5; i += 1) {
      const res = await draft(stack, { text: `Planned post ${i}`, accounts: [stack.accounts.mastodon], when: 'next slot' });
      expect(res.status).toBe(200);
      expect(res.body).toBeUndefined();
    }
    const posts = await stack.testDb.db
      .selectFrom('posts')
      .select(['id', 'text', 'publish_at'])
      .where('text', 'like', 'Planned post %')
      .orderBy('publish_at')
      .execute();
    expect(posts).toHaveLength(5);
    const slots = posts.map(
      (p) => p.publish_at.toISOString().slice(11, 16) + ' ' + new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', weekday: 'short' }).format(p.publish_at),
    );
    // The five distinct slot instants of the coming week (UTC slots), in time order.
    expect(new Set(slots).size).toBe(5);
    expect([...slots].sort()).toEqual(['09:00 Fri', '10:00 Thu', '10:00 Tue', '12:00 Fri', '14:00 Wed'].sort());
    expect(posts.at(-1)!.publish_at.getTime() - posts[0]!.publish_at.getTime()).toBeLessThan(7 * 86_400_000);
    // The first card's thread says which slot it took, in the author's zone (Europe/Berlin).
    const index = await stack.slack.waitFor(
      () => {
        const i = stack.slack.channelMessages('C0APPROVALS').findIndex((m) => (JSON.stringify(m.blocks) ?? '').includes('Planned post 1'));
        return i >= 0 ? i : undefined;
      },
      { what: 'the first card' },
    );
    expect(card(stack, index)).toBeDefined();
    const reply = await stack.slack.waitFor(() => thread(stack, index).find((t) => t.startsWith('Took the next free slot')), { what: 'the slot receipt' });
    const first = posts.find((p) => p.text === 'Planned post 1')!;
    expect(reply).toContain(`${berlinClock(first.publish_at).replace(/^(\w+) /, '')}`.replace(/^0/, ''));
    expect(reply).toMatch(/\(the (Tue|Wed|Thu|Fri) \d+:00 UTC slot\)\.$/);
  });

  it('the sixth "next slot" goes to the following week, and a full set of slots is never double-booked', async () => {
    const res = await draft(stack, { text: 'Planned post 6', accounts: [stack.accounts.mastodon], when: 'next slot' });
    expect(res.status).toBe(200);
    const rows = await sql<{ n: number; d: number }>`SELECT count(*)::int AS n, count(DISTINCT slot_at)::int AS d FROM slot_bookings`.execute(stack.testDb.db);
    expect(rows.rows[0]).toEqual({ n: 6, d: 6 });
  });

  it('the App Home shows the week as a calendar with the posts, free slots and week buttons', async () => {
    type Block = { type: string; text?: { text: string }; elements?: { action_id?: string; value?: string }[] };
    const daySections = (blocks: unknown[]) =>
      (blocks as Block[]).filter((b) => b.type === 'section' && /^\*(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d+ \w+\*/.test(b.text?.text ?? ''));
    const first = await stack.testDb.db.selectFrom('posts').select(['publish_at']).where('text', '=', 'Planned post 1').executeTakeFirstOrThrow();
    const offset = Math.round((weekOf(first.publish_at, 'UTC').start.getTime() - weekOf(new Date(), 'UTC').start.getTime()) / (7 * 86_400_000));
    await stack.slack.appHomeOpened(AUTHOR);
    let home = await stack.slack.waitFor(() => stack.slack.homeView(AUTHOR), { what: 'home view' });
    expect(daySections(home.blocks)).toHaveLength(7);
    const buttons = (home.blocks as Block[]).find((b) => b.type === 'actions')!.elements!;
    expect(buttons.map((e) => [e.action_id, e.value])).toEqual([
      ['home_week_prev', '-1'],
      ['home_week_today', '0'],
      ['home_week_next', '1'],
    ]);
    // Step to the week of the first planned post with "Next week" (it is this week or the next).
    for (let i = 0; i < offset; i += 1) {
      const previous = JSON.stringify(home.blocks);
      const next = (home.blocks as Block[]).find((b) => b.type === 'actions')!.elements![2]!;
      await stack.slack.clickButton({ userId: AUTHOR, actionId: 'home_week_next', viewId: home.id, value: next.value! });
      home = await stack.slack.waitFor(
        () => {
          const v = stack.slack.homeView(AUTHOR);
          return v && JSON.stringify(v.blocks) !== previous ? v : undefined;
        },
        { what: 'the next week' },
      );
    }
    const day = daySections(home.blocks).find((b) => b.text!.text.includes('Planned post 1'));
    expect(day?.text!.text).toMatch(/• \d+:\d{2} · Mastodon · in review · <@U0AUTHOR>: Planned post 1/);
    // Every planned post of that week is on the calendar, each at its slot.
    const calendar = daySections(home.blocks)
      .map((b) => b.text!.text)
      .join('\n');
    const inWeek = await stack.testDb.db
      .selectFrom('posts')
      .select(['text', 'publish_at'])
      .where('text', 'like', 'Planned post %')
      .where('publish_at', '>=', weekOf(first.publish_at, 'UTC').start)
      .where('publish_at', '<', weekOf(first.publish_at, 'UTC').end)
      .execute();
    for (const p of inWeek) expect(calendar).toContain(`${p.publish_at.getUTCHours()}:00 · Mastodon · in review · <@U0AUTHOR>: ${p.text}`);
  });

  it('/greenlight queue shows free slots between posts, and /greenlight queue next the calendar week', async () => {
    await sql`DELETE FROM posting_slots`.execute(stack.testDb.db);
    expect(await slash(ADMIN, 'slots add mastodon daily 23:59')).toContain('Added 7 slots');
    const queue = await slash(AUTHOR, 'queue');
    expect(queue).toMatch(/◻️ \w{3} \d+ \w{3}, 23:59 UTC — free slot: Mastodon · @greenlight@mastodon\.test/);
    expect(queue).toContain('Planned post 1');
    const week = await slash(AUTHOR, 'queue next');
    expect(week).toMatch(/^\*Next week: Mon \d+ \w{3} to Sun \d+ \w{3}\* \(UTC\)/);
    expect(week.match(/23:59 free slot/g)).toHaveLength(7);
    expect(await slash(AUTHOR, 'queue someday')).toBe(
      '⚠️ "someday" is not a week: write `/greenlight queue next`, `prev`, `+2` or a date in the week (2026-12-24).',
    );
  });

  it("/greenlight accounts lists each account and its health in Slack's mrkdwn", async () => {
    expect((await slash(AUTHOR, 'accounts')).split('\n')).toContain('• Mastodon · @greenlight@mastodon.test — ✅ connected');
  });
});

describe('plan the week from Discord', () => {
  const emu = () => discordOf(stack).emulator;
  async function greenlight(user: string, sub: string, options: Json[] = []): Promise<string> {
    const before = new Set(
      emu()
        .ephemerals(user)
        .map((m) => `${m.id}:${m.edited_timestamp}`),
    );
    await emu().command({ name: 'greenlight', options: [{ name: sub, type: 1, ...(options.length ? { options } : {}) }], userId: user, channelId: COMMUNITY });
    return (await settledEphemeral(stack, user, (m) => !before.has(`${m.id}:${m.edited_timestamp}`), `/greenlight ${sub}`)).content;
  }

  it('adds slots, books "next slot" from the compose form, and shows the week with /greenlight queue week:next', async () => {
    const text = (value: string) => [{ type: 3, name: 'text', value }];
    expect(await greenlight(D_AUTHOR, 'slots', text('add mastodon mon-sun 6:00'))).toBe('⚠️ Only workspace admins can do that.');
    expect(await greenlight(D_ADMIN, 'slots', text('add mastodon mon-sun 6:00'))).toMatch(/^Added 7 slots for Mastodon \(/);
    expect(await greenlight(D_AUTHOR, 'slots', text('suggest'))).toContain('Suggested slots, from how earlier posts did:');
    await dDraft(stack, { text: 'Discord slot post', accounts: [discordOf(stack).accounts.mastodon], when: 'next slot after tomorrow' });
    const post = await stack.slack.waitFor(
      () => stack.testDb.db.selectFrom('posts').select(['publish_at']).where('text', '=', 'Discord slot post').executeTakeFirst(),
      { what: 'the Discord post' },
    );
    const week = await greenlight(D_AUTHOR, 'queue', [{ type: 3, name: 'week', value: post.publish_at.toISOString().slice(0, 10) }]);
    expect(week).toMatch(/\*\*(This|Next) week: Mon \d+ \w{3} to Sun \d+ \w{3}\*\*|\*\*Week of Mon/);
    expect(week).toContain(`• <t:${post.publish_at.getTime() / 1000}:t> · Mastodon · in review · <@${D_AUTHOR}>: Discord slot post`);
    expect(await greenlight(D_AUTHOR, 'queue', [{ type: 3, name: 'week', value: 'whenever' }])).toBe(
      '⚠️ "whenever" is not a week: write `next`, `prev`, `+2` or a date in the week (2026-12-24).',
    );
  });

  it("/greenlight accounts lists each account and its health in Discord's markdown", async () => {
    expect((await greenlight(D_AUTHOR, 'accounts')).split('\n')).toContain('• Mastodon · @community@mastodon.test: ✅ connected');
  });
});
