import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAccount } from '../../../src/db/accounts.ts';
import { bestTimeStats } from '../../../src/db/best-time-stats.ts';
import { findOrCreateWorkspace } from '../../../src/db/workspaces.ts';
import { hourOfWeek } from '../../../src/domain/best-time-buckets.ts';
import { ADMIN, AUTHOR, CHANNEL, opens, startStack, type Stack } from '../../helpers/greenlight.ts';
import { COMMUNITY, D_ADMIN, D_AUTHOR, component, discordOf, settledEphemeral, submitCompose } from '../../helpers/discord-stack.ts';
import { seedHistory, seedMeasured } from '../../helpers/metrics.ts';

/**
 * Best times from stored history: the SQL bucketing agrees with the domain's across DST changes, and
 * `/greenlight besttime` (Slack and Discord, one text) and the compose form say what the history
 * supports: the defaults, labelled, while it is too thin; ranked slots with confidence once it is not.
 */
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ discord: 'http', settings: { default_zone: 'Europe/Berlin' } });
});
afterAll(async () => {
  await stack?.stop();
});

const HOUR = 3_600_000;
const WINDOW = { since: new Date('2026-01-01T00:00:00Z'), until: new Date('2027-01-01T00:00:00Z'), networks: ['x' as const] };
const hoursFrom = (start: string, count: number) => Array.from({ length: count }, (_, i) => new Date(Date.parse(start) + i * HOUR + 30 * 60_000));

async function slackBestTime(text: string): Promise<string> {
  const before = stack.slack.ephemerals(ADMIN).length;
  await stack.slack.slashCommand({ command: '/greenlight', text, userId: ADMIN, channelId: CHANNEL });
  return (await stack.slack.waitFor(() => stack.slack.ephemerals(ADMIN)[before], { what: `/greenlight ${text}` })).text;
}

describe('hour-of-week buckets in SQL', () => {
  it('match the domain’s across the Berlin and New York DST changes; rows with nothing reported are no sample', async () => {
    const db = stack.app.db;
    const workspace = await findOrCreateWorkspace(db, 'slack', 'T0DSTCHECK');
    const account = await connectAccount(db, stack.app.cipher, {
      workspaceId: workspace.id,
      network: 'x',
      externalAccountId: 'dst',
      displayName: '@dst',
      connectedBy: ADMIN,
      credentials: { accessToken: 'unused' },
    });
    const instants = [
      ...hoursFrom('2026-03-28T20:00:00Z', 10),
      ...hoursFrom('2026-10-24T20:00:00Z', 10), // Berlin: spring forward, fall back
      ...hoursFrom('2026-03-08T03:00:00Z', 10),
      ...hoursFrom('2026-11-01T02:00:00Z', 10), // New York
    ];
    const notReported = new Date('2026-10-25T00:45:00Z');
    await seedMeasured(db, {
      workspaceId: workspace.id,
      accountId: account.id,
      network: 'x',
      zone: 'UTC',
      rows: [...instants.map((at) => ({ at, likes: 5, impressions: 100 })), { at: notReported, likes: null, impressions: 100 }],
    });
    for (const zone of ['Europe/Berlin', 'America/New_York']) {
      const expected = new Map<number, number>();
      for (const at of instants) expected.set(hourOfWeek(at, zone), (expected.get(hourOfWeek(at, zone)) ?? 0) + 1);
      const stats = await bestTimeStats(db, { workspaceId: workspace.id, zone, ...WINDOW });
      const actual = new Map(stats.get('x')!.map((b) => [b.bucket, b.posts]));
      expect(actual).toEqual(expected);
      expect(stats.get('x')!.every((b) => b.withImpressions === b.posts && b.rateSum === b.posts * 0.05)).toBe(true);
    }
    // Berlin's repeated Sunday 2:00 hour holds both of its instants.
    const berlin = await bestTimeStats(db, { workspaceId: workspace.id, zone: 'Europe/Berlin', ...WINDOW });
    expect(berlin.get('x')!.find((b) => b.bucket === 6 * 24 + 2)!.posts).toBe(2);
  });
});

describe('/greenlight besttime', () => {
  it('with too little history says so and gives each network’s defaults, labelled', async () => {
    const text = await slackBestTime('besttime');
    const [x, mastodon] = text.split('\n\n');
    expect(x).toMatch(
      /^Best times for X \(Europe\/Berlin\): too little history yet \(0 measured posts; 10 needed\), so these are Greenlight's default times for X:/,
    );
    for (const slot of [/• Tue \d+ \w+, 9:00: default$/m, /• Wed \d+ \w+, 12:00: default$/m, /• Thu \d+ \w+, 9:00: default$/m]) expect(x).toMatch(slot);
    expect(mastodon).toMatch(/^Best times for Mastodon \(Europe\/Berlin\): too little history yet/);
    expect(await slackBestTime('besttime myspace')).toContain('I don\'t know the network "myspace"');
  });

  it('with history ranks the hours and says how many posts stand behind each', async () => {
    await seedHistory(stack.app.db, {
      workspaceId: stack.workspaceId,
      accountId: stack.accounts.x,
      network: 'x',
      zone: 'Europe/Berlin',
      now: new Date(),
      buckets: [
        { weekday: 2, hour: 9, posts: 24, impressions: 1000, engagements: 50 },
        { weekday: 3, hour: 12, posts: 6, impressions: 1000, engagements: 40 },
        { weekday: 4, hour: 17, posts: 2, impressions: 1000, engagements: 100 },
      ],
    });
    const lines = (await slackBestTime('besttime x')).split('\n');
    expect(lines[0]).toBe('Best times for X (Europe/Berlin), from 32 measured posts:');
    // Shrunk toward the mean (k = 5): Thu (0.2 + 5m) / 7 > Tue (1.2 + 5m) / 29 > Wed (0.24 + 5m) / 11, m = 1.64 / 32.
    expect(lines[1]).toMatch(/^• Thu \d+ \w+, 17:00: low confidence \(2 posts, 10\.0% engagement rate\)$/);
    expect(lines[2]).toMatch(/^• Tue \d+ \w+, 9:00: high confidence \(24 posts, 5\.0% engagement rate\)$/);
    expect(lines[3]).toMatch(/^• Wed \d+ \w+, 12:00: medium confidence \(6 posts, 4\.0% engagement rate\)$/);
  });

  it('the compose form shows the hint line for the networks on offer', async () => {
    const view = await opens(stack, AUTHOR, () => stack.slack.slashCommand({ command: '/post', text: '', userId: AUTHOR, channelId: CHANNEL }));
    const hint = JSON.stringify(view.blocks.find((b: { block_id?: string }) => b.block_id === 'best_times'));
    expect(hint).toContain('Best times for Mastodon: ');
    expect(hint).toContain('(default)');
    expect(hint).toContain('X: Thu 17:00 (low), Tue 9:00 (high), Wed 12:00 (medium)');
  });

  it('Discord answers with the same text', async () => {
    const emu = discordOf(stack).emulator;
    const user = D_ADMIN;
    await emu.command({
      name: 'greenlight',
      options: [{ name: 'besttime', type: 1, options: [{ name: 'network', type: 3, value: 'mastodon' }] }],
      userId: user,
      channelId: COMMUNITY,
    });
    const answer = await settledEphemeral(stack, user, (m) => m.content.startsWith('Best times'), '/greenlight besttime');
    expect(answer.content).toMatch(/^Best times for Mastodon \([\w/]+\): too little history yet \(0 measured posts; 10 needed\)/);
    expect(answer.content.split('\n')).toHaveLength(4);
  });
});

describe('the Discord compose step', () => {
  it("shows the same best-time hint as Slack's form, in the zone typed in the form, and keeps it when accounts are picked", async () => {
    const discord = discordOf(stack);
    await seedHistory(stack.app.db, {
      workspaceId: discord.workspaceId,
      accountId: discord.accounts.x,
      network: 'x',
      zone: 'Europe/Berlin',
      now: new Date(),
      buckets: [
        { weekday: 2, hour: 9, posts: 24, impressions: 1000, engagements: 50 },
        { weekday: 3, hour: 12, posts: 6, impressions: 1000, engagements: 40 },
        { weekday: 4, hour: 17, posts: 2, impressions: 1000, engagements: 100 },
      ],
    });
    await discord.emulator.command({ name: 'post', userId: D_AUTHOR, channelId: COMMUNITY });
    const step = await submitCompose(stack, D_AUTHOR, { text: 'When is best?', when: 'tomorrow 9am', zone: 'Europe/Berlin' });
    const hint = step.content.split('\n').find((l) => l.startsWith('🕘 '));
    expect(hint).toMatch(/^🕘 Best times for (X: Thu 17:00 \(low\), Tue 9:00 \(high\), Wed 12:00 \(medium\)|Mastodon: [^·]+\(default\)) · /);
    expect(hint).toContain('X: Thu 17:00 (low), Tue 9:00 (high), Wed 12:00 (medium)');
    expect(hint).toContain('Your zone; details: /greenlight besttime');

    // Picking accounts redraws the step; the hint stays.
    const emu = discord.emulator;
    const select = component(step, 'compose_targets')!;
    await emu.selectMenu({
      customId: String(select.custom_id),
      values: [discord.accounts.mastodon],
      userId: D_AUTHOR,
      channelId: step.channel_id,
      messageId: step.id,
    });
    const picked = await emu.waitFor(
      () => {
        const now = emu.message(step.id)!;
        return (component(now, 'compose_targets')?.options as { default?: boolean }[] | undefined)?.some((o) => o.default) ? now : undefined;
      },
      { what: 'the pick shown' },
    );
    expect(picked.content).toContain(hint);

    // Another zone moves the hours: London is an hour behind Berlin all year (they change clocks together).
    await emu.command({ name: 'post', userId: D_AUTHOR, channelId: COMMUNITY });
    const london = await submitCompose(stack, D_AUTHOR, { text: 'And from London?', when: 'tomorrow 9am', zone: 'Europe/London' });
    expect(london.content).toContain('X: Thu 16:00 (low), Tue 8:00 (high), Wed 11:00 (medium)');
  });
});
