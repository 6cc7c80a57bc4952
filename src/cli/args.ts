import { isUuid } from '../db/operator-views.ts';

/**
 * The CLI's errors and argument helpers. Exit codes: 0 done, 1 a failure (a check failed, something was
 * refused or not found, the database is unreachable), 2 a usage or configuration error.
 */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

export class UsageError extends CliError {
  constructor(message: string) {
    super(message, 2);
    this.name = 'UsageError';
  }
}

/** Runs node:util parseArgs (strict), turning its complaints into usage errors. */
export function parsing<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) throw new UsageError((error as Error).message);
    throw error;
  }
}

export function requireId(value: string | undefined, what: string): string {
  if (!value) throw new UsageError(`${what} id missing`);
  if (!isUuid(value)) throw new UsageError(`"${value}" is not a ${what} id (a UUID, as the list commands show)`);
  return value.toLowerCase();
}

export function noMoreArgs(positionals: string[], allowed: number): void {
  if (positionals.length > allowed) throw new UsageError(`unexpected argument "${positionals[allowed]}"`);
}

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `30m`, `12h`, `7d`, `2w` before `now`, or an ISO date/time. */
export function parseSince(value: string, now: Date): Date {
  const relative = /^(\d+)([mhdw])$/.exec(value);
  if (relative) return new Date(now.getTime() - Number(relative[1]) * UNITS[relative[2]!]!);
  const absolute = /^\d{4}-\d{2}-\d{2}/.test(value) ? new Date(value) : undefined;
  if (!absolute || Number.isNaN(absolute.getTime())) throw new UsageError(`--since takes a duration such as 30m, 12h, 7d, 2w, or an ISO date; got "${value}"`);
  return absolute;
}

export function parseLimit(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new UsageError(`--limit takes a whole number from 1 to 1000; got "${value}"`);
  return n;
}

export function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], flag: string): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`${flag} takes one of: ${allowed.join(', ')}; got "${value}"`);
  return value as T;
}
