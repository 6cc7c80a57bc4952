import { DateTime } from 'luxon';
import { type LocalDateTime, type LocalTimeResolution, isValidTimeZone, resolveLocalTime } from './local-time.ts';
import { formatCalendarDay, formatInZone, formatIsoMinute, formatMinutes, formatOffset } from './time-format.ts';

export { formatInZone, formatTimeOfDay } from './time-format.ts';

export type PublishTimeResult = { ok: true; at: Date } | { ok: false; message: string };

/** "now" may be a little behind the clock by the time the form is submitted. */
const PAST_TOLERANCE_MS = 60_000;

/**
 * The furthest ahead a post may be scheduled, in calendar years from now (documented in docs/slack.md, "Writing the
 * publish time"). Anything later is refused with a message: it is far more likely a typo than a plan, and an unbounded
 * time ("in 99999999999 days") is not a date at all.
 */
export const MAX_YEARS_AHEAD = 2;

/** Longer input is quoted shortened in messages (a pasted paragraph is not a time anyway). */
const MAX_QUOTED_LENGTH = 60;

const EXAMPLES = '"now", "in 2h", "tomorrow 9am", "fri 17:30", "2026-11-24 09:00" or an ISO time with an offset';
const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const WEEKDAY_NAMES = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];

const RELATIVE = /^in (\d+|an?) ?(m|mins?|minutes?|h|hrs?|hours?|d|days?|w|wks?|weeks?)$/;
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}[t ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(z|[+-]\d{2}(:?\d{2})?)$/;
const LOCAL_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:t| at | )(.+)$/;
const NAMED_DAY = /^(?:on )?([a-z]+)(?: at)? (.+)$/;

/** What every form of publish time is read against. */
interface ParseContext {
  /** Lower case, single spaces. */
  text: string;
  /** The input as the author typed it (trimmed), for quoting back. */
  typed: string;
  zone: string;
  now: Date;
  /** `now` on the zone's clock. */
  today: DateTime;
}

/** One way of writing a publish time: undefined when the text is not written this way. */
type PublishTimeForm = (ctx: ParseContext) => PublishTimeResult | undefined;

/**
 * The forms, tried in order. A new form (a named slot, say) is one more entry; each returns either a time, a
 * refusal that says what to write instead, or undefined to let the next form try.
 */
const FORMS: readonly PublishTimeForm[] = [
  ({ text, now }) => (text === 'now' ? { ok: true, at: now } : undefined),
  // "next slot" needs the database: the compose form resolves it (src/domain/posting-slots.ts); here it only gets a clear answer.
  ({ text }) =>
    /^next (?:free )?slot\b/.test(text)
      ? { ok: false, message: '"next slot" is chosen when the compose form is sent: use Edit for it, or type a time here.' }
      : undefined,
  relativeForm,
  isoWithOffsetForm,
  localDateForm,
  bareTimeForm,
  namedDayForm,
];

/**
 * Reads a publish time as an author types it, in the author's IANA zone, relative to `now`.
 * Local times that fall in a DST gap or overlap are refused with a message that says what to write instead;
 * times in the past or more than MAX_YEARS_AHEAD years ahead are refused too. Never throws.
 */
export function parsePublishTime(input: string, zone: string, now: Date): PublishTimeResult {
  if (!isValidTimeZone(zone)) {
    return { ok: false, message: `"${zone}" is not a time zone I know. Use an IANA name such as Europe/Berlin.` };
  }
  const typed = input.trim();
  const ctx: ParseContext = {
    text: typed.toLowerCase().replace(/\s+/g, ' '),
    typed,
    zone,
    now,
    today: DateTime.fromJSDate(now, { zone }),
  };
  let result: PublishTimeResult | undefined;
  for (const form of FORMS) {
    result = form(ctx);
    if (result) break;
  }
  if (!result) return { ok: false, message: `I could not read ${quote(typed)} as a time. Try ${EXAMPLES}.` };
  if (!result.ok) return result;
  if (!Number.isFinite(result.at.getTime()) || result.at.getTime() > latestPublishTime(now, zone).getTime()) {
    return tooFarAhead(ctx);
  }
  if (result.at.getTime() < now.getTime() - PAST_TOLERANCE_MS) {
    return { ok: false, message: `${formatInZone(result.at, zone, { withYear: true })} is in the past. Pick a later time, or write "now".` };
  }
  return result;
}

function tooFarAhead({ typed, now, zone }: ParseContext): PublishTimeResult {
  const latest = formatInZone(latestPublishTime(now, zone), zone, { withYear: true });
  return {
    ok: false,
    message: `${quote(typed)} is too far ahead: posts can be scheduled at most ${MAX_YEARS_AHEAD} years ahead (until ${latest}).`,
  };
}

/** The latest time parsePublishTime accepts: MAX_YEARS_AHEAD calendar years after `now` on the zone's clock. */
export function latestPublishTime(now: Date, zone: string): Date {
  return DateTime.fromJSDate(now, { zone }).plus({ years: MAX_YEARS_AHEAD }).toJSDate();
}

function relativeForm(ctx: ParseContext): PublishTimeResult | undefined {
  const relative = RELATIVE.exec(ctx.text);
  if (!relative) return undefined;
  const [, amountText = '', unit = ''] = relative;
  const amount = /^\d+$/.test(amountText) ? Number(amountText) : 1;
  const start = ctx.today;
  const key = unit.startsWith('m') ? 'minutes' : unit.startsWith('h') ? 'hours' : unit.startsWith('d') ? 'days' : 'weeks';
  // Bounded before any arithmetic: a 20-digit amount is not a date (the caller names the horizon).
  const days = key === 'minutes' ? amount / 1440 : key === 'hours' ? amount / 24 : key === 'days' ? amount : amount * 7;
  if (!Number.isFinite(days) || days > 366 * (MAX_YEARS_AHEAD + 1)) return tooFarAhead(ctx);

  // Minutes and hours are elapsed time.
  if (key === 'minutes' || key === 'hours') return { ok: true, at: start.plus({ [key]: amount }).toJSDate() };

  // Days and weeks keep the clock time. When that clock time is skipped or happens twice on the target day, the
  // author is asked, as for a written date: luxon would silently move or pick one.
  const target = start.plus({ [key]: amount });
  const local = { year: target.year, month: target.month, day: target.day, hour: start.hour, minute: start.minute };
  const resolution = resolveLocalTime(local, ctx.zone);
  if (resolution.kind === 'exact') return { ok: true, at: target.toJSDate() };
  const unclear = describeUnclearTime(resolution, local, ctx.zone);
  return unclear.ok ? unclear : { ok: false, message: `${quote(ctx.typed)} would be ${clockOf(local)} on ${formatCalendarDay(local)}. ${unclear.message}` };
}

function isoWithOffsetForm(ctx: ParseContext): PublishTimeResult | undefined {
  if (!ISO_WITH_OFFSET.test(ctx.text)) return undefined;
  const parsed = DateTime.fromISO(ctx.text.replace(' ', 'T').toUpperCase(), { setZone: true });
  return parsed.isValid ? { ok: true, at: parsed.toJSDate() } : { ok: false, message: `${quote(ctx.typed)} is not a valid date and time.` };
}

function localDateForm(ctx: ParseContext): PublishTimeResult | undefined {
  const local = LOCAL_DATE.exec(ctx.text);
  if (!local) return undefined;
  const date = { year: Number(local[1]), month: Number(local[2]), day: Number(local[3]) };
  return atLocalTime(date, local[4] ?? '', ctx);
}

/** "17:30", "9am": the next time the clock shows it. */
function bareTimeForm(ctx: ParseContext): PublishTimeResult | undefined {
  const time = parseTimeOfDay(ctx.text);
  return time ? nextOccurrence(time, 1, ctx) : undefined;
}

/** "tomorrow 9am", "today 17:30", "fri 17:30", "on friday at 9am". */
function namedDayForm(ctx: ParseContext): PublishTimeResult | undefined {
  const named = NAMED_DAY.exec(ctx.text);
  if (!named) return undefined;
  const [, dayWord = '', timeText = ''] = named;
  if (dayWord === 'today') {
    const time = parseTimeOfDay(timeText);
    return time ? nextOccurrence(time, 0, ctx) : notATimeOfDay(ctx, timeText);
  }
  if (dayWord === 'tomorrow') return atLocalTime(addDays(ctx.today, 1), timeText, ctx);
  const weekday = weekdayNumber(dayWord);
  if (weekday === undefined) return undefined;
  const time = parseTimeOfDay(timeText);
  if (!time) return notATimeOfDay(ctx, timeText);
  const ahead = (weekday - ctx.today.weekday + 7) % 7;
  return ahead === 0 ? nextOccurrence(time, 7, ctx) : atLocalTime(addDays(ctx.today, ahead), timeText, ctx);
}

/**
 * The next time today's clock shows `time`, or the one `stepDays` later when today's has passed (with 0, today's
 * past time is kept, and refused as past). On a fall-back night the repeated hour counts twice: during its first
 * pass, a time earlier in that hour is still ahead (its second pass, within the hour), so it is taken rather than
 * pushed a whole day or week ahead; when both passes are ahead, the author is asked.
 */
function nextOccurrence(time: TimeOfDay, stepDays: number, ctx: ParseContext): PublishTimeResult {
  const today = addDays(ctx.today, 0);
  const timeText = `${pad(time.hour)}:${pad(time.minute)}`;
  const thisMinute = ctx.today.startOf('minute').toMillis();
  const resolution = resolveLocalTime({ ...today, ...time }, ctx.zone);
  if (resolution.kind === 'overlap') {
    const ahead = [resolution.earlier, resolution.later].filter((at) => at.getTime() >= thisMinute);
    if (ahead.length === 1 && ahead[0]) return { ok: true, at: ahead[0] };
    if (ahead.length === 2) return atLocalTime(today, timeText, ctx);
    // Both passed: with no day to move to, the later one is refused as past by the caller.
    if (stepDays === 0) return { ok: true, at: resolution.later };
  } else if (laterToday(time, ctx.today)) {
    return atLocalTime(today, timeText, ctx);
  }
  return atLocalTime(addDays(ctx.today, stepDays), timeText, ctx);
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

function atLocalTime(date: LocalDate, timeText: string, ctx: ParseContext): PublishTimeResult {
  const time = parseTimeOfDay(timeText);
  if (!time) return notATimeOfDay(ctx, timeText);
  const local = { ...date, ...time };
  const resolution = resolveLocalTime(local, ctx.zone);
  switch (resolution.kind) {
    case 'exact':
      return { ok: true, at: resolution.at };
    case 'not_a_date':
      return { ok: false, message: `${isoDateOf(local)} is not a date on the calendar.` };
    default:
      return describeUnclearTime(resolution, local, ctx.zone);
  }
}

/** The refusal for a local time the clocks skip or show twice; the day named is always the one asked for. */
function describeUnclearTime(resolution: Exclude<LocalTimeResolution, { kind: 'exact' }>, local: LocalDateTime, zone: string): PublishTimeResult {
  const clock = clockOf(local);
  const day = formatCalendarDay(local);
  switch (resolution.kind) {
    case 'not_a_date':
      return { ok: false, message: `${isoDateOf(local)} is not a date on the calendar.` };
    case 'gap': {
      const { suggestion, jumpMinutes } = resolution;
      const suggested = formatIsoMinute(suggestion, zone);
      if (!suggested.startsWith(isoDateOf(local))) {
        // The whole day is skipped (Pacific/Apia went from 29 to 31 December 2011).
        return { ok: false, message: `${day} does not exist in ${zone}: the clocks skip that day. Did you mean ${suggested}?` };
      }
      return {
        ok: false,
        message:
          `${clock} does not exist on ${day} in ${zone}: the clocks go forward ${formatMinutes(jumpMinutes)}. ` +
          `Did you mean ${suggested.slice(11, 16)} (${suggested})?`,
      };
    }
    case 'overlap': {
      const { earlier, later } = resolution;
      return {
        ok: false,
        message:
          `${clock} happens twice on ${day} in ${zone} ` +
          `(${formatOffset(earlier, zone)} and ${formatOffset(later, zone)}): write it with the offset, ` +
          `e.g. ${formatIsoMinute(earlier, zone)} for the first or ${formatIsoMinute(later, zone)} for the second.`,
      };
    }
  }
}

/** `timeText` (a tail of the normalised input) as the author typed it, case included. */
function notATimeOfDay(ctx: ParseContext, timeText: string): PublishTimeResult {
  const spaced = ctx.typed.replace(/\s+/g, ' ');
  const typedTail = spaced.length === ctx.text.length ? spaced.slice(spaced.length - timeText.length) : timeText;
  return { ok: false, message: `${quote(typedTail)} is not a time of day. Write it like 9am, 9:30pm or 17:30.` };
}

function quote(typed: string): string {
  const chars = Array.from(typed);
  return `"${chars.length > MAX_QUOTED_LENGTH ? `${chars.slice(0, MAX_QUOTED_LENGTH).join('')}…` : typed}"`;
}

function clockOf(local: LocalDateTime): string {
  return `${pad(local.hour)}:${pad(local.minute)}`;
}

function isoDateOf(date: LocalDate): string {
  return `${String(date.year).padStart(4, '0')}-${pad(date.month)}-${pad(date.day)}`;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
