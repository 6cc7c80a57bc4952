import { describe, expect, it } from 'vitest';
import type { WeekDelivery } from '../../../src/db/digest-stats.ts';
import { digestPeriod, periodDays } from '../../../src/domain/digest-schedule.ts';
import { CHART_HEIGHT, CHART_PLOT, CHART_WIDTH, NETWORK_COLORS, barChartSvg, niceTicks } from '../../../src/workflow/digest/chart-svg.ts';
import { svgToPng } from '../../../src/workflow/digest/chart-png.ts';
import { digestChart } from '../../../src/workflow/digest/digest-chart.ts';
import { summarize } from '../../../src/workflow/digest/digest-summary.ts';
import { digestText } from '../../../src/workflow/digest/digest-text.ts';
import { decodePng, pngHeader } from './png.ts';

const ZONE = 'Europe/Berlin';
// Due Mon 23 Nov 2026 at 9:00 in Berlin: the week of Mon 16 to Sun 22 Nov.
const period = digestPeriod(new Date('2026-11-23T08:00:00Z'), ZONE);
const days = periodDays(period, ZONE);

const row = (o: Partial<WeekDelivery> & Pick<WeekDelivery, 'network' | 'day'>): WeekDelivery => ({
  deliveryId: `d-${Math.random()}`,
  postId: o.postId ?? `p-${Math.random()}`,
  url: null,
  text: 'A post',
  engagement: null,
  impressions: null,
  ...o,
});

const rows: WeekDelivery[] = [
  row({ network: 'x', day: '2026-11-16', postId: 'launch', engagement: 12, impressions: 900 }),
  row({
    network: 'mastodon',
    day: '2026-11-16',
    postId: 'launch',
    engagement: 40,
    impressions: null,
    text: 'Launch day!\nIt is here.',
    url: 'https://mastodon.test/@gl/1',
  }),
  row({ network: 'mastodon', day: '2026-11-18', engagement: 22 }),
  row({ network: 'x', day: '2026-11-20', engagement: 55, impressions: 3400, text: 'Friday thread', url: 'https://x.test/gl/status/9' }),
  row({ network: 'x', day: '2026-11-21', engagement: null }),
];
const failures = { total: 3, causes: [{ network: 'x' as const, cause: 'The token was revoked', count: 2 }] };
const upcoming = [{ id: 'u1', state: 'scheduled', author_id: 'U1', text: 'Next Tuesday post', publish_at: new Date('2026-11-24T08:00:00Z'), zone: ZONE }];

describe('the weekly digest', () => {
  const summary = summarize(
    rows,
    days.map((d) => d.date),
    failures,
  );

  it('sums the week per network: deliveries, reach where reported, engagement per day, the best post', () => {
    expect(summary.postsPublished).toBe(4);
    expect(summary.networks).toEqual([
      { network: 'x', deliveries: 3, reach: 4300, engagementByDay: [12, 0, 0, 0, 55, 0, 0] },
      { network: 'mastodon', deliveries: 2, reach: null, engagementByDay: [40, 0, 22, 0, 0, 0, 0] },
    ]);
    expect(summary.best).toEqual({ network: 'x', text: 'Friday thread', url: 'https://x.test/gl/status/9', engagement: 55 });
  });

  it('says it in a few lines: published, failures and causes, reach, best post, next week, what the chart shows', () => {
    expect(digestText({ summary, period, zone: ZONE, upcoming, upcomingTotal: 1 }).split('\n')).toEqual([
      '📊 Weekly digest: 16 Nov 2026 to 22 Nov 2026 (Europe/Berlin)',
      'Published: 4 posts (5 deliveries): X 3, Mastodon 2',
      'Failures: 3',
      '• X: The token was revoked (×2)',
      '• and 1 more',
      'Reach (impressions): X 4,300 · Mastodon not reported',
      'Best post: "Friday thread" on X, 55 engagements: https://x.test/gl/status/9',
      'Next week: 1 post queued',
      '• Tue 24 Nov, 9:00 Europe/Berlin · scheduled · "Next Tuesday post"',
      "Next week's calendar: /greenlight queue next",
      'Chart: Engagement (likes + reposts + replies) per network per day, by the day each post was published.',
    ]);
    const quiet = summarize(
      [],
      days.map((d) => d.date),
      { total: 0, causes: [] },
    );
    expect(digestText({ summary: quiet, period, zone: ZONE, upcoming: [], upcomingTotal: 0 })).toContain('Published: nothing this week.\nFailures: none.');
  });

  it('draws the chart as a 960×480 PNG: a bar per network per day, the legend, axes and labels', async () => {
    const svg = barChartSvg(digestChart(summary, days, period, ZONE));
    for (const label of [
      'Engagement per network per day',
      'Day published (Europe/Berlin)',
      '>Engagement<',
      '>Mon 16<',
      '>Sun 22<',
      '>X<',
      '>Mastodon<',
      '>60<',
    ])
      expect(svg).toContain(label);
    const png = await svgToPng(svg);
    expect(pngHeader(png)).toMatchObject({ width: CHART_WIDTH, height: CHART_HEIGHT });
    const image = decodePng(png);
    expect(image.pixel(4, 4)).toBe('#ffffff');
    // Legend swatches, in series order.
    expect(image.pixel(CHART_PLOT.right + 36, CHART_PLOT.top + 8)).toBe(NETWORK_COLORS.x);
    expect(image.pixel(CHART_PLOT.right + 36, CHART_PLOT.top + 34)).toBe(NETWORK_COLORS.mastodon.toLowerCase());
    // Monday's bars: X (12) then Mastodon (40), each filled near its foot; nothing on Tuesday.
    const group = (CHART_PLOT.right - CHART_PLOT.left) / 7;
    const bar = (group * 0.76) / 2;
    const foot = CHART_PLOT.bottom - 3;
    expect(image.pixel(Math.round(CHART_PLOT.left + group * 0.12 + bar / 2), foot)).toBe(NETWORK_COLORS.x);
    expect(image.pixel(Math.round(CHART_PLOT.left + group * 0.12 + bar * 1.5), foot)).toBe(NETWORK_COLORS.mastodon.toLowerCase());
    expect(image.pixel(Math.round(CHART_PLOT.left + group * 1.5), foot)).toBe('#ffffff');
  });

  it('picks round ticks', () => {
    expect(niceTicks(0)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(niceTicks(3)).toEqual([0, 1, 2, 3]);
    expect(niceTicks(55)).toEqual([0, 20, 40, 60]);
    expect(niceTicks(1234)).toEqual([0, 500, 1000, 1500]);
  });
});
