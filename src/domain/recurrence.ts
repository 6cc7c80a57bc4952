import { DateTime } from 'luxon';

/**
 * Recurring posts (issue 17): "repeat every N days or weeks until <date> (or N times)". Pure: the
 * first occurrence's instant and the author's zone in, the occurrences' instants out.
 *
 * Occurrences follow the author's wall clock: a post at 09:00 in Europe/Berlin stays at 09:00 through
 * a DST change (its UTC instant moves by the hour). An occurrence whose wall-clock time a spring-forward
 * night skips moves forward by the jump (02:30 → 03:30), as the zone's clock reads then; of a time a
 * fall-back night repeats, the first is taken. A series is bounded: at most MAX_OCCURRENCES, and an
 * end date at most two years ahead.
 */
export const MAX_OCCURRENCES = 104;
const MAX_YEARS = 2;

export interface RepeatRule {
  every: number;
  unit: 'day' | 'week';
  /** Either a count (the first occurrence included) or the last local date (inclusive). */
  times?: number;
  until?: { year: number; month: number; day: number };
}

const REPEAT = /^(?:repeat )?every (\d+ )?(day|days|week|weeks)(?:,? (?:(\d+) times|until (\d{4})-(\d{2})-(\d{2})))?$/;

/**
 * "every week 52 times", "repeat every 2 weeks until 2027-06-30", "every 3 days 10 times".
 * undefined when the text is no repeat clause; an error message when it is one, badly written.
 */
export function parseRepeat(input: string): { ok: true; rule: RepeatRule } | { ok: false; message: string } | undefined {
  const text = input.trim().toLowerCase().replace(/\s+/g, ' ');
  if (!/^(repeat )?every\b/.test(text)) return undefined;
  const m = REPEAT.exec(text);
  if (!m)
    return {
      ok: false,
      message: `I could not read "${input.trim().slice(0, 60)}". Write e.g. "every week 52 times", "every 2 weeks until 2027-06-30" or "every 3 days 10 times".`,
    };
  const every = m[1] ? Number(m[1]) : 1;
  const unit = m[2]!.startsWith('day') ? 'day' : 'week';
  if (every < 1 || every > (unit === 'day' ? 365 : 52)) return { ok: false, message: `Repeat every 1 to ${unit === 'day' ? 365 : 52} ${unit}s.` };
  if (m[3]) {
    const times = Number(m[3]);
    if (times < 2 || times > MAX_OCCURRENCES) return { ok: false, message: `A series has 2 to ${MAX_OCCURRENCES} occurrences.` };
    return { ok: true, rule: { every, unit, times } };
  }
  if (m[4]) return { ok: true, rule: { every, unit, until: { year: Number(m[4]), month: Number(m[5]), day: Number(m[6]) } } };
  return { ok: false, message: 'Say when the series ends: "… 10 times" or "… until 2027-06-30".' };
}

/** The occurrences' instants, the first being `first`, or why the rule cannot be used from there. */
export function occurrences(first: Date, zone: string, rule: RepeatRule): { ok: true; at: Date[] } | { ok: false; message: string } {
  const start = DateTime.fromJSDate(first, { zone });
  if (!start.isValid) return { ok: false, message: `"${zone}" is not a time zone I know.` };
  let last: DateTime | undefined;
  if (rule.until) {
    last = DateTime.fromObject(rule.until, { zone }).endOf('day');
    if (!last.isValid) return { ok: false, message: `${fmt(rule.until)} is not a date on the calendar.` };
    if (last < start) return { ok: false, message: `The series would end (${fmt(rule.until)}) before its first post.` };
    if (last > start.plus({ years: MAX_YEARS })) return { ok: false, message: `A series ends within ${MAX_YEARS} years of its first post.` };
  }
  const out: Date[] = [];
  for (let i = 0; ; i += 1) {
    if (rule.times !== undefined && i >= rule.times) break;
    // Calendar arithmetic on the wall clock: luxon keeps the local time across DST changes.
    const at = start.plus(rule.unit === 'day' ? { days: i * rule.every } : { weeks: i * rule.every });
    if (last && at > last) break;
    if (out.length >= MAX_OCCURRENCES) return { ok: false, message: `That makes more than ${MAX_OCCURRENCES} posts: repeat less often, or end sooner.` };
    out.push(at.toJSDate());
  }
  if (out.length < 2) return { ok: false, message: 'That series has a single post: end it later, or post once.' };
  return { ok: true, at: out };
}

/** "every week, 52 times", "every 2 weeks until 2027-06-30". */
export function describeRepeat(rule: RepeatRule): string {
  const every = rule.every === 1 ? `every ${rule.unit}` : `every ${rule.every} ${rule.unit}s`;
  return rule.times !== undefined ? `${every}, ${rule.times} times` : `${every} until ${fmt(rule.until!)}`;
}

const fmt = (d: { year: number; month: number; day: number }) => `${d.year}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;
