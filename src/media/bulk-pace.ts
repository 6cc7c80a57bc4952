import { setTimeout as sleepFor } from 'node:timers/promises';

/**
 * Pacing of the bytes of videos on their way to a network (issue 15). Ten videos sent at full speed
 * took the machine's CPU for as long as they streamed (PostgreSQL reading them, this process passing
 * them on, the receiving end), and every other delivery of those seconds was late (docs/benchmarks.md,
 * `video-lateness`). A video is not due to the second the way a text post is, so its bytes take turns:
 * a budget of bytes per second for all of the process's videos together (a token bucket whose burst
 * is a tenth of a second, served in the order asked), which halves while this process's event loop
 * runs late (the CPU is taken, by us or by others) and grows back by an eighth of itself every tenth
 * of a second once it is on time. It never falls below an eighth of the budget: a video always moves.
 */
export interface Pace {
  /** Resolves when `bytes` more may be sent; turns are taken in the order asked. */
  take(bytes: number): Promise<void>;
}

export interface PaceOptions {
  /** The budget for all videos of the process together, when the event loop is on time. */
  bytesPerSecond: number;
  /** Tests give a clock and a sleep of their own; the defaults are the real ones. */
  now?: () => number;
  sleep?: (ms: number) => Promise<unknown>;
  /** How late the event loop runs now, in ms (default: loopLag, measured while videos are sent). */
  lag?: () => number;
}

/** The loop is late when it runs later than this… */
export const LAG_LIMIT_MS = 20;
/** …and the rate is looked at again at most this often. */
export const ADJUST_MS = 100;
/** The lowest rate, as a share of the budget. */
export const FLOOR_SHARE = 1 / 8;

export function createPace(options: PaceOptions): Pace {
  const budget = options.bytesPerSecond / 1000; // bytes per ms
  const floor = budget * FLOOR_SHARE;
  const now = options.now ?? (() => performance.now());
  const sleep = options.sleep ?? sleepFor;
  const lag = options.lag ?? loopLag;
  const burst = options.bytesPerSecond / 10;
  let rate = budget;
  let tokens = burst;
  let refilledAt = now();
  let adjustedAt = refilledAt;
  let tail: Promise<void> = Promise.resolve();
  const wait = async (bytes: number) => {
    const at = now();
    tokens = Math.min(Math.max(burst, bytes), tokens + (at - refilledAt) * rate) - bytes;
    refilledAt = at;
    if (at - adjustedAt >= ADJUST_MS) {
      adjustedAt = at;
      rate = lag() > LAG_LIMIT_MS ? Math.max(floor, rate / 2) : Math.min(budget, rate + budget * FLOOR_SHARE);
    }
    // In debt: wait until the rate has paid for these bytes (the next turn refills from here).
    if (tokens < 0) await sleep(-tokens / rate);
  };
  return {
    take(bytes: number) {
      const turn = tail.then(() => wait(bytes));
      tail = turn.catch(() => undefined);
      return turn;
    },
  };
}

/** Every piece of `source` waits its turn with `pace` before it is passed on. */
export async function* paced<T extends { length: number }>(source: AsyncIterable<T>, pace: Pace | undefined): AsyncGenerator<T> {
  for await (const piece of source) {
    await pace?.take(piece.length);
    yield piece;
  }
}

/** The sampler behind loopLag: a 10 ms timer, running only while something asks (stopped 2 s after the last ask). */
const TICK_MS = 10;
const IDLE_STOP_MS = 2_000;
/** How fast an old delay is forgotten: it halves every 100 ms. */
const HALF_LIFE_MS = 100;
const sampler = { lagMs: 0, lastTick: 0, lastAsked: 0, timer: undefined as NodeJS.Timeout | undefined };

/**
 * How late this process's event loop has run lately, in ms: the latest lateness of a 10 ms timer, or
 * an earlier larger one fading with a 100 ms half-life. 0 until the sampler has run.
 */
export function loopLag(): number {
  sampler.lastAsked = performance.now();
  if (!sampler.timer) {
    sampler.lastTick = sampler.lastAsked;
    sampler.timer = setInterval(tick, TICK_MS);
    sampler.timer.unref();
  }
  return sampler.lagMs;
}

function tick(): void {
  const at = performance.now();
  const late = Math.max(0, at - sampler.lastTick - TICK_MS);
  sampler.lagMs = Math.max(late, sampler.lagMs * 0.5 ** ((at - sampler.lastTick) / HALF_LIFE_MS));
  sampler.lastTick = at;
  if (at - sampler.lastAsked > IDLE_STOP_MS) {
    clearInterval(sampler.timer);
    sampler.timer = undefined;
    sampler.lagMs = 0;
  }
}
