import { withoutLogContext } from '../../log.ts';

/**
 * Turns many calls made close together into one call over all their inputs: the publish worker runs
 * a batch of jobs at once, and reading their rows or recording their outcomes in one statement (one
 * transaction) costs the database far less than once per delivery. `run` returns one result per input,
 * in order. A call waits at most `windowMs` for company, and a batch holds at most `maxBatch` inputs.
 * If `run` throws, every call of that batch rejects with the error: callers fall back to doing their
 * own work alone.
 */
export function coalesce<I, O>(run: (inputs: I[]) => Promise<O[]>, options: { maxBatch: number; windowMs: number }): (input: I) => Promise<O> {
  let pending: { input: I; resolve: (o: O) => void; reject: (e: unknown) => void }[] = [];
  let cancel: (() => void) | undefined;

  const flush = () => {
    cancel?.();
    cancel = undefined;
    const batch = pending;
    pending = [];
    if (batch.length === 0) return;
    // The batch serves every caller: its log lines must not carry the first caller's job and delivery ids.
    new Promise<O[]>((resolve) => resolve(withoutLogContext(() => run(batch.map((p) => p.input))))).then(
      (outputs) => batch.forEach((p, i) => p.resolve(outputs[i]!)),
      (error: unknown) => batch.forEach((p) => p.reject(error)),
    );
  };

  return (input) =>
    new Promise<O>((resolve, reject) => {
      pending.push({ input, resolve, reject });
      if (pending.length >= options.maxBatch) flush();
      else if (!cancel) cancel = later(flush, options.windowMs);
    });
}

/** A zero window still gathers every call made in the same turn of the event loop. */
function later(fn: () => void, ms: number): () => void {
  if (ms > 0) {
    const timer = setTimeout(fn, ms);
    return () => clearTimeout(timer);
  }
  const immediate = setImmediate(fn);
  return () => clearImmediate(immediate);
}
