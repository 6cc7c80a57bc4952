/**
 * Exponential backoff with full jitter: a delay drawn uniformly from [0, min(max, base * 2^(attempt-1))].
 * Full jitter spreads retries of many deliveries that failed together (a network outage at 09:00),
 * so they do not all come back in the same second. `random` is a parameter: the core reads no clock
 * and no randomness of its own.
 */
export function backoffDelayMs(attempt: number, options: { baseMs: number; maxMs: number }, random: number): number {
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random * ceiling);
}

/** When to try again: the network's own reset time when it gave one, else the jittered backoff. */
export function nextAttemptAt(now: Date, attempt: number, options: { baseMs: number; maxMs: number }, random: number, retryAt?: Date): Date {
  if (retryAt && retryAt.getTime() > now.getTime()) return retryAt;
  return new Date(now.getTime() + backoffDelayMs(attempt, options, random));
}
