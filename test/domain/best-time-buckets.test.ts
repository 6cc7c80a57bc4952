import { describe, expect, it } from 'vitest';
import { bucketLabel, bucketOf, bucketParts, hourOfWeek, nextOccurrence } from '../../src/domain/best-time-buckets.ts';

const BERLIN = 'Europe/Berlin';
const NEW_YORK = 'America/New_York';
const HOUR = 3_600_000;

/** Every whole UTC hour from `start` (inclusive) to `end` (exclusive), bucketed in `zone`. */
function bucketsBetween(start: string, end: string, zone: string): Map<number, number> {
  const counts = new Map<number, number>();
  for (let t = Date.parse(start); t < Date.parse(end); t += HOUR) {
    const b = hourOfWeek(new Date(t), zone);
    counts.set(b, (counts.get(b) ?? 0) + 1);
  }
  return counts;
}

describe('hour-of-week buckets', () => {
  it('numbers Monday 0:00 as 0 and Sunday 23:00 as 167, on the zone’s wall clock', () => {
    expect(bucketOf(1, 0)).toBe(0);
    expect(bucketOf(7, 23)).toBe(167);
    expect(bucketParts(33)).toEqual({ weekday: 2, hour: 9 });
    expect(bucketLabel(33)).toBe('Tue 9:00');
    // Tuesday 2026-11-24 08:30 UTC is 9:30 in Berlin and 3:30 in New York.
    expect(hourOfWeek(new Date('2026-11-24T08:30:00Z'), BERLIN)).toBe(bucketOf(2, 9));
    expect(hourOfWeek(new Date('2026-11-24T08:30:00Z'), NEW_YORK)).toBe(bucketOf(2, 3));
    // Late Sunday in UTC is already Monday in Tokyo.
    expect(hourOfWeek(new Date('2026-11-29T20:00:00Z'), 'Asia/Tokyo')).toBe(bucketOf(1, 5));
    expect(() => bucketOf(0, 9)).toThrow(RangeError);
    expect(() => bucketParts(168)).toThrow(RangeError);
  });

  it('Berlin spring-forward week: 167 hours, the skipped Sun 2:00 bucket gets nothing', () => {
    // Mon 23 Mar 2026 0:00 CET (+01:00) to Mon 30 Mar 0:00 CEST (+02:00).
    const counts = bucketsBetween('2026-03-22T23:00:00Z', '2026-03-29T22:00:00Z', BERLIN);
    expect([...counts.values()].reduce((a, b) => a + b, 0)).toBe(167);
    expect(counts.size).toBe(167);
    expect(counts.has(bucketOf(7, 2))).toBe(false);
    expect(counts.get(bucketOf(7, 3))).toBe(1);
  });

  it('Berlin fall-back week: 169 hours, both Sun 2:xx hours land in the Sun 2:00 bucket', () => {
    // Mon 19 Oct 2026 0:00 CEST to Mon 26 Oct 0:00 CET.
    const counts = bucketsBetween('2026-10-18T22:00:00Z', '2026-10-25T23:00:00Z', BERLIN);
    expect([...counts.values()].reduce((a, b) => a + b, 0)).toBe(169);
    expect(counts.size).toBe(168);
    expect(counts.get(bucketOf(7, 2))).toBe(2);
    expect(hourOfWeek(new Date('2026-10-25T00:30:00Z'), BERLIN)).toBe(bucketOf(7, 2));
    expect(hourOfWeek(new Date('2026-10-25T01:30:00Z'), BERLIN)).toBe(bucketOf(7, 2));
  });

  it('New York: the spring week skips Sun 2:00, the fall week repeats Sun 1:00', () => {
    const spring = bucketsBetween('2026-03-02T05:00:00Z', '2026-03-09T04:00:00Z', NEW_YORK);
    expect([...spring.values()].reduce((a, b) => a + b, 0)).toBe(167);
    expect(spring.has(bucketOf(7, 2))).toBe(false);
    const fall = bucketsBetween('2026-10-26T04:00:00Z', '2026-11-02T05:00:00Z', NEW_YORK);
    expect([...fall.values()].reduce((a, b) => a + b, 0)).toBe(169);
    expect(fall.get(bucketOf(7, 1))).toBe(2);
    expect(fall.get(bucketOf(7, 2))).toBe(1);
  });
});

describe('the next occurrence of a bucket', () => {
  it('is strictly after now: the current hour’s slot is next week', () => {
    const tuesdayNine = new Date('2026-11-24T08:00:00Z'); // Tue 9:00 Berlin
    expect(nextOccurrence(bucketOf(2, 9), BERLIN, tuesdayNine).toISOString()).toBe('2026-12-01T08:00:00.000Z');
    expect(nextOccurrence(bucketOf(2, 10), BERLIN, tuesdayNine).toISOString()).toBe('2026-11-24T09:00:00.000Z');
    expect(nextOccurrence(bucketOf(1, 9), BERLIN, tuesdayNine).toISOString()).toBe('2026-11-30T08:00:00.000Z');
  });

  it('passes over a week whose clocks skip the hour, and keeps wall-clock time across the change', () => {
    const saturday = new Date('2026-03-28T11:00:00Z'); // Sat 12:00 CET, the day before spring forward
    expect(nextOccurrence(bucketOf(7, 2), BERLIN, saturday).toISOString()).toBe('2026-04-05T00:00:00.000Z');
    expect(nextOccurrence(bucketOf(7, 3), BERLIN, saturday).toISOString()).toBe('2026-03-29T01:00:00.000Z');
    expect(nextOccurrence(bucketOf(1, 9), BERLIN, saturday).toISOString()).toBe('2026-03-30T07:00:00.000Z');
  });

  it('takes the first of a repeated hour', () => {
    expect(nextOccurrence(bucketOf(7, 2), BERLIN, new Date('2026-10-24T10:00:00Z')).toISOString()).toBe('2026-10-25T00:00:00.000Z');
    expect(nextOccurrence(bucketOf(7, 1), NEW_YORK, new Date('2026-10-31T16:00:00Z')).toISOString()).toBe('2026-11-01T05:00:00.000Z');
  });
});
