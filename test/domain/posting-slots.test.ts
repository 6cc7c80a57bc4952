import { describe, expect, it } from 'vitest';
import { parsePublishTime, parseTimeOfDay } from '../../src/domain/publish-time.ts';
import {
  candidateInstants,
  firstFree,
  parseSlotRequest,
  parseSlotSpec,
  parseWeekArg,
  slotInstants,
  slotLabel,
  weekOf,
} from '../../src/domain/posting-slots.ts';

const BERLIN = 'Europe/Berlin';
const NEW_YORK = 'America/New_York';
// Wednesday 24 March 2027, 11:15 in Berlin (CET); Berlin springs forward on Sunday 28 March, 2:00 → 3:00.
const NOW = new Date('2027-03-24T10:15:00Z');
const iso = (dates: Date[]) => dates.map((d) => d.toISOString());
const request = (text: string, zone = BERLIN, now = NOW) => parseSlotRequest(text, zone, now, (t) => parsePublishTime(t, zone, now));

describe('slot instants follow the wall clock', () => {
  it('keeps 9:00 at 9:00 through the spring-forward change (the UTC instant moves an hour)', () => {
    const monday9 = { weekday: 1, minute: 9 * 60, zone: BERLIN };
    expect(iso(slotInstants(monday9, NOW, new Date('2027-04-13T00:00:00Z')))).toEqual([
      '2027-03-29T07:00:00.000Z', // CEST, +02:00
      '2027-04-05T07:00:00.000Z',
      '2027-04-12T07:00:00.000Z',
    ]);
    const friday9 = { weekday: 5, minute: 9 * 60, zone: BERLIN };
    expect(iso(slotInstants(friday9, NOW, new Date('2027-04-03T00:00:00Z')))).toEqual(['2027-03-26T08:00:00.000Z', '2027-04-02T07:00:00.000Z']);
  });

  it('skips a slot in the hour the clocks skip, and takes the first of a repeated hour', () => {
    const sunday230 = { weekday: 7, minute: 150, zone: BERLIN };
    // 28 March 2027 2:30 does not exist in Berlin: that week has no instant; the next Sunday has.
    expect(iso(slotInstants(sunday230, NOW, new Date('2027-04-05T00:00:00Z')))).toEqual(['2027-04-04T00:30:00.000Z']);
    // 31 October 2027 2:30 happens twice (CEST then CET): the first, 00:30 UTC.
    const autumn = new Date('2027-10-27T10:00:00Z');
    expect(iso(slotInstants(sunday230, autumn, new Date('2027-11-01T00:00:00Z')))).toEqual(['2027-10-31T00:30:00.000Z']);
  });

  it("reads the same weekday and minute in each slot's own zone", () => {
    const berlin = { weekday: 5, minute: 9 * 60, zone: BERLIN };
    const newYork = { weekday: 5, minute: 9 * 60, zone: NEW_YORK };
    // New York is already on EDT (since 14 March): 9:00 is 13:00 UTC; Berlin still on CET: 8:00 UTC.
    expect(iso(candidateInstants([newYork, berlin], NOW, new Date('2027-03-27T00:00:00Z')))).toEqual(['2027-03-26T08:00:00.000Z', '2027-03-26T13:00:00.000Z']);
  });

  it('merges equal instants and finds the first free one', () => {
    const a = { weekday: 4, minute: 600, zone: BERLIN };
    const b = { weekday: 4, minute: 540, zone: 'Europe/London' }; // 9:00 London = 10:00 Berlin
    const all = candidateInstants([a, b, { weekday: 5, minute: 600, zone: BERLIN }], NOW, new Date('2027-03-27T00:00:00Z'));
    expect(iso(all)).toEqual(['2027-03-25T09:00:00.000Z', '2027-03-26T09:00:00.000Z']);
    expect(firstFree(all, [new Date('2027-03-25T09:00:00Z')])?.toISOString()).toBe('2027-03-26T09:00:00.000Z');
    expect(firstFree(all, all)).toBeUndefined();
  });
});

describe('"next slot" in the publish time field', () => {
  it('is recognised, with an optional bound', () => {
    expect(request('next slot')).toEqual({ kind: 'next_slot', after: NOW, afterText: null });
    expect(request('  Next   FREE slot ')).toMatchObject({ kind: 'next_slot', after: NOW });
    // "after fri": after that Friday ends, midnight Berlin (CET) = 23:00 UTC.
    expect(request('next slot after fri')).toMatchObject({ after: new Date('2027-03-26T23:00:00Z'), afterText: 'fri' });
    // On a Wednesday "after wed" is after today.
    expect(request('next slot after wednesday')).toMatchObject({ after: new Date('2027-03-24T23:00:00Z') });
    expect(request('next slot after tomorrow')).toMatchObject({ after: new Date('2027-03-25T23:00:00Z') });
    expect(request('next slot after 2027-03-28')).toMatchObject({ after: new Date('2027-03-28T22:00:00Z') }); // CEST by then
    expect(request('next slot after fri 17:00')).toMatchObject({ after: new Date('2027-03-26T16:00:00Z') });
    expect(request('next slot after fri', NEW_YORK)).toMatchObject({ after: new Date('2027-03-27T04:00:00Z') });
  });

  it('is not an ordinary time, and an unreadable bound says what to write', () => {
    expect(request('tomorrow 9am')).toBeUndefined();
    expect(request('next slot after someday')).toMatchObject({ kind: 'error', message: expect.stringContaining('next slot after fri') });
    expect(request('next slot after 2027-02-30')).toEqual({ kind: 'error', message: '2027-02-30 is not a date on the calendar.' });
  });

  it('gets a clear answer where only a time can be used (Reschedule)', () => {
    const result = parsePublishTime('next slot', BERLIN, NOW);
    expect(result).toEqual({ ok: false, message: '"next slot" is chosen when the compose form is sent: use Edit for it, or type a time here.' });
  });
});

describe('/greenlight slots add|remove arguments', () => {
  const spec = (text: string) => parseSlotSpec(text.split(' '), parseTimeOfDay);
  it('reads a network or an account, days and times', () => {
    expect(spec('x tue,thu 9:00')).toEqual({ ok: true, spec: { target: { network: 'x' }, weekdays: [2, 4], minutes: [540] } });
    expect(spec('linkedin:Acme mon-fri 12:30,9am')).toEqual({
      ok: true,
      spec: { target: { network: 'linkedin', account: 'Acme' }, weekdays: [1, 2, 3, 4, 5], minutes: [540, 750] },
    });
    expect(spec('mastodon fri-mon 10:00')).toMatchObject({ spec: { weekdays: [1, 5, 6, 7] } });
    expect(spec('x weekdays 9:00')).toMatchObject({ spec: { weekdays: [1, 2, 3, 4, 5] } });
  });
  it('refuses what it cannot read, saying how to write it', () => {
    expect(spec('myspace tue 9:00')).toMatchObject({ ok: false, message: expect.stringContaining('is not a network') });
    expect(spec('x someday 9:00')).toMatchObject({ ok: false, message: expect.stringContaining('is not a day list') });
    expect(spec('x tue 25:00')).toMatchObject({ ok: false, message: '"25:00" is not a time of day. Write it like 9am, 9:30pm or 17:30.' });
    expect(spec('x tue')).toMatchObject({ ok: false, message: expect.stringContaining('Which time?') });
  });
  it('labels slots', () => {
    expect(slotLabel(2, 540)).toBe('Tue 9:00');
    expect(slotLabel(7, 1425)).toBe('Sun 23:45');
  });
});

describe('weeks', () => {
  it("runs Monday to Monday on the zone's clock, 167 hours in a spring-forward week", () => {
    const week = weekOf(NOW, BERLIN);
    expect(week.start.toISOString()).toBe('2027-03-21T23:00:00.000Z');
    expect(week.end.toISOString()).toBe('2027-03-28T22:00:00.000Z');
    expect(week.days.map((d) => d.label)).toEqual(['Mon 22 Mar', 'Tue 23 Mar', 'Wed 24 Mar', 'Thu 25 Mar', 'Fri 26 Mar', 'Sat 27 Mar', 'Sun 28 Mar']);
    expect((week.end.getTime() - week.start.getTime()) / 3_600_000).toBe(167);
    expect(weekOf(NOW, BERLIN, 1).days[0]!.label).toBe('Mon 29 Mar');
  });
  it('reads the week argument of /greenlight queue', () => {
    expect(parseWeekArg(undefined, BERLIN, NOW)).toBe(0);
    expect(parseWeekArg('next', BERLIN, NOW)).toBe(1);
    expect(parseWeekArg('prev', BERLIN, NOW)).toBe(-1);
    expect(parseWeekArg('+3', BERLIN, NOW)).toBe(3);
    expect(parseWeekArg('2027-04-08', BERLIN, NOW)).toBe(2);
    expect(parseWeekArg('whenever', BERLIN, NOW)).toBeUndefined();
  });
});
