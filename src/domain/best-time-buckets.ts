import { DateTime } from 'luxon';
import { resolveLocalTime } from './local-time.ts';

/**
 * Hour-of-week buckets in a zone: bucket 0 is Monday 00:00–00:59 on the zone's wall clock, bucket 167
 * is Sunday 23:00–23:59. Audiences live by their clocks, so a bucket is a wall-clock hour, never an
 * hour of UTC. Across a DST change:
 * - a spring-forward week has 167 hours: the skipped hour (Sun 2:00 in Berlin) gets no posts that
 *   week, which lowers nobody's average (an empty bucket is no sample, not a zero);
 * - a fall-back week has 169 hours: both instants that read Sun 2:xx in Berlin fall in the Sun 2:00
 *   bucket, as PostgreSQL's `EXTRACT(... FROM published_at AT TIME ZONE zone)` also puts them.
 * An upcoming slot is the next instant whose clock reads the bucket's weekday at HH:00; a week in
 * which that hour is skipped is passed over, and of a repeated hour the first occurrence is taken.
 */
export const HOURS_PER_WEEK = 168;

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;

/** ISO weekday (1 = Monday ... 7 = Sunday) and hour 0–23 to a bucket. */
export function bucketOf(weekday: number, hour: number): number {
  if (!Number.isInteger(weekday) || weekday < 1 || weekday > 7) throw new RangeError(`weekday ${weekday} is not 1–7`);
  if (!Number.isInteger(hour) || hour < 0 || hour > 23) throw new RangeError(`hour ${hour} is not 0–23`);
  return (weekday - 1) * 24 + hour;
}

export function bucketParts(bucket: number): { weekday: number; hour: number } {
  if (!Number.isInteger(bucket) || bucket < 0 || bucket >= HOURS_PER_WEEK) throw new RangeError(`bucket ${bucket} is not 0–167`);
  return { weekday: Math.floor(bucket / 24) + 1, hour: bucket % 24 };
}

/** The bucket of an instant on the zone's wall clock. */
export function hourOfWeek(at: Date, zone: string): number {
  const local = DateTime.fromJSDate(at, { zone });
  if (!local.isValid) throw new RangeError(`cannot read ${at.toISOString()} in zone ${zone}`);
  return bucketOf(local.weekday, local.hour);
}

/** "Tue 9:00". */
export function bucketLabel(bucket: number): string {
  const { weekday, hour } = bucketParts(bucket);
  return `${WEEKDAYS[weekday - 1]} ${hour}:00`;
}

/** The next instant strictly after `now` at which the zone's clock shows the bucket's weekday and hour, minute 0. */
export function nextOccurrence(bucket: number, zone: string, now: Date): Date {
  const { weekday, hour } = bucketParts(bucket);
  const today = DateTime.fromJSDate(now, { zone });
  const first = (weekday - today.weekday + 7) % 7;
  // This week's day, then the next two: one may be passed already, one may skip the hour (DST).
  for (const ahead of [first, first + 7, first + 14]) {
    const d = new Date(Date.UTC(today.year, today.month - 1, today.day + ahead));
    const resolved = resolveLocalTime({ year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour, minute: 0 }, zone);
    const at = resolved.kind === 'exact' ? resolved.at : resolved.kind === 'overlap' ? resolved.earlier : undefined;
    if (at && at.getTime() > now.getTime()) return at;
  }
  throw new RangeError(`no ${bucketLabel(bucket)} in ${zone} within three weeks of ${now.toISOString()}`);
}
