import type { QueueRow } from '../../db/queue-view.ts';
import { lastDayOf, type DigestPeriod } from '../../domain/digest-schedule.ts';
import { NETWORK_LABELS } from '../../domain/networks.ts';
import { formatDay, formatInZone } from '../../domain/time-format.ts';
import type { DigestSummary } from './digest-summary.ts';

/** What the chart shows, said once: under the image in the text and as the image's title. */
export const CHART_CAPTION = 'Engagement (likes + reposts + replies) per network per day, by the day each post was published.';

export interface DigestTextInput {
  summary: DigestSummary;
  period: DigestPeriod;
  zone: string;
  /** Posts queued for the coming week, the first few of `upcomingTotal`. */
  upcoming: QueueRow[];
  upcomingTotal: number;
}

const MAX_UPCOMING_LINES = 5;

/**
 * The digest as plain text, the same in Slack and Discord (links are bare URLs, which both show as
 * links). Each chat edge escapes it for its own markup.
 */
export function digestText(input: DigestTextInput): string {
  const { summary, period, zone } = input;
  const lastDay = lastDayOf(period);
  return [
    `📊 Weekly digest: ${formatDay(period.start, zone)} to ${formatDay(lastDay, zone)} (${zone})`,
    publishedLine(summary),
    ...failureLines(summary),
    reachLine(summary),
    bestLine(summary),
    ...upcomingLines(input),
    `Chart: ${CHART_CAPTION}`,
  ].join('\n');
}

function publishedLine(s: DigestSummary): string {
  if (s.networks.length === 0) return 'Published: nothing this week.';
  const deliveries = s.networks.reduce((sum, n) => sum + n.deliveries, 0);
  const per = s.networks.map((n) => `${NETWORK_LABELS[n.network]} ${n.deliveries}`).join(', ');
  return `Published: ${plural(s.postsPublished, 'post')} (${plural(deliveries, 'delivery', 'deliveries')}): ${per}`;
}

function failureLines(s: DigestSummary): string[] {
  if (s.failures.total === 0) return ['Failures: none.'];
  const shown = s.failures.causes.reduce((sum, c) => sum + c.count, 0);
  return [
    `Failures: ${s.failures.total}`,
    ...s.failures.causes.map((c) => `• ${NETWORK_LABELS[c.network]}: ${clip(c.cause, 120)} (×${c.count})`),
    ...(shown < s.failures.total ? [`• and ${s.failures.total - shown} more`] : []),
  ];
}

function reachLine(s: DigestSummary): string {
  if (s.networks.length === 0) return 'Reach: nothing published, nothing to measure.';
  return `Reach (impressions): ${s.networks.map((n) => `${NETWORK_LABELS[n.network]} ${n.reach === null ? 'not reported' : n.reach.toLocaleString('en-US')}`).join(' · ')}`;
}

function bestLine(s: DigestSummary): string {
  if (!s.best) return 'Best post: no engagement measured yet.';
  const b = s.best;
  return `Best post: "${clip(b.text.replace(/\s+/g, ' '), 80)}" on ${NETWORK_LABELS[b.network]}, ${plural(b.engagement, 'engagement')}${b.url ? `: ${b.url}` : ''}`;
}

/** "Next week" links to the week calendar (docs/planning.md): the same command in both chats. */
export const NEXT_WEEK_LINK = "Next week's calendar: /greenlight queue next";

function upcomingLines(input: DigestTextInput): string[] {
  return [...queuedLines(input), NEXT_WEEK_LINK];
}

function queuedLines(input: DigestTextInput): string[] {
  if (input.upcomingTotal === 0) return ['Next week: nothing queued yet.'];
  const lines = input.upcoming
    .slice(0, MAX_UPCOMING_LINES)
    .map((p) => `• ${formatInZone(p.publish_at, input.zone)} · ${p.state.replace('_', ' ')} · "${clip(p.text.replace(/\s+/g, ' '), 60)}"`);
  const more = input.upcomingTotal - lines.length;
  return [`Next week: ${plural(input.upcomingTotal, 'post')} queued`, ...lines, ...(more > 0 ? [`• and ${more} more`] : [])];
}

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
