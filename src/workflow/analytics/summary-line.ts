import { NETWORK_LABELS, isNetwork, type Network } from '../../domain/networks.ts';

/**
 * The thread's 24-hour summary of a post: per network its impressions and engagements (likes +
 * reposts + replies, the counts it reports), and which network did best. "Best" compares engagement
 * rates (engagements / impressions) when every compared network reports impressions, else plain
 * engagements; it needs two networks with numbers to compare. Pure: the event stores the entries and
 * the verdict, the receipt renders them.
 */
export interface SummaryEntry {
  network: Network;
  /** null: not reported. */
  impressions: number | null;
  engagements: number | null;
}

export interface BestNetwork {
  network: Network;
  basis: 'rate' | 'engagements';
  value: number;
}

type Counts = { likes: number | null; reposts: number | null; replies: number | null; impressions: number | null };

export function summaryEntry(network: Network, counts: Counts | undefined): SummaryEntry {
  const parts = [counts?.likes, counts?.reposts, counts?.replies].filter((v): v is number => v !== null && v !== undefined);
  return { network, impressions: counts?.impressions ?? null, engagements: parts.length ? parts.reduce((a, b) => a + b, 0) : null };
}

export function bestNetwork(entries: SummaryEntry[]): BestNetwork | undefined {
  const measured = entries.filter((e) => e.engagements !== null);
  if (measured.length < 2) return undefined;
  const byRate = measured.every((e) => e.impressions !== null && e.impressions > 0);
  const value = (e: SummaryEntry) => (byRate ? e.engagements! / e.impressions! : e.engagements!);
  const best = measured.reduce((a, b) => (value(b) > value(a) ? b : a));
  return { network: best.network, basis: byRate ? 'rate' : 'engagements', value: value(best) };
}

const number = new Intl.NumberFormat('en-US');

/** "After 24 hours: LinkedIn 1,240 impressions · 38 engagements; X 5,100 · 61; Mastodon 12 engagements (no impressions reported). Best: LinkedIn (3.1% engagement rate)." */
export function summaryText(entries: SummaryEntry[], best: BestNetwork | undefined): string {
  let unitsSaid = false;
  const parts = entries.map((e) => {
    const label = NETWORK_LABELS[e.network];
    if (e.engagements === null) return `${label} not reported`;
    if (e.impressions === null) return `${label} ${number.format(e.engagements)} engagements (no impressions reported)`;
    if (unitsSaid) return `${label} ${number.format(e.impressions)} · ${number.format(e.engagements)}`;
    unitsSaid = true;
    return `${label} ${number.format(e.impressions)} impressions · ${number.format(e.engagements)} engagements`;
  });
  const verdict = best
    ? ` Best: ${NETWORK_LABELS[best.network]} (${best.basis === 'rate' ? `${(best.value * 100).toFixed(1)}% engagement rate` : `${number.format(best.value)} engagements`}).`
    : '';
  return `After 24 hours: ${parts.join('; ')}.${verdict}`;
}

/** The summary line from a `metrics_summary` event's data (as summarizeIfComplete stored it). */
export function summaryFromEventData(data: Record<string, unknown>): string {
  const num = (v: unknown) => (typeof v === 'number' ? v : null);
  const entries = (Array.isArray(data.entries) ? data.entries : [])
    .filter(
      (e): e is Record<string, unknown> =>
        typeof e === 'object' &&
        e !== null &&
        typeof (e as Record<string, unknown>).network === 'string' &&
        isNetwork(String((e as Record<string, unknown>).network)),
    )
    .map((e): SummaryEntry => ({ network: e.network as Network, impressions: num(e.impressions), engagements: num(e.engagements) }));
  const b = data.best as Record<string, unknown> | null | undefined;
  const best =
    b && typeof b.network === 'string' && isNetwork(b.network) && typeof b.value === 'number'
      ? { network: b.network, basis: b.basis === 'rate' ? ('rate' as const) : ('engagements' as const), value: b.value }
      : undefined;
  return summaryText(entries, best);
}
