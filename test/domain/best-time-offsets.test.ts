import { describe, expect, it } from 'vitest';
import { hourOfWeek } from '../../src/domain/best-time-buckets.ts';
import { bucketAtOffset, offsetPeriods } from '../../src/domain/best-time-offsets.ts';

const periodsOf = (zone: string, from: string, to: string) =>
  offsetPeriods(zone, new Date(from), new Date(to)).map((p) => [p.start.toISOString(), p.offsetMinutes]);

/** The offset in force at `at`, from the periods (as the SQL CASE picks it). */
function offsetAt(periods: ReturnType<typeof offsetPeriods>, at: Date): number {
  return periods.filter((p) => p.start.getTime() <= at.getTime()).at(-1)!.offsetMinutes;
}

describe('UTC offset periods of a zone', () => {
  it('finds each DST change to the millisecond', () => {
    expect(periodsOf('Europe/Berlin', '2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z')).toEqual([
      ['2026-01-01T00:00:00.000Z', 60],
      ['2026-03-29T01:00:00.000Z', 120],
      ['2026-10-25T01:00:00.000Z', 60],
    ]);
    expect(periodsOf('America/New_York', '2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z')).toEqual([
      ['2026-01-01T00:00:00.000Z', -300],
      ['2026-03-08T07:00:00.000Z', -240],
      ['2026-11-01T06:00:00.000Z', -300],
    ]);
    expect(periodsOf('Asia/Kolkata', '2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z')).toEqual([['2026-01-01T00:00:00.000Z', 330]]);
  });

  it.each(['Europe/Berlin', 'America/New_York', 'Asia/Kathmandu', 'Australia/Lord_Howe', 'UTC'])(
    'buckets by offset exactly as by the wall clock in %s',
    (zone) => {
      const from = new Date('2026-01-01T00:00:00Z');
      const periods = offsetPeriods(zone, from, new Date('2027-01-01T00:00:00Z'));
      for (let t = from.getTime(); t < Date.parse('2027-01-01T00:00:00Z'); t += 7 * 60_000 * 61) {
        const at = new Date(t);
        expect(bucketAtOffset(at, offsetAt(periods, at))).toBe(hourOfWeek(at, zone));
      }
    },
  );
});
