/**
 * When a published delivery is measured: 1 hour, 6 hours, 24 hours and 7 days after publishing. Each
 * time is rounded up to the next 5 minutes, so deliveries published within the same few minutes (one
 * post to many accounts, a 9:00 campaign) fall due together and their lookups share network calls.
 */
export const METRIC_SLOTS = ['1h', '6h', '24h', '7d'] as const;
export type MetricSlot = (typeof METRIC_SLOTS)[number];

const HOUR_MS = 3_600_000;
export const SLOT_OFFSETS_MS: Record<MetricSlot, number> = { '1h': HOUR_MS, '6h': 6 * HOUR_MS, '24h': 24 * HOUR_MS, '7d': 7 * 24 * HOUR_MS };
export const SLOT_ALIGN_MS = 5 * 60_000;

/** The slot whose measurement ends a post's story in its thread (the summary line). */
export const SUMMARY_SLOT: MetricSlot = '24h';

export function slotDueAt(publishedAt: Date, slot: MetricSlot): Date {
  const due = publishedAt.getTime() + SLOT_OFFSETS_MS[slot];
  return new Date(Math.ceil(due / SLOT_ALIGN_MS) * SLOT_ALIGN_MS);
}

export function metricSchedule(publishedAt: Date): { slot: MetricSlot; at: Date }[] {
  return METRIC_SLOTS.map((slot) => ({ slot, at: slotDueAt(publishedAt, slot) }));
}
