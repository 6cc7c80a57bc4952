import { describe, expect, it } from 'vitest';
import { InvalidTimeZoneError } from '../../src/domain/errors.ts';
import { formatInZone, formatTimeOfDay, parsePublishTime } from '../../src/domain/publish-time.ts';

const BERLIN = 'Europe/Berlin';
const NEW_YORK = 'America/New_York';
// Wednesday 24 March 2027, 11:15 in Berlin (CET, +01:00), 06:15 in New York (EDT, -04:00).
const NOW = new Date('2027-03-24T10:15:00Z');

function at(input: string, zone = BERLIN, now = NOW): string {
  const result = parsePublishTime(input, zone, now);
  if (!result.ok) throw new Error(`expected ${input} to parse, got: ${result.message}`);
  return result.at.toISOString();
}

function refusal(input: string, zone = BERLIN, now = NOW): string {
  const result = parsePublishTime(input, zone, now);
  if (result.ok) throw new Error(`expected ${input} to be refused, got ${result.at.toISOString()}`);
  return result.message;
}

describe('relative forms', () => {
  it.each([
    ['now', '2027-03-24T10:15:00.000Z'],
    ['  NOW ', '2027-03-24T10:15:00.000Z'],
    ['in 2h', '2027-03-24T12:15:00.000Z'],
    ['in 90m', '2027-03-24T11:45:00.000Z'],
    ['in 45 minutes', '2027-03-24T11:00:00.000Z'],
    ['in an hour', '2027-03-24T11:15:00.000Z'],
    ['in 3 days', '2027-03-27T10:15:00.000Z'],
    ['in 1 week', '2027-03-31T09:15:00.000Z'], // crosses the change to summer time: same wall-clock time
  ])('%s', (input, expected) => {
    expect(at(input)).toBe(expected);
  });

  it('counts hours as elapsed time across a DST change', () => {
    // 01:30 CET on the night the clocks go forward; two hours later it is 04:30 CEST.
    expect(at('in 2h', BERLIN, new Date('2027-03-28T00:30:00Z'))).toBe('2027-03-28T02:30:00.000Z');
  });
});

describe('named days', () => {
  it.each([
    ['tomorrow 9am', '2027-03-25T08:00:00.000Z'],
    ['tomorrow 17:30', '2027-03-25T16:30:00.000Z'],
    ['tomorrow at 9:30 pm', '2027-03-25T20:30:00.000Z'],
    ['tomorrow 12am', '2027-03-24T23:00:00.000Z'],
    ['tomorrow noon', '2027-03-25T11:00:00.000Z'],
    ['today 17:30', '2027-03-24T16:30:00.000Z'],
    ['fri 17:30', '2027-03-26T16:30:00.000Z'],
    ['friday 9am', '2027-03-26T08:00:00.000Z'],
    ['on Friday at 9am', '2027-03-26T08:00:00.000Z'],
    ['wed 12:00', '2027-03-24T11:00:00.000Z'], // today, still ahead
    ['wed 11:15', '2027-03-24T10:15:00.000Z'], // today, this very minute
    ['wed 9am', '2027-03-31T07:00:00.000Z'], // today's has passed: next week, after the change to summer time
    ['mon 9:00', '2027-03-29T07:00:00.000Z'],
    ['17:30', '2027-03-24T16:30:00.000Z'], // a bare time is its next occurrence
    ['9am', '2027-03-25T08:00:00.000Z'],
  ])('%s', (input, expected) => {
    expect(at(input)).toBe(expected);
  });

  it('reads weekdays in the given zone', () => {
    // 06:15 Wednesday in New York.
    expect(at('wed 9am', NEW_YORK)).toBe('2027-03-24T13:00:00.000Z');
    expect(at('tomorrow 9am', NEW_YORK)).toBe('2027-03-25T13:00:00.000Z');
  });

  it('refuses a time of day it cannot read', () => {
    expect(refusal('fri 25:00')).toBe('"25:00" is not a time of day. Write it like 9am, 9:30pm or 17:30.');
    expect(refusal('tomorrow 13pm')).toContain('is not a time of day');
  });
});

describe('absolute forms', () => {
  it('reads a local date and time in the zone', () => {
    expect(at('2027-11-24 09:00')).toBe('2027-11-24T08:00:00.000Z');
    expect(at('2027-11-24T09:00')).toBe('2027-11-24T08:00:00.000Z');
    expect(at('2027-11-24T09:00:00')).toBe('2027-11-24T08:00:00.000Z');
    expect(refusal('2027-11-24T09:00:30')).toContain('09:00:30');
    expect(at('2027-07-01 9am')).toBe('2027-07-01T07:00:00.000Z');
    expect(at('2027-11-24 09:00', NEW_YORK)).toBe('2027-11-24T14:00:00.000Z');
  });

  it('reads ISO 8601 with an offset, whatever the zone', () => {
    expect(at('2027-11-24T09:00:00+05:30')).toBe('2027-11-24T03:30:00.000Z');
    expect(at('2027-11-24T09:00Z', NEW_YORK)).toBe('2027-11-24T09:00:00.000Z');
    expect(at('2027-11-24 09:00-0500')).toBe('2027-11-24T14:00:00.000Z');
  });

  it('refuses a date that is not on the calendar', () => {
    expect(refusal('2027-02-30 09:00')).toBe('2027-02-30 is not a date on the calendar.');
    expect(refusal('2027-13-01T09:00+01:00')).toContain('is not a valid date and time');
  });

  it('refuses text it cannot read', () => {
    expect(refusal('next tuesday-ish')).toMatch(/^I could not read "next tuesday-ish" as a time\. Try "now"/);
    expect(refusal('in 2 fortnights')).toContain('could not read');
  });
});

describe('time zones and DST', () => {
  it('refuses an unknown zone', () => {
    expect(refusal('now', 'Mars/Olympus')).toBe('"Mars/Olympus" is not a time zone I know. Use an IANA name such as Europe/Berlin.');
  });

  it('refuses a time skipped by spring-forward in Berlin and suggests the valid one', () => {
    expect(refusal('2027-03-28 02:30')).toBe(
      '02:30 does not exist on 28 Mar 2027 in Europe/Berlin: the clocks go forward 1 hour. ' + 'Did you mean 03:30 (2027-03-28T03:30+02:00)?',
    );
  });

  it('refuses a time skipped by spring-forward in New York', () => {
    expect(refusal('2027-03-14 02:15', NEW_YORK)).toBe(
      '02:15 does not exist on 14 Mar 2027 in America/New_York: the clocks go forward 1 hour. ' + 'Did you mean 03:15 (2027-03-14T03:15-04:00)?',
    );
  });

  it('names a half-hour jump (Lord Howe Island)', () => {
    expect(refusal('2027-10-03 02:15', 'Australia/Lord_Howe')).toBe(
      '02:15 does not exist on 3 Oct 2027 in Australia/Lord_Howe: the clocks go forward 30 minutes. ' + 'Did you mean 02:45 (2027-10-03T02:45+11:00)?',
    );
  });

  it('catches the gap in relative forms too', () => {
    expect(refusal('tomorrow 2:30am', BERLIN, new Date('2027-03-27T12:00:00Z'))).toContain('does not exist');
  });

  it('accepts the edges of the gap', () => {
    expect(at('2027-03-28 01:59')).toBe('2027-03-28T00:59:00.000Z');
    expect(at('2027-03-28 03:00')).toBe('2027-03-28T01:00:00.000Z');
  });

  it('refuses a time that happens twice at fall-back in Berlin, naming both offsets', () => {
    expect(refusal('2027-10-31 02:30')).toBe(
      '02:30 happens twice on 31 Oct 2027 in Europe/Berlin (+02:00 and +01:00): write it with the offset, ' +
        'e.g. 2027-10-31T02:30+02:00 for the first or 2027-10-31T02:30+01:00 for the second.',
    );
  });

  it('refuses a time that happens twice at fall-back in New York', () => {
    expect(refusal('2027-11-07 01:30', NEW_YORK)).toBe(
      '01:30 happens twice on 7 Nov 2027 in America/New_York (-04:00 and -05:00): write it with the offset, ' +
        'e.g. 2027-11-07T01:30-04:00 for the first or 2027-11-07T01:30-05:00 for the second.',
    );
  });

  it('accepts either occurrence when the offset is written', () => {
    expect(at('2027-10-31T02:30+02:00')).toBe('2027-10-31T00:30:00.000Z');
    expect(at('2027-10-31T02:30+01:00')).toBe('2027-10-31T01:30:00.000Z');
  });

  it('accepts the times just outside the overlap', () => {
    expect(at('2027-10-31 01:59')).toBe('2027-10-30T23:59:00.000Z');
    expect(at('2027-10-31 03:00')).toBe('2027-10-31T02:00:00.000Z');
  });
});

describe('times in the past', () => {
  it('refuses a time more than a minute ago', () => {
    expect(refusal('today 9am')).toBe('Wed 24 Mar 2027, 9:00 Europe/Berlin is in the past. Pick a later time, or write "now".');
    expect(refusal('2027-03-24T10:13:59Z')).toContain('is in the past');
    expect(refusal('2026-11-24 09:00')).toContain('is in the past');
  });

  it('accepts now and the last minute', () => {
    expect(at('2027-03-24T10:14:30Z')).toBe('2027-03-24T10:14:30.000Z');
    expect(at('2027-03-24T10:14:00Z')).toBe('2027-03-24T10:14:00.000Z');
  });
});

describe('formatting', () => {
  const nov = new Date('2026-11-24T08:00:00Z');

  it('formats a time in a zone', () => {
    expect(formatInZone(nov, BERLIN)).toBe('Tue 24 Nov, 9:00 Europe/Berlin');
    expect(formatInZone(nov, NEW_YORK)).toBe('Tue 24 Nov, 3:00 America/New_York');
    expect(formatInZone(nov, BERLIN, { withYear: true })).toBe('Tue 24 Nov 2026, 9:00 Europe/Berlin');
  });

  it('formats the time of day on a 24-hour clock', () => {
    expect(formatTimeOfDay(nov, BERLIN)).toBe('9:00');
    expect(formatTimeOfDay(new Date('2026-11-24T16:05:00Z'), BERLIN)).toBe('17:05');
  });

  it('throws a domain error for an unknown zone', () => {
    expect(() => formatInZone(nov, 'Nowhere/Land')).toThrow(InvalidTimeZoneError);
  });
});

describe('the horizon', () => {
  it('refuses enormous relative times with a message instead of an invalid date', () => {
    for (const input of ['in 99999999999 days', 'in 99999999999999999999 minutes', 'in 9007199254740993 weeks']) {
      expect(refusal(input)).toBe(`"${input}" is too far ahead: posts can be scheduled at most 2 years ahead (until Sat 24 Mar 2029, 11:15 Europe/Berlin).`);
    }
  });

  it('accepts up to two years ahead and refuses later', () => {
    expect(at('in 730 days')).toBe('2029-03-23T10:15:00.000Z');
    expect(refusal('in 732 days')).toContain('is too far ahead');
    expect(refusal('2099-01-01 09:00')).toContain('"2099-01-01 09:00" is too far ahead');
    expect(refusal('9999-12-31T23:59Z')).toContain('is too far ahead');
  });
});

describe('the fall-back night (Berlin, 31 Oct 2027: 02:00-02:59 happens twice)', () => {
  const FIRST_PASS_0220 = new Date('2027-10-31T00:20:00Z'); // 02:20 +02:00
  const SECOND_PASS_0220 = new Date('2027-10-31T01:20:00Z'); // 02:20 +01:00

  it('during the first pass, an earlier time in the repeated hour is its second pass, not tomorrow', () => {
    expect(at('02:10', BERLIN, FIRST_PASS_0220)).toBe('2027-10-31T01:10:00.000Z');
    expect(at('sun 02:10', BERLIN, FIRST_PASS_0220)).toBe('2027-10-31T01:10:00.000Z');
    expect(at('2:10am', BERLIN, FIRST_PASS_0220)).toBe('2027-10-31T01:10:00.000Z');
    expect(at('today 02:10', BERLIN, FIRST_PASS_0220)).toBe('2027-10-31T01:10:00.000Z');
  });

  it('during the first pass, a later time in the repeated hour is still asked about', () => {
    expect(refusal('02:30', BERLIN, FIRST_PASS_0220)).toContain('02:30 happens twice on 31 Oct 2027');
  });

  it('during the second pass, a later time in the hour is its second pass; an earlier one is tomorrow', () => {
    expect(at('02:30', BERLIN, SECOND_PASS_0220)).toBe('2027-10-31T01:30:00.000Z');
    expect(at('sunday 02:30', BERLIN, SECOND_PASS_0220)).toBe('2027-10-31T01:30:00.000Z');
    expect(at('02:10', BERLIN, SECOND_PASS_0220)).toBe('2027-11-01T01:10:00.000Z');
    expect(refusal('today 02:10', BERLIN, SECOND_PASS_0220)).toBe('Sun 31 Oct 2027, 2:10 Europe/Berlin is in the past. Pick a later time, or write "now".');
    expect(at('sun 02:10', BERLIN, SECOND_PASS_0220)).toBe('2027-11-07T01:10:00.000Z');
  });
});

describe('days and weeks that land in a gap or an overlap', () => {
  it('asks when "in 1d" lands on a skipped time', () => {
    expect(refusal('in 1d', BERLIN, new Date('2027-03-27T01:30:00Z'))).toBe(
      '"in 1d" would be 02:30 on 28 Mar 2027. 02:30 does not exist on 28 Mar 2027 in Europe/Berlin: ' +
        'the clocks go forward 1 hour. Did you mean 03:30 (2027-03-28T03:30+02:00)?',
    );
  });

  it('asks when "in 1 week" lands on a time that happens twice', () => {
    expect(refusal('in 1 week', BERLIN, new Date('2027-10-24T00:30:00Z'))).toBe(
      '"in 1 week" would be 02:30 on 31 Oct 2027. 02:30 happens twice on 31 Oct 2027 in Europe/Berlin ' +
        '(+02:00 and +01:00): write it with the offset, e.g. 2027-10-31T02:30+02:00 for the first or ' +
        '2027-10-31T02:30+01:00 for the second.',
    );
  });
});

describe('messages', () => {
  it('names a skipped calendar day as itself (Samoa skipped 30 Dec 2011)', () => {
    expect(refusal('2011-12-30 09:00', 'Pacific/Apia', new Date('2011-12-01T00:00:00Z'))).toBe(
      '30 Dec 2011 does not exist in Pacific/Apia: the clocks skip that day. Did you mean 2011-12-31T09:00+14:00?',
    );
  });

  it('quotes the input as typed', () => {
    expect(refusal('Tomorrow 13PM')).toBe('"13PM" is not a time of day. Write it like 9am, 9:30pm or 17:30.');
    expect(refusal('2027-13-01T09:00+01:00')).toBe('"2027-13-01T09:00+01:00" is not a valid date and time.');
  });
});
