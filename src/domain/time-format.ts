import { DateTime } from 'luxon';
import { InvalidTimeZoneError } from './errors.ts';
import { isValidTimeZone } from './local-time.ts';

// Fixed English names so every card reads the same whatever the server's locale.
const LOCALE = 'en-US';

function inZone(at: Date, zone: string): DateTime {
  if (!isValidTimeZone(zone)) throw new InvalidTimeZoneError(zone);
  return DateTime.fromJSDate(at, { zone }).setLocale(LOCALE);
}

/** "Tue 24 Nov, 9:00 Europe/Berlin" (24-hour clock; add the year with `withYear`). */
export function formatInZone(at: Date, zone: string, opts?: { withYear?: boolean }): string {
  const pattern = opts?.withYear ? 'ccc d LLL yyyy, H:mm' : 'ccc d LLL, H:mm';
  return `${inZone(at, zone).toFormat(pattern)} ${zone}`;
}

/**
 * "9:00", "17:30": a 24-hour clock, because the teams span countries and 24-hour times cannot be misread
 * as the wrong half of the day.
 */
export function formatTimeOfDay(at: Date, zone: string): string {
  return inZone(at, zone).toFormat('H:mm');
}

/** "31 Oct 2027", for messages about a particular day. */
export function formatDay(at: Date, zone: string): string {
  return inZone(at, zone).toFormat('d LLL yyyy');
}

/** "30 Dec 2011": a calendar day as written, even one a zone skipped (Pacific/Apia jumped over 30 Dec 2011). */
export function formatCalendarDay(date: { year: number; month: number; day: number }): string {
  return DateTime.fromObject(date, { zone: 'UTC' }).setLocale(LOCALE).toFormat('d LLL yyyy');
}

/** "2027-10-31T02:30+01:00": an unambiguous time a person can paste back. */
export function formatIsoMinute(at: Date, zone: string): string {
  return inZone(at, zone).toFormat("yyyy-MM-dd'T'HH:mmZZ");
}

export function formatOffset(at: Date, zone: string): string {
  return inZone(at, zone).toFormat('ZZ');
}

/** "1 hour", "30 minutes", "1 hour 30 minutes". */
export function formatMinutes(total: number): string {
  const hours = Math.floor(total / 60);
  const minutes = total % 60;
  const words: string[] = [];
  if (hours > 0) words.push(`${hours} ${hours === 1 ? 'hour' : 'hours'}`);
  if (minutes > 0 || hours === 0) words.push(`${minutes} ${minutes === 1 ? 'minute' : 'minutes'}`);
  return words.join(' ');
}
