import { DateTime } from 'luxon';
import { offsetPeriods } from './best-time-offsets.ts';
import { isNetwork, type Network } from './networks.ts';

/**
 * Weekly posting slots and the "next slot" phrase of the publish time field. Pure: the clock is a
 * parameter, the database decides which instant is free (src/db/posting-slots.ts).
 *
 * A slot is a weekday and a wall-clock minute in a zone ("Tue 9:00 in Europe/Berlin"). Its instants
 * follow the zone's clock through DST changes: 9:00 stays 9:00. A slot whose minute a spring-forward
 * night skips has no instant that week; of a minute a fall-back night repeats, the first is taken
 * (as best-time buckets do, src/domain/best-time-buckets.ts).
 */

export const WEEKDAY_SHORT = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const WEEKDAY_LONG = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
const WEEKDAY_LABEL = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** How far ahead "next slot" looks for a free instant. */
export const SLOT_HORIZON_WEEKS = 8;

export interface WeeklySlot {
  /** ISO weekday, 1 = Monday. */
  weekday: number;
  /** Minutes after midnight on the zone's clock. */
  minute: number;
  zone: string;
}

/** "next slot", "next free slot", "next slot after fri", "next slot after 2026-12-24", "next slot after tomorrow 17:00". */
export type SlotRequest = { kind: 'next_slot'; after: Date; afterText: string | null };

const PHRASE = /^next (?:free )?slot(?: after (.+))?$/;

/**
 * Recognises the slot phrase; undefined when the text is not one (then it is an ordinary time).
 * "after <day>" means after that day ends (from the next midnight on), "after <date time>" after that
 * instant. `parseTime` reads "<day> <time>" forms the way the publish time field does.
 */
export function parseSlotRequest(
  input: string,
  zone: string,
  now: Date,
  parseTime: (text: string) => { ok: true; at: Date } | { ok: false; message: string },
): SlotRequest | { kind: 'error'; message: string } | undefined {
  const text = input.trim().toLowerCase().replace(/\s+/g, ' ');
  const match = PHRASE.exec(text);
  if (!match) return undefined;
  const afterText = match[1] ?? null;
  if (afterText === null) return { kind: 'next_slot', after: now, afterText: null };
  const today = DateTime.fromJSDate(now, { zone });
  const dayEnd = (days: number) =>
    today
      .startOf('day')
      .plus({ days: days + 1 })
      .toJSDate();
  if (afterText === 'today') return { kind: 'next_slot', after: dayEnd(0), afterText };
  if (afterText === 'tomorrow') return { kind: 'next_slot', after: dayEnd(1), afterText };
  const weekday = weekdayNumber(afterText);
  if (weekday !== undefined) return { kind: 'next_slot', after: dayEnd((weekday - today.weekday + 7) % 7), afterText };
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(afterText);
  if (date) {
    const day = DateTime.fromObject({ year: Number(date[1]), month: Number(date[2]), day: Number(date[3]) }, { zone });
    if (!day.isValid) return { kind: 'error', message: `${afterText} is not a date on the calendar.` };
    return { kind: 'next_slot', after: day.plus({ days: 1 }).startOf('day').toJSDate(), afterText };
  }
  const parsed = parseTime(afterText);
  if (parsed.ok) return { kind: 'next_slot', after: new Date(Math.max(parsed.at.getTime(), now.getTime())), afterText };
  return {
    kind: 'error',
    message: `I could not read "after ${afterText}". Write "next slot", "next slot after fri", "next slot after 2026-12-24" or "next slot after tomorrow 17:00".`,
  };
}

export function weekdayNumber(word: string): number | undefined {
  const w = word.toLowerCase();
  const index = Math.max(WEEKDAY_SHORT.indexOf(w as (typeof WEEKDAY_SHORT)[number]), WEEKDAY_LONG.indexOf(w));
  return index === -1 ? undefined : index + 1;
}

/**
 * Wall-clock minutes (written as if UTC) to instants in `zone` over a window, by arithmetic on the
 * zone's offset periods (src/domain/best-time-offsets.ts): a few dozen offset look-ups for the
 * window instead of several per slot and week. Undefined in a gap; of an overlap, the earlier.
 */
function localResolver(zone: string, from: Date, until: Date): (localMs: number) => number | undefined {
  const periods = offsetPeriods(zone, new Date(from.getTime() - 2 * DAY_MS), new Date(until.getTime() + 2 * DAY_MS));
  return (localMs) => {
    let best: number | undefined;
    for (let i = 0; i < periods.length; i++) {
      const at = localMs - periods[i]!.offsetMinutes * 60_000;
      const start = periods[i]!.start.getTime();
      const next = periods[i + 1]?.start.getTime() ?? Infinity;
      if (at >= start && at < next && (best === undefined || at < best)) best = at;
    }
    return best;
  };
}

const DAY_MS = 86_400_000;

/**
 * The instants of `slot` in [from, until), in time order. Walks the zone's calendar week by week, so a
 * slot keeps its wall-clock time across DST changes.
 */
export function slotInstants(slot: WeeklySlot, from: Date, until: Date, resolve = localResolver(slot.zone, from, until)): Date[] {
  const out: Date[] = [];
  const start = DateTime.fromJSDate(from, { zone: slot.zone });
  const ahead = (slot.weekday - start.weekday + 7) % 7;
  const first = Date.UTC(start.year, start.month - 1, start.day + ahead) + slot.minute * 60_000;
  for (let local = first; ; local += 7 * DAY_MS) {
    const at = resolve(local);
    if (at !== undefined && at >= until.getTime()) break;
    if (at === undefined && local - 2 * DAY_MS > until.getTime() + 14 * 3_600_000) break;
    if (at !== undefined && at >= from.getTime()) out.push(new Date(at));
  }
  return out;
}

/** The instants of each slot in [from, until) (one offset table per zone for all of them). */
export function instantsBySlot<S extends WeeklySlot>(slots: S[], from: Date, until: Date): { slot: S; instants: Date[] }[] {
  const resolvers = new Map<string, (localMs: number) => number | undefined>();
  return slots.map((slot) => {
    let resolve = resolvers.get(slot.zone);
    if (!resolve) resolvers.set(slot.zone, (resolve = localResolver(slot.zone, from, until)));
    return { slot, instants: slotInstants(slot, from, until, resolve) };
  });
}

/** Every distinct instant of any of `slots` in [from, until), in time order. */
export function candidateInstants(slots: WeeklySlot[], from: Date, until: Date): Date[] {
  const all = new Map<number, Date>();
  for (const { instants } of instantsBySlot(slots, from, until)) for (const at of instants) all.set(at.getTime(), at);
  return [...all.values()].sort((a, b) => a.getTime() - b.getTime());
}

/** The first candidate not in `taken`; undefined when every one is. */
export function firstFree(candidates: Date[], taken: Iterable<Date>): Date | undefined {
  const busy = new Set([...taken].map((d) => d.getTime()));
  return candidates.find((c) => !busy.has(c.getTime()));
}

/** "Tue 9:00". */
export function slotLabel(weekday: number, minute: number): string {
  return `${WEEKDAY_LABEL[weekday - 1]} ${Math.floor(minute / 60)}:${String(minute % 60).padStart(2, '0')}`;
}

/** Who a slot is for: every account of a network, or one account (by its id once resolved). */
export type SlotTarget = { network: Network; account?: string };

export interface SlotSpec {
  target: SlotTarget;
  weekdays: number[];
  minutes: number[];
}

/**
 * `<network>[:<account name>] <days> <times>` from `/greenlight slots add|remove`, e.g.
 * `x tue,thu 9:00`, `linkedin:acme mon-fri 9am,12:30`, `mastodon weekdays 10:00`.
 */
export function parseSlotSpec(
  words: string[],
  parseClock: (text: string) => { hour: number; minute: number } | undefined,
): { ok: true; spec: SlotSpec } | { ok: false; message: string } {
  const [targetWord = '', daysWord = '', ...timeWords] = words;
  const [networkWord = '', ...accountParts] = targetWord.split(':');
  const network = networkWord.toLowerCase();
  if (!isNetwork(network))
    return { ok: false, message: `"${targetWord.slice(0, 40)}" is not a network. Write e.g. \`x tue 9:00\` or \`linkedin:Acme mon-fri 9am\`.` };
  const account = accountParts.join(':').trim() || undefined;
  const weekdays = parseDays(daysWord.toLowerCase());
  if (!weekdays)
    return {
      ok: false,
      message: `"${daysWord.slice(0, 40)}" is not a day list. Write days like \`tue\`, \`mon,wed,fri\`, \`mon-fri\`, \`weekdays\` or \`daily\`.`,
    };
  const timeText = timeWords.join(' ').toLowerCase();
  if (timeText === '') return { ok: false, message: 'Which time? Write e.g. `x tue 9:00` or `x mon-fri 9am,12:30`.' };
  const minutes: number[] = [];
  for (const part of timeText
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean)) {
    const clock = parseClock(part);
    if (!clock) return { ok: false, message: `"${part.slice(0, 20)}" is not a time of day. Write it like 9am, 9:30pm or 17:30.` };
    minutes.push(clock.hour * 60 + clock.minute);
  }
  return { ok: true, spec: { target: account ? { network, account } : { network }, weekdays, minutes: [...new Set(minutes)].sort((a, b) => a - b) } };
}

function parseDays(text: string): number[] | undefined {
  if (text === 'daily' || text === 'every' || text === 'all') return [1, 2, 3, 4, 5, 6, 7];
  if (text === 'weekdays') return [1, 2, 3, 4, 5];
  if (text === 'weekend') return [6, 7];
  const days = new Set<number>();
  for (const part of text.split(',').filter(Boolean)) {
    const range = part.split('-');
    if (range.length === 2) {
      const from = weekdayNumber(range[0]!);
      const to = weekdayNumber(range[1]!);
      if (!from || !to) return undefined;
      for (let d = from; ; d = (d % 7) + 1) {
        days.add(d);
        if (d === to) break;
      }
    } else {
      const day = weekdayNumber(part);
      if (!day) return undefined;
      days.add(day);
    }
  }
  return days.size > 0 ? [...days].sort((a, b) => a - b) : undefined;
}

/** The week (Monday 00:00 to the next Monday 00:00) that contains `at` in `zone`, shifted by `offsetWeeks`; and its seven days. */
export function weekOf(at: Date, zone: string, offsetWeeks = 0): { start: Date; end: Date; days: { start: Date; end: Date; label: string }[] } {
  const monday = DateTime.fromJSDate(at, { zone }).startOf('week').plus({ weeks: offsetWeeks });
  const days = Array.from({ length: 7 }, (_, i) => {
    const day = monday.plus({ days: i });
    return { start: day.toJSDate(), end: day.plus({ days: 1 }).toJSDate(), label: day.setLocale('en-US').toFormat('ccc d LLL') };
  });
  return { start: days[0]!.start, end: days[6]!.end, days };
}

/**
 * `/greenlight queue [week]`: "this" (default), "next", "prev"/"last", "+2"/"-1", or a date in the
 * week wanted (2026-12-24). The number of weeks from the current one; undefined when unreadable.
 */
export function parseWeekArg(arg: string | undefined, zone: string, now: Date): number | undefined {
  const text = (arg ?? '').trim().toLowerCase();
  if (text === '' || text === 'this' || text === 'week' || text === 'today') return 0;
  if (text === 'next') return 1;
  if (text === 'prev' || text === 'previous' || text === 'last') return -1;
  const shift = /^([+-]\d{1,2})$/.exec(text);
  if (shift) return Number(shift[1]);
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (date) {
    const day = DateTime.fromObject({ year: Number(date[1]), month: Number(date[2]), day: Number(date[3]) }, { zone });
    if (!day.isValid) return undefined;
    const current = DateTime.fromJSDate(now, { zone }).startOf('week');
    return Math.round(day.startOf('week').diff(current, 'weeks').weeks);
  }
  return undefined;
}
