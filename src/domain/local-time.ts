import { IANAZone } from 'luxon';

/** A wall-clock date and time in some zone, as a person wrote it. */
export interface LocalDateTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

export type LocalTimeResolution =
  | { kind: 'exact'; at: Date }
  /** The clocks jump over this time. `suggestion` is the same time read with the offset before the jump. */
  | { kind: 'gap'; suggestion: Date; jumpMinutes: number }
  /** The clocks fall back over this time: it happens twice, `earlier` first. */
  | { kind: 'overlap'; earlier: Date; later: Date }
  | { kind: 'not_a_date' };

const MINUTE = 60_000;
const DAY = 86_400_000;

export function isValidTimeZone(zone: string): boolean {
  return IANAZone.isValidZone(zone);
}

/**
 * Every instant at which `local` is shown on the clocks of `zone`: none (a DST gap), one, or two (a fall-back
 * overlap). Offsets are sampled a day either side, which holds for every zone that changes at most once a day.
 */
export function resolveLocalTime(local: LocalDateTime, zone: string): LocalTimeResolution {
  const { year, month, day, hour, minute } = local;
  // setUTCFullYear, unlike Date.UTC, does not read years 0-99 as 1900-1999.
  const check = new Date(0);
  check.setUTCFullYear(year, month - 1, day);
  check.setUTCHours(hour, minute, 0, 0);
  const asUtc = check.getTime();
  if (
    !Number.isFinite(asUtc) ||
    check.getUTCFullYear() !== year ||
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59
  ) {
    return { kind: 'not_a_date' };
  }
  const tz = IANAZone.create(zone);
  const offsetBefore = tz.offset(asUtc - DAY);
  const offsetAfter = tz.offset(asUtc + DAY);
  const offsets = new Set([offsetBefore, tz.offset(asUtc), offsetAfter]);
  const instants = [...offsets]
    .map((offset) => asUtc - offset * MINUTE)
    .filter((instant) => asUtc - tz.offset(instant) * MINUTE === instant)
    .sort((a, b) => a - b);

  const [first, second] = instants;
  if (first === undefined) {
    return {
      kind: 'gap',
      suggestion: new Date(asUtc - offsetBefore * MINUTE),
      jumpMinutes: offsetAfter - offsetBefore,
    };
  }
  if (second === undefined) return { kind: 'exact', at: new Date(first) };
  return { kind: 'overlap', earlier: new Date(first), later: new Date(second) };
}
