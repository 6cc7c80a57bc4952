import { DateTime } from 'luxon';
import { type LocalDateTime, isValidTimeZone, resolveLocalTime } from './local-time.ts';
import { formatDay, formatInZone, formatIsoMinute, formatMinutes, formatOffset } from './time-format.ts';

export { formatInZone, formatTimeOfDay } from './time-format.ts';

export type PublishTimeResult = { ok: true; at: Date } | { ok: false; message: string };

/** "now" may be a little behind the clock by the time the form is submitted. */
const PAST_TOLERANCE_MS = 60_000;

const EXAMPLES = '"now", "in 2h", "tomorrow 9am", "fri 17:30", "2026-11-24 09:00" or an ISO time with an offset';
const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const WEEKDAY_NAMES = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];

const RELATIVE = /^in (\d+|an?) ?(m|mins?|minutes?|h|hrs?|hours?|d|days?|w|wks?|weeks?)$/;
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}[t ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(z|[+-]\d{2}(:?\d{2})?)$/;
const LOCAL_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:t| at | )(.+)$/;
const NAMED_DAY = /^(?:on )?([a-z]+)(?: at)? (.+)$/;

/**
 * Reads a publish time as an author types it, in the author's IANA zone, relative to `now`.
 * Local times that fall in a DST gap or overlap are refused with a message that says what to write instead.
 */
export function parsePublishTime(input: string, zone: string, now: Date): PublishTimeResult {
  if (!isValidTimeZone(zone)) {
    return { ok: false, message: `"${zone}" is not a time zone I know. Use an IANA name such as Europe/Berlin.` };
  }
  const text = input.trim().toLowerCase().replace(/\s+/g, ' ');
  const result = parseNormalized(text, zone, now) ?? {
    ok: false,
    message: `I could not read "${input.trim()}" as a time. Try ${EXAMPLES}.`,
  };
  if (!result.ok) return result;
  if (result.at.getTime() < now.getTime() - PAST_TOLERANCE_MS) {
    return { ok: false, message: `${formatInZone(result.at, zone, { withYear: true })} is in the past. Pick a later time, or write "now".` };
  }
  return result;
}

/** undefined when the text matches none of the forms. */
function parseNormalized(text: string, zone: string, now: Date): PublishTimeResult | undefined {
  if (text === 'now') return { ok: true, at: now };
  // "next slot" needs the database: the compose form resolves it (src/domain/posting-slots.ts); here it only gets a clear answer.
  if (/^next (?:free )?slot\b/.test(text)) return { ok: false, message: '"next slot" is chosen when the compose form is sent: use Edit for it, or type a time here.' };

  const relative = RELATIVE.exec(text);
  if (relative) return addToNow(relative[1] ?? '', relative[2] ?? '', zone, now);

  if (ISO_WITH_OFFSET.test(text)) {
    const parsed = DateTime.fromISO(text.replace(' ', 'T').toUpperCase(), { setZone: true });
    return parsed.isValid ? { ok: true, at: parsed.toJSDate() } : { ok: false, message: `"${text}" is not a valid date and time.` };
  }

  const local = LOCAL_DATE.exec(text);
  if (local) {
    const date = { year: Number(local[1]), month: Number(local[2]), day: Number(local[3]) };
    return atLocalTime(date, local[4] ?? '', zone);
  }

  const today = DateTime.fromJSDate(now, { zone });
  const bareTime = parseTimeOfDay(text);
  if (bareTime) return atLocalTime(addDays(today, laterToday(bareTime, today) ? 0 : 1), text, zone);

  const named = NAMED_DAY.exec(text);
  if (named) {
    const [, dayWord = '', timeText = ''] = named;
    const time = parseTimeOfDay(timeText);
    if (dayWord === 'today') return atLocalTime(addDays(today, 0), timeText, zone);
    if (dayWord === 'tomorrow') return atLocalTime(addDays(today, 1), timeText, zone);
    const weekday = weekdayNumber(dayWord);
    if (weekday !== undefined) {
      if (!time) return notATimeOfDay(timeText);
      let ahead = (weekday - today.weekday + 7) % 7;
      if (ahead === 0 && !laterToday(time, today)) ahead = 7;
      return atLocalTime(addDays(today, ahead), timeText, zone);
    }
  }
  return undefined;
}

function addToNow(amountText: string, unit: string, zone: string, now: Date): PublishTimeResult {
  const amount = /^\d+$/.test(amountText) ? Number(amountText) : 1;
  const start = DateTime.fromJSDate(now, { zone });
  // Minutes and hours are elapsed time; days and weeks keep the wall-clock time across a DST change.
  const key = unit.startsWith('m') ? 'minutes' : unit.startsWith('h') ? 'hours' : unit.startsWith('d') ? 'days' : 'weeks';
  return { ok: true, at: start.plus({ [key]: amount }).toJSDate() };
}

interface TimeOfDay {
  hour: number;
  minute: number;
}

/** "9am", "9:30 pm", "12am" (midnight), "17:30", "09:00", "noon", "midnight". */
export function parseTimeOfDay(text: string): TimeOfDay | undefined {
  if (text === 'noon') return { hour: 12, minute: 0 };
  if (text === 'midnight') return { hour: 0, minute: 0 };
  const twelveHour = /^(\d{1,2})(?::(\d{2}))? ?(am|pm)$/.exec(text);
  if (twelveHour) {
    const hour = Number(twelveHour[1]);
    const minute = Number(twelveHour[2] ?? '0');
    if (hour < 1 || hour > 12 || minute > 59) return undefined;
    return { hour: (hour % 12) + (twelveHour[3] === 'pm' ? 12 : 0), minute };
  }
  // Seconds are accepted when zero ("09:00:00", as an ISO local time is often written): posts go out on the minute.
  const twentyFourHour = /^(\d{1,2}):(\d{2})(?::00(?:\.0+)?)?$/.exec(text);
  if (twentyFourHour) {
    const hour = Number(twentyFourHour[1]);
    const minute = Number(twentyFourHour[2]);
    return hour <= 23 && minute <= 59 ? { hour, minute } : undefined;
  }
  return undefined;
}

type LocalDate = Pick<LocalDateTime, 'year' | 'month' | 'day'>;

function addDays(today: DateTime, days: number): LocalDate {
  const date = new Date(Date.UTC(today.year, today.month - 1, today.day + days));
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
}

/** Whether `time` is still ahead on today's clock (the current minute counts as ahead). */
function laterToday(time: TimeOfDay, now: DateTime): boolean {
  return time.hour * 60 + time.minute >= now.hour * 60 + now.minute;
}

function weekdayNumber(word: string): number | undefined {
  const index = Math.max(WEEKDAYS.indexOf(word), WEEKDAY_NAMES.indexOf(word));
  return index === -1 ? undefined : index + 1;
}

function atLocalTime(date: LocalDate, timeText: string, zone: string): PublishTimeResult {
  const time = parseTimeOfDay(timeText);
  if (!time) return notATimeOfDay(timeText);
  const resolution = resolveLocalTime({ ...date, ...time }, zone);
  const clock = `${pad(time.hour)}:${pad(time.minute)}`;
  const isoDate = `${date.year}-${pad(date.month)}-${pad(date.day)}`;
  switch (resolution.kind) {
    case 'exact':
      return { ok: true, at: resolution.at };
    case 'not_a_date':
      return { ok: false, message: `${isoDate} is not a date on the calendar.` };
    case 'gap': {
      const { suggestion, jumpMinutes } = resolution;
      const day = formatDay(suggestion, zone);
      return {
        ok: false,
        message:
          `${clock} does not exist on ${day} in ${zone}: the clocks go forward ${formatMinutes(jumpMinutes)}. ` +
          `Did you mean ${formatIsoMinute(suggestion, zone).slice(11, 16)} (${formatIsoMinute(suggestion, zone)})?`,
      };
    }
    case 'overlap': {
      const { earlier, later } = resolution;
      const first = formatIsoMinute(earlier, zone);
      const second = formatIsoMinute(later, zone);
      return {
        ok: false,
        message:
          `${clock} happens twice on ${formatDay(earlier, zone)} in ${zone} ` +
          `(${formatOffset(earlier, zone)} and ${formatOffset(later, zone)}): write it with the offset, ` +
          `e.g. ${first} for the first or ${second} for the second.`,
      };
    }
  }
}

function notATimeOfDay(text: string): PublishTimeResult {
  return { ok: false, message: `"${text}" is not a time of day. Write it like 9am, 9:30pm or 17:30.` };
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
