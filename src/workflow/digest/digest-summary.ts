import type { FailureCause, WeekDelivery } from '../../db/digest-stats.ts';
import { NETWORKS, type Network } from '../../domain/networks.ts';

/** The week in numbers, from its published deliveries: what the digest's text and chart show. */
export interface DigestSummary {
  postsPublished: number;
  /** Per network that published anything, in NETWORKS order. */
  networks: NetworkWeek[];
  best: { network: Network; text: string; url: string | null; engagement: number } | undefined;
  failures: { total: number; causes: FailureCause[] };
}

export interface NetworkWeek {
  network: Network;
  deliveries: number;
  /** Sum of the impressions that were reported; null when none was. */
  reach: number | null;
  /** Engagement of the posts published on each of the seven days (0 where none was reported). */
  engagementByDay: number[];
}

export function summarize(rows: WeekDelivery[], days: string[], failures: DigestSummary['failures']): DigestSummary {
  const networks = NETWORKS.filter((n) => rows.some((r) => r.network === n)).map((network) =>
    networkWeek(
      network,
      rows.filter((r) => r.network === network),
      days,
    ),
  );
  return { postsPublished: new Set(rows.map((r) => r.postId)).size, networks, best: bestPost(rows), failures };
}

function networkWeek(network: Network, rows: WeekDelivery[], days: string[]): NetworkWeek {
  const impressions = rows.flatMap((r) => (r.impressions === null ? [] : [r.impressions]));
  return {
    network,
    deliveries: rows.length,
    reach: impressions.length === 0 ? null : impressions.reduce((a, b) => a + b, 0),
    engagementByDay: days.map((day) => rows.filter((r) => r.day === day).reduce((sum, r) => sum + (r.engagement ?? 0), 0)),
  };
}

/** The delivery with the most engagement (the earlier one on a tie); none when nothing was measured. */
function bestPost(rows: WeekDelivery[]): DigestSummary['best'] {
  let best: WeekDelivery | undefined;
  for (const row of rows) if (row.engagement !== null && row.engagement > 0 && (!best || row.engagement > best.engagement!)) best = row;
  return best ? { network: best.network, text: best.text, url: best.url, engagement: best.engagement! } : undefined;
}
