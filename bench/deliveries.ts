import type { MastodonEmulator } from '../emulators/mastodon.ts';

/** What the Mastodon emulator received: the first create request per benchmark post, by post number. */
export interface Create {
  index: number;
  dueMs: number;
  receivedMs: number;
}

/** Benchmark posts say which they are and when they were due: `Bench <i> due <epoch ms>`. */
export const benchText = (i: number, due: Date) => `Bench ${i} due ${due.getTime()}`;

export function creates(mastodon: MastodonEmulator): Create[] {
  const seen = new Map<number, Create>();
  for (const r of mastodon.requests) {
    if (r.method !== 'POST' || r.path !== '/api/v1/statuses') continue;
    const text = (r.body as { status?: unknown } | undefined)?.status;
    const m = typeof text === 'string' ? /^Bench (\d+) due (\d+)$/.exec(text) : null;
    if (!m) continue;
    const index = Number(m[1]);
    if (!seen.has(index)) seen.set(index, { index, dueMs: Number(m[2]), receivedMs: r.receivedAt.getTime() });
  }
  return [...seen.values()];
}

/** Posts the emulator holds per benchmark post: more than one would be a duplicate. */
export function duplicates(mastodon: MastodonEmulator): number {
  const counts = new Map<string, number>();
  for (const p of mastodon.posts) counts.set(p.text, (counts.get(p.text) ?? 0) + 1);
  return [...counts.values()].filter((n) => n > 1).length;
}

/** How the emulator received a run's creates: their count, duplicates, span and rate. */
export function arrivals(mastodon: MastodonEmulator): { delivered: number; duplicates: number; seconds: number; perSecond: number } {
  const received = creates(mastodon)
    .map((c) => c.receivedMs)
    .sort((a, b) => a - b);
  const seconds = (received[received.length - 1]! - received[0]!) / 1000;
  return { delivered: received.length, duplicates: duplicates(mastodon), seconds, perSecond: (received.length - 1) / seconds };
}
