import { describe, expect, it } from 'vitest';
import { describeRepeat, occurrences, parseRepeat, type RepeatRule } from '../../src/domain/recurrence.ts';

const BERLIN = 'Europe/Berlin';
const clock = (at: Date, zone = BERLIN) =>
  new Intl.DateTimeFormat('en-GB', {
    timeZone: zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(at);
const series = (first: string, zone: string, rule: RepeatRule) => {
  const result = occurrences(new Date(first), zone, rule);
  if (!result.ok) throw new Error(result.message);
  return result.at;
};

describe('repeat clause', () => {
  it('reads every N days or weeks, N times or until a date', () => {
    expect(parseRepeat('every week 52 times')).toEqual({ ok: true, rule: { every: 1, unit: 'week', times: 52 } });
    expect(parseRepeat('Repeat every 2 weeks until 2027-06-30')).toEqual({
      ok: true,
      rule: { every: 2, unit: 'week', until: { year: 2027, month: 6, day: 30 } },
    });
    expect(parseRepeat('every 3 days, 10 times')).toEqual({ ok: true, rule: { every: 3, unit: 'day', times: 10 } });
    expect(parseRepeat('tomorrow 9am')).toBeUndefined();
  });
  it('says what to write when it cannot use one', () => {
    expect(parseRepeat('every week')).toEqual({ ok: false, message: 'Say when the series ends: "… 10 times" or "… until 2027-06-30".' });
    expect(parseRepeat('every fortnight 3 times')).toMatchObject({ ok: false, message: expect.stringContaining('every week 52 times') });
    expect(parseRepeat('every week 500 times')).toEqual({ ok: false, message: 'A series has 2 to 104 occurrences.' });
    expect(parseRepeat('every 0 days 3 times')).toEqual({ ok: false, message: 'Repeat every 1 to 365 days.' });
  });
  it('describes a rule', () => {
    expect(describeRepeat({ every: 1, unit: 'week', times: 52 })).toBe('every week, 52 times');
    expect(describeRepeat({ every: 2, unit: 'week', until: { year: 2027, month: 6, day: 30 } })).toBe('every 2 weeks until 2027-06-30');
  });
});

describe('occurrences keep the local time through DST changes', () => {
  it('a weekly 09:00 post stays at 09:00 in Berlin across the March and October changes, 52 times', () => {
    // Tuesday 2 March 2027, 09:00 CET (08:00 UTC).
    const at = series('2027-03-02T08:00:00Z', BERLIN, { every: 1, unit: 'week', times: 52 });
    expect(at).toHaveLength(52);
    for (const [i, d] of at.entries()) {
      expect(clock(d)).toMatch(/, 09:00$/);
      if (i > 0) expect(new Intl.DateTimeFormat('en-GB', { timeZone: BERLIN, weekday: 'short' }).format(d)).toBe('Tue');
    }
    expect(at[3]!.toISOString()).toBe('2027-03-23T08:00:00.000Z'); // still CET
    expect(at[4]!.toISOString()).toBe('2027-03-30T07:00:00.000Z'); // CEST: one hour earlier in UTC
    expect(at[34]!.toISOString()).toBe('2027-10-26T07:00:00.000Z'); // still CEST
    expect(at[35]!.toISOString()).toBe('2027-11-02T08:00:00.000Z'); // after 31 October, CET again
    expect(at[51]!.toISOString()).toBe('2028-02-22T08:00:00.000Z');
    // 52 distinct instants, each a week of wall-clock time after the last.
    expect(new Set(at.map((d) => d.getTime())).size).toBe(52);
  });

  it('in New York too (different change dates), and every 3 days until a date (inclusive)', () => {
    const at = series('2027-03-08T14:00:00Z', 'America/New_York', { every: 3, unit: 'day', until: { year: 2027, month: 3, day: 20 } });
    expect(at.map((d) => clock(d, 'America/New_York'))).toEqual([
      '08/03/2027, 09:00',
      '11/03/2027, 09:00',
      '14/03/2027, 09:00',
      '17/03/2027, 09:00',
      '20/03/2027, 09:00',
    ]);
    expect(at[2]!.toISOString()).toBe('2027-03-14T13:00:00.000Z'); // EDT from 14 March
  });

  it('moves a time the clocks skip forward by the jump, and keeps the series on its time afterwards', () => {
    const at = series('2027-03-21T01:30:00Z', BERLIN, { every: 1, unit: 'week', times: 3 }); // Sun 02:30 CET
    expect(at.map((d) => clock(d))).toEqual(['21/03/2027, 02:30', '28/03/2027, 03:30', '04/04/2027, 02:30']);
  });

  it('refuses a series that ends before it starts, runs on for more than 2 years or 104 posts, or has one post', () => {
    expect(occurrences(new Date('2027-03-02T08:00:00Z'), BERLIN, { every: 1, unit: 'week', until: { year: 2027, month: 3, day: 1 } })).toEqual({
      ok: false,
      message: 'The series would end (2027-03-01) before its first post.',
    });
    expect(occurrences(new Date('2027-03-02T08:00:00Z'), BERLIN, { every: 1, unit: 'week', until: { year: 2030, month: 1, day: 1 } })).toEqual({
      ok: false,
      message: 'A series ends within 2 years of its first post.',
    });
    expect(occurrences(new Date('2027-03-02T08:00:00Z'), BERLIN, { every: 1, unit: 'day', until: { year: 2027, month: 12, day: 1 } })).toEqual({
      ok: false,
      message: 'That makes more than 104 posts: repeat less often, or end sooner.',
    });
    expect(occurrences(new Date('2027-03-02T08:00:00Z'), BERLIN, { every: 1, unit: 'week', until: { year: 2027, month: 3, day: 3 } })).toEqual({
      ok: false,
      message: 'That series has a single post: end it later, or post once.',
    });
  });
});
