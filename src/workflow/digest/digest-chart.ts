import { lastDayOf, type DigestPeriod } from '../../domain/digest-schedule.ts';
import { NETWORK_LABELS } from '../../domain/networks.ts';
import { formatDay } from '../../domain/time-format.ts';
import { NETWORK_COLORS, type BarChart } from './chart-svg.ts';
import type { DigestSummary } from './digest-summary.ts';

/** The digest's chart: engagement per network (bars) per day the posts were published (groups). */
export function digestChart(summary: DigestSummary, days: { label: string }[], period: DigestPeriod, zone: string): BarChart {
  const lastDay = lastDayOf(period);
  return {
    title: 'Engagement per network per day',
    subtitle: `likes + reposts + replies of the posts published each day · ${formatDay(period.start, zone)} to ${formatDay(lastDay, zone)}`,
    xTitle: `Day published (${zone})`,
    yTitle: 'Engagement',
    categories: days.map((d) => d.label),
    series: summary.networks.map((n) => ({ label: NETWORK_LABELS[n.network], color: NETWORK_COLORS[n.network], values: n.engagementByDay })),
    emptyNote: summary.networks.length === 0 ? 'Nothing was published this week' : 'No engagement measured this week',
  };
}
