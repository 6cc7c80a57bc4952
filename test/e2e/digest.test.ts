import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIGEST_DAYS } from '../../src/domain/digest-schedule.ts';
import type { Network } from '../../src/domain/networks.ts';
import { CHART_HEIGHT, CHART_PLOT, CHART_WIDTH, NETWORK_COLORS } from '../../src/workflow/digest/chart-svg.ts';
import { QUEUES } from '../../src/queue/queue.ts';
import { ADMIN, CHANNEL, startStack, type Stack } from '../helpers/greenlight.ts';
import { COMMUNITY, D_ADMIN, discordOf, settledEphemeral } from '../helpers/discord-stack.ts';
import { decodePng, pngHeader } from '../workflow/digest/png.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ discord: 'http' });
});
afterAll(async () => {
  await stack?.stop();
});

const DAY = 86_400_000;
const ago = (days: number) => new Date(Date.now() - days * DAY);

/** A post with one delivery per given network, as the engine leaves them. */
async function seedPost(
  workspaceId: string,
  accounts: Partial<Record<Network, string>>,
  o: { text: string; state: string; at: Date; deliveries: { network: Network; state: string; lastError?: object }[] },
) {
  const post = await stack.app.db
    .insertInto('posts')
    .values({
      workspace_id: workspaceId,
      author_id: 'U0AUTHOR',
      state: o.state as never,
      text: o.text,
      origin_channel_id: CHANNEL,
      publish_at: o.at,
      zone: 'UTC',
      content_hash: 'x'.repeat(64),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const ids: Record<string, string> = {};
  for (const d of o.deliveries) {
    const published = d.state === 'published';
    const row = await stack.app.db
      .insertInto('deliveries')
      .values({
        post_id: post.id,
        account_id: accounts[d.network]!,
        network: d.network,
        state: d.state as never,
        due_at: o.at,
        updated_at: o.at,
        published_at: published ? o.at : null,
        external_id: published ? `${d.network}-${post.id.slice(0, 6)}` : null,
        url: published ? `https://${d.network}.test/p/${post.id.slice(0, 6)}` : null,
        last_error: d.lastError ? JSON.stringify(d.lastError) : null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    ids[d.network] = row.id;
  }
  return ids;
}

async function measure(
  workspaceId: string,
  deliveryId: string,
  network: Network,
  publishedAt: Date,
  slot: string,
  m: { likes?: number; reposts?: number; replies?: number; impressions?: number },
) {
  await stack.app.db
    .insertInto('delivery_metrics' as never)
    .values({
      delivery_id: deliveryId,
      slot,
      workspace_id: workspaceId,
      network,
      published_at: publishedAt,
      likes: m.likes ?? null,
      reposts: m.reposts ?? null,
      replies: m.replies ?? null,
      impressions: m.impressions ?? null,
    } as never)
    .execute();
}

/** The digest's day and hour for "now" in `zone`: the hourly check finds it due at once. */
function dueNow(zone: string): string {
  const local = DateTime.now().setZone(zone);
  return `digest_day=${DIGEST_DAYS[local.weekday - 1]} digest_hour=${local.hour}`;
}

async function runHourlyCheck(): Promise<void> {
  const id = await stack.app.queue.boss.send(QUEUES.digestSchedule, {});
  await stack.slack.waitFor(async () => (await stack.app.queue.boss.getJobById(QUEUES.digestSchedule, id!))?.state === 'completed', {
    what: 'the hourly digest check',
    timeoutMs: 10_000,
  });
}

async function keep(name: string, png: Buffer): Promise<void> {
  // DIGEST_PNG_DIR=/tmp npm test -- test/e2e/digest.test.ts: the charts, to look at.
  if (process.env.DIGEST_PNG_DIR) await writeFile(path.join(process.env.DIGEST_PNG_DIR, name), png);
}

describe('the weekly digest', () => {
  it('posts the week in Slack, with the chart uploaded as a PNG, once per week', async () => {
    const ws = stack.workspaceId;
    const accounts = stack.accounts;
    const launch = await seedPost(ws, accounts, {
      text: 'Spring launch is live',
      state: 'published',
      at: ago(3),
      deliveries: [
        { network: 'mastodon', state: 'published' },
        { network: 'x', state: 'published' },
      ],
    });
    await measure(ws, launch.mastodon!, 'mastodon', ago(3), '24h', { likes: 5, reposts: 2, replies: 1, impressions: 100 });
    await measure(ws, launch.mastodon!, 'mastodon', ago(3), '7d', { likes: 20, reposts: 10, replies: 4 });
    await measure(ws, launch.x!, 'x', ago(3), '24h', { likes: 3, reposts: 1, replies: 0, impressions: 900 });
    const tips = await seedPost(ws, accounts, {
      text: 'Tuesday tips',
      state: 'published',
      at: ago(2),
      deliveries: [{ network: 'mastodon', state: 'published' }],
    });
    await measure(ws, tips.mastodon!, 'mastodon', ago(2), '24h', { likes: 1, impressions: 50 });
    await seedPost(ws, accounts, {
      text: 'Duplicate',
      state: 'failed',
      at: ago(1),
      deliveries: [
        {
          network: 'x',
          state: 'failed',
          lastError: {
            class: 'permanent',
            message: 'X create post failed: HTTP 403',
            networkMessage: 'You are not allowed to create a Tweet with duplicate content.',
          },
        },
      ],
    });
    await seedPost(ws, accounts, { text: 'Old news', state: 'published', at: ago(10), deliveries: [{ network: 'mastodon', state: 'published' }] });
    await seedPost(ws, accounts, {
      text: "Next week's announcement",
      state: 'scheduled',
      at: new Date(Date.now() + 2 * DAY),
      deliveries: [{ network: 'mastodon', state: 'pending' }],
    });

    await stack.slack.slashCommand({
      command: '/greenlight',
      text: `settings ${dueNow('UTC')} digest_channel=<#${CHANNEL}|marketing>`,
      userId: ADMIN,
      channelId: CHANNEL,
    });
    await stack.slack.waitFor(() => stack.slack.ephemerals(ADMIN).find((e) => e.text.includes('Settings saved')), { what: 'settings saved' });
    await runHourlyCheck();

    const message = await stack.slack.waitFor(() => stack.slack.channelMessages(CHANNEL).find((m) => m.upload), {
      what: 'the digest in #marketing',
      timeoutMs: 15_000,
    });
    const lines = message.text.split('\n');
    expect(lines[0]).toMatch(/^📊 Weekly digest: \d+ \w+ \d{4} to \d+ \w+ \d{4} \(UTC\)$/);
    expect(lines.slice(1, 5)).toEqual([
      'Published: 2 posts (3 deliveries): X 1, Mastodon 2',
      'Failures: 1',
      '• X: You are not allowed to create a Tweet with duplicate content. (×1)',
      'Reach (impressions): X 900 · Mastodon 150',
    ]);
    // The launch's latest Mastodon numbers (7 d: 20 + 10 + 4) beat its 24 h ones and every other post.
    expect(lines[5]).toMatch(/^Best post: "Spring launch is live" on Mastodon, 34 engagements: https:\/\/mastodon\.test\/p\/[\w-]{6}$/);
    expect(lines[6]).toBe('Next week: 1 post queued');
    expect(lines[7]).toMatch(/^• \w{3} \d+ \w{3}, \d+:\d{2} UTC · scheduled · "Next week's announcement"$/);
    expect(lines[8]).toBe("Next week's calendar: /greenlight queue next");
    expect(lines[9]).toContain('Chart: Engagement (likes + reposts + replies) per network per day');

    expect(message.files).toHaveLength(1);
    const file = stack.slack.files.get(String(message.files![0]!.id))!;
    expect(file).toMatchObject({ name: 'greenlight-weekly-digest.png', completed: true, title: 'Weekly digest: engagement per network per day' });
    expect(pngHeader(file.bytes)).toMatchObject({ width: CHART_WIDTH, height: CHART_HEIGHT });
    expect(file.length).toBe(file.bytes.length);
    const image = decodePng(file.bytes);
    expect(image.pixel(CHART_PLOT.right + 36, CHART_PLOT.top + 8)).toBe(NETWORK_COLORS.x);
    expect(image.pixel(CHART_PLOT.right + 36, CHART_PLOT.top + 34)).toBe(NETWORK_COLORS.mastodon.toLowerCase());
    await keep('digest-slack.png', file.bytes);

    // The next hourly check (or a second replica's) finds this week's digest recorded and sends nothing.
    await runHourlyCheck();
    const digests = await stack.app.db.selectFrom('digests').selectAll().where('workspace_id', '=', ws).execute();
    expect(digests).toHaveLength(1);
    expect(digests[0]).toMatchObject({ channel_id: CHANNEL });
    expect(digests[0]!.sent_at).toBeInstanceOf(Date);
    expect(stack.slack.channelMessages(CHANNEL).filter((m) => m.upload)).toHaveLength(1);
  });

  it('posts it in Discord as one message with the chart attached', async () => {
    const discord = discordOf(stack);
    const emu = discord.emulator;
    const post = await seedPost(discord.workspaceId, discord.accounts, {
      text: 'Community call recap',
      state: 'published',
      at: ago(2),
      deliveries: [{ network: 'mastodon', state: 'published' }],
    });
    await measure(discord.workspaceId, post.mastodon!, 'mastodon', ago(2), '24h', { likes: 7, replies: 2, impressions: 300 });

    const options = [{ name: 'settings', type: 1, options: [{ name: 'text', type: 3, value: `${dueNow('Europe/Berlin')} digest_channel=<#${COMMUNITY}>` }] }];
    await emu.command({ name: 'greenlight', options, userId: D_ADMIN, channelId: COMMUNITY });
    await settledEphemeral(stack, D_ADMIN, (m) => m.content.includes('Settings saved'), 'settings saved');
    await runHourlyCheck();

    const message = await emu.waitFor(() => emu.channelMessages(COMMUNITY).find((m) => m.attachments.length > 0), {
      what: 'the digest in #community',
      timeoutMs: 15_000,
    });
    expect(message.content).toMatch(
      /^📊 Weekly digest: .* \(Europe\/Berlin\)\nPublished: 1 post \(1 delivery\): Mastodon 1\nFailures: none\.\nReach \(impressions\): Mastodon 300\n/,
    );
    expect(message.content).toContain('Best post: "Community call recap" on Mastodon, 9 engagements');
    expect(message.attachments[0]).toMatchObject({ filename: 'greenlight-weekly-digest.png', content_type: 'image/png' });
    const bytes = emu.attachmentBytes.get(String(message.attachments[0]!.id))!;
    expect(pngHeader(bytes)).toMatchObject({ width: CHART_WIDTH, height: CHART_HEIGHT });
    expect(decodePng(bytes).pixel(CHART_PLOT.right + 36, CHART_PLOT.top + 8)).toBe(NETWORK_COLORS.mastodon.toLowerCase());
    await keep('digest-discord.png', bytes);
  });
});
