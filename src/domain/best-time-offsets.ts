import { IANAZone } from 'luxon';

/**
 * A zone's UTC offsets over a window, as periods: from each `start` on, the wall clock is UTC +
 * `offsetMinutes`, until the next period starts. With them the database buckets a row by integer
 * arithmetic, (epoch + offset) → hour of week, which is exactly what `published_at AT TIME ZONE zone`
 * gives and about three times cheaper per row than asking PostgreSQL's zone database for every row
 * (bench: docs/benchmarks.md). Offsets are sampled weekly, then daily inside a week that changed, and
 * each change is found to the millisecond: exact for every zone whose offset changes at most once a
 * week (every zone today; a zone's offset lookup costs about 30 µs, so a year takes ~120 of them, not 365).
 */
export interface OffsetPeriod {
  start: Date;
  offsetMinutes: number;
}

const DAY_MS = 86_400_000;
/** Monday 1970-01-05 00:00 UTC, in hours since the epoch: hour-of-week buckets count from it. */
const FIRST_MONDAY_HOURS = 96;

export function offsetPeriods(zone: string, from: Date, to: Date): OffsetPeriod[] {
  const tz = IANAZone.create(zone);
  if (!tz.isValid) throw new RangeError(`unknown time zone ${zone}`);
  const offset = (ms: number) => tz.offset(ms);
  const periods: OffsetPeriod[] = [{ start: from, offsetMinutes: offset(from.getTime()) }];
  const end = to.getTime();
  for (let week = from.getTime(); week < end; week += 7 * DAY_MS) {
    if (offset(Math.min(week + 7 * DAY_MS, end)) === offset(week)) continue;
    for (let day = week; day < Math.min(week + 7 * DAY_MS, end); day += DAY_MS) {
      const next = Math.min(day + DAY_MS, end);
      if (offset(next) !== offset(day)) periods.push({ start: new Date(firstChange(offset, day, next)), offsetMinutes: offset(next) });
    }
  }
  return periods;
}

/** The first millisecond after `lo` whose offset differs from lo's (binary search; the day holds one change). */
function firstChange(offset: (ms: number) => number, lo: number, hi: number): number {
  const before = offset(lo);
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (offset(mid) === before) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** The hour-of-week bucket of an instant whose zone is `offsetMinutes` ahead of UTC then (the SQL does the same). */
export function bucketAtOffset(at: Date, offsetMinutes: number): number {
  const localHours = Math.floor((at.getTime() / 1000 + offsetMinutes * 60) / 3600);
  return (((localHours - FIRST_MONDAY_HOURS) % 168) + 168) % 168;
}
