import { dueSoon } from '../../db/deliveries.ts';
import type { Network } from '../../domain/networks.ts';
import { publishQueue } from '../../queue/queue.ts';
import type { WorkflowDeps } from '../deps.ts';

/** How far ahead each look reaches, and how often it looks (a little overlap, so no due time falls between). */
const LOOK_EVERY_MS = 1_000;
const LOOK_AHEAD_MS = 1_500;
/** Due times one look sets timers for; in a burst beyond this, full batches keep the workers fetching. */
const MAX_DUE_TIMES = 1_000;

/**
 * Wakes a network's publish workers at the moment its deliveries fall due. A job scheduled for later is
 * not announced by LISTEN/NOTIFY when its time comes, and polling often enough for on-time publishing
 * would cost every idle process dozens of queries a second. Instead one query a second reads the due
 * times of the next moments and sets a timer for each (in the database's time, which the queue uses).
 * A missed wake-up costs only lateness: polling still finds the job, and the sweeper after that.
 */
export function startDueAlarm(deps: Pick<WorkflowDeps, 'db' | 'queue' | 'log'>): { stop: () => void } {
  const armed = new Map<string, NodeJS.Timeout>();
  let stopped = false;
  let failing = false;

  const arm = (network: Network, dueAt: Date, offsetMs: number) => {
    const key = `${network}@${dueAt.getTime()}`;
    if (armed.has(key)) return;
    const inMs = Math.max(0, dueAt.getTime() - offsetMs - Date.now());
    const timer = setTimeout(() => {
      armed.delete(key);
      deps.queue.wake(publishQueue(network));
    }, inMs);
    timer.unref();
    armed.set(key, timer);
  };

  const look = async () => {
    try {
      const { databaseNow, due } = await dueSoon(deps.db, LOOK_AHEAD_MS, MAX_DUE_TIMES);
      // How far the database's clock is ahead of ours: a timer set by our clock fires at its due time.
      const offsetMs = databaseNow.getTime() - Date.now();
      for (const { network, dueAt } of due) arm(network, dueAt, offsetMs);
      if (failing) deps.log.info('the due alarm reads the database again');
      failing = false;
    } catch (error) {
      if (stopped) return;
      // A database restart: polling carries on meanwhile; said once, not every second.
      if (!failing) deps.log.warn({ err: error }, 'the due alarm could not read due deliveries; publishing falls back to polling until it can');
      failing = true;
    }
  };

  const loop = async () => {
    while (!stopped) {
      const started = Date.now();
      await look();
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, LOOK_EVERY_MS - (Date.now() - started))).unref());
    }
  };
  void loop();
  return {
    stop() {
      stopped = true;
      for (const timer of armed.values()) clearTimeout(timer);
      armed.clear();
    },
  };
}
