import { DateTime } from 'luxon';

export const DIGEST_DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type DigestDay = (typeof DIGEST_DAYS)[number];

export function isDigestDay(value: string): value is DigestDay {
  return (DIGEST_DAYS as readonly string[]).includes(value);
}

/** How late a digest may still go out: a server down at the hour sends it when it is back that day. */
export const DIGEST_LATE_WINDOW_MS = 12 * 3600_000;

export interface DigestPeriod {
  /** When the digest was due: its day at its hour in the workspace's zone (what makes it once a week). */
  due: Date;
  /** The seven whole local days before the due day: from `start` (inclusive) to `end` (exclusive). */
  start: Date;
  end: Date;
}

/** The last time, at or before `now`, that the clocks of `zone` showed `day` at `hour`:00. */
export function lastDigestTime(now: Date, day: DigestDay, hour: number, zone: string): Date {
  const local = DateTime.fromJSDate(now, { zone });
  const back = (local.weekday - (DIGEST_DAYS.indexOf(day) + 1) + 7) % 7;
  let due = local.minus({ days: back }).set({ hour, minute: 0, second: 0, millisecond: 0 });
  if (due > local) due = due.minus({ weeks: 1 });
  return due.toJSDate();
}

/**
 * The digest due now, if any: its day and hour have passed, but not by more than the late window (a
 * digest switched on mid-week waits for its day instead of reporting at once).
 */
export function dueDigestPeriod(now: Date, settings: { day: DigestDay | null; hour: number; zone: string }): DigestPeriod | undefined {
  if (!settings.day) return undefined;
  const due = lastDigestTime(now, settings.day, settings.hour, settings.zone);
  if (now.getTime() - due.getTime() > DIGEST_LATE_WINDOW_MS) return undefined;
  return digestPeriod(due, settings.zone);
}

/** The week a digest due at `due` reports on: the seven local days before its day. */
export function digestPeriod(due: Date, zone: string): DigestPeriod {
  const end = DateTime.fromJSDate(due, { zone }).startOf('day');
  return { due, start: end.minus({ weeks: 1 }).toJSDate(), end: end.toJSDate() };
}

/** The seven local days of a period, as the chart labels them ("Mon 17"), with their ISO dates. */
export function periodDays(period: DigestPeriod, zone: string): { label: string; date: string }[] {
  const start = DateTime.fromJSDate(period.start, { zone });
  return Array.from({ length: 7 }, (_, i) => {
    const day = start.plus({ days: i });
    return { label: day.toFormat('ccc d', { locale: 'en-GB' }), date: day.toISODate()! };
  });
}

/** An instant inside the period's last local day (for naming that day). */
export function lastDayOf(period: DigestPeriod): Date {
  return new Date(period.end.getTime() - 12 * 3600_000);
}
