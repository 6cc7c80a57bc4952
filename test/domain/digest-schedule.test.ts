import { describe, expect, it } from 'vitest';
import { DIGEST_LATE_WINDOW_MS, digestPeriod, dueDigestPeriod, lastDigestTime, periodDays } from '../../src/domain/digest-schedule.ts';

const at = (iso: string) => new Date(iso);

describe('when the weekly digest is due', () => {
  it('finds the last given weekday and hour in the zone, this week or the one before', () => {
    // Wed 25 Nov 2026, 10:30 in Berlin (09:30 UTC).
    const now = at('2026-11-25T09:30:00Z');
    expect(lastDigestTime(now, 'wed', 10, 'Europe/Berlin')).toEqual(at('2026-11-25T09:00:00Z'));
    expect(lastDigestTime(now, 'wed', 11, 'Europe/Berlin')).toEqual(at('2026-11-18T10:00:00Z'));
    expect(lastDigestTime(now, 'mon', 9, 'Europe/Berlin')).toEqual(at('2026-11-23T08:00:00Z'));
    expect(lastDigestTime(now, 'thu', 9, 'America/New_York')).toEqual(at('2026-11-19T14:00:00Z'));
  });

  it('is due from its hour until the late window closes, and not at all with no day set', () => {
    const settings = { day: 'mon' as const, hour: 9, zone: 'Europe/Berlin' };
    expect(dueDigestPeriod(at('2026-11-23T07:59:00Z'), settings)).toBeUndefined();
    expect(dueDigestPeriod(at('2026-11-23T08:00:00Z'), settings)?.due).toEqual(at('2026-11-23T08:00:00Z'));
    expect(dueDigestPeriod(new Date(at('2026-11-23T08:00:00Z').getTime() + DIGEST_LATE_WINDOW_MS), settings)?.due).toEqual(at('2026-11-23T08:00:00Z'));
    expect(dueDigestPeriod(new Date(at('2026-11-23T08:00:00Z').getTime() + DIGEST_LATE_WINDOW_MS + 1), settings)).toBeUndefined();
    expect(dueDigestPeriod(at('2026-11-23T08:00:00Z'), { ...settings, day: null })).toBeUndefined();
  });

  it('covers the seven whole local days before the due day, across a change of the clocks', () => {
    // Mon 2 Nov 2026 in New York; the clocks went back on Sun 1 Nov.
    const period = digestPeriod(at('2026-11-02T14:00:00Z'), 'America/New_York');
    expect(period.start).toEqual(at('2026-10-26T04:00:00Z'));
    expect(period.end).toEqual(at('2026-11-02T05:00:00Z'));
    expect(periodDays(period, 'America/New_York').map((d) => d.label)).toEqual(['Mon 26', 'Tue 27', 'Wed 28', 'Thu 29', 'Fri 30', 'Sat 31', 'Sun 1']);
    expect(periodDays(period, 'America/New_York')[6]!.date).toBe('2026-11-01');
  });
});
