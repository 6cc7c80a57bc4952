import type { Network } from './networks.ts';

/** A documented cap on what one account may post: `posts` within any moving window of `windowMs`. */
export interface PostingLimit {
  posts: number;
  windowMs: number;
  /** How the thread says it: "100 posts per 15 minutes". */
  label: string;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * Per-account publishing limits, as each network documents them:
 * - X (https://docs.x.com/x-api/fundamentals/rate-limits): `POST /2/tweets` 100 requests per 15
 *   minutes per user (the v2 figure; the older "300 per 3 hours" was v1.1's statuses/update limit and
 *   no longer applies).
 * - Mastodon (https://docs.joinmastodon.org/api/rate-limits/): 300 requests per 5 minutes per account
 *   (instance default).
 * - Instagram (https://developers.facebook.com/docs/instagram-platform/content-publishing): 50
 *   API-published posts per moving 24 hours per account, enforced at media_publish.
 * - Threads (https://developers.facebook.com/docs/threads/overview, rate limiting): 250 API posts per
 *   24 hours per profile (replies have their own 1,000; counting a thread's replies against the 250 is
 *   the safe side).
 * LinkedIn's quotas are unpublished, Facebook's are per app, Bluesky's are points per DID with no
 * figures there: those networks are only held back by their own 429 and its reset time.
 * Each part of a thread is one post to the network, and counts as one.
 */
export const POSTING_LIMITS: Partial<Record<Network, readonly PostingLimit[]>> = {
  x: [{ posts: 100, windowMs: 15 * MINUTE, label: '100 posts per 15 minutes' }],
  mastodon: [{ posts: 300, windowMs: 5 * MINUTE, label: '300 requests per 5 minutes' }],
  instagram: [{ posts: 50, windowMs: 24 * HOUR, label: '50 posts per 24 hours' }],
  threads: [{ posts: 250, windowMs: 24 * HOUR, label: '250 posts per 24 hours' }],
};

/** Posts already sent from one account: when, and how many network posts (thread parts) each was. */
export interface SentPosts {
  at: Date;
  posts: number;
}

export type SendVerdict =
  | { go: true }
  /** `limit`: our own count says the window is full; `network`: the network said so (a 429 with its reset time). */
  | { go: false; at: Date; because: { kind: 'limit'; limit: PostingLimit } | { kind: 'network' } };

/**
 * When may `posts` more go out from an account? Now, if every window has room and the network has
 * not asked us to wait; otherwise at the earliest moment when all of that holds (a window frees up as
 * its oldest posts age out of it). Pure: the sends, the network's reset time and the clock are given.
 */
export function nextSendAt(input: {
  limits: readonly PostingLimit[];
  sent: readonly SentPosts[];
  posts: number;
  now: Date;
  networkResetAt?: Date | null | undefined;
}): SendVerdict {
  const { limits, sent, now } = input;
  let at = now.getTime();
  let because: Extract<SendVerdict, { go: false }>['because'] | undefined;
  if (input.networkResetAt && input.networkResetAt.getTime() > at) {
    at = input.networkResetAt.getTime();
    because = { kind: 'network' };
  }
  for (const limit of limits) {
    const free = windowFreesAt(limit, sent, Math.min(input.posts, limit.posts), at);
    if (free > at) {
      at = free;
      because = { kind: 'limit', limit };
    }
  }
  return because ? { go: false, at: new Date(at), because } : { go: true };
}

/**
 * The first time from `from` on when `posts` more fit in the limit's window. A send at `t` counts
 * while the window (from - windowMs, from] contains it, so it leaves the window at t + windowMs.
 */
function windowFreesAt(limit: PostingLimit, sent: readonly SentPosts[], posts: number, from: number): number {
  const inWindow = sent.filter((s) => s.at.getTime() > from - limit.windowMs).sort((a, b) => a.at.getTime() - b.at.getTime());
  let used = inWindow.reduce((sum, s) => sum + s.posts, 0);
  if (used + posts <= limit.posts) return from;
  for (const send of inWindow) {
    used -= send.posts;
    if (used + posts <= limit.posts) return send.at.getTime() + limit.windowMs;
  }
  return from; // unreachable: an empty window always has room for up to `limit.posts`
}

/** The longest window of a network's limits: older sends never matter. */
export function longestWindowMs(limits: readonly PostingLimit[]): number {
  return Math.max(0, ...limits.map((l) => l.windowMs));
}

const UNITS: Record<string, { ms: number; word: string }> = {
  s: { ms: 1_000, word: 'second' },
  m: { ms: MINUTE, word: 'minute' },
  h: { ms: HOUR, word: 'hour' },
  d: { ms: 24 * HOUR, word: 'day' },
};

export type PostingLimits = Partial<Record<Network, readonly PostingLimit[]>>;

/**
 * An operator's overrides (POSTING_LIMITS): "x=17/24h,mastodon=off", where an access tier or an
 * instance has other figures than the documented defaults. Several windows join with "+"
 * ("x=100/15m+300/3h"); "off" counts nothing (the network's own 429 still holds an account back).
 */
export function parsePostingLimits(
  text: string,
  networks: readonly Network[],
  defaults: PostingLimits = POSTING_LIMITS,
): { ok: true; limits: PostingLimits } | { ok: false; problem: string } {
  const limits: PostingLimits = { ...defaults };
  for (const entry of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [name, value] = entry.split('=').map((s) => s.trim());
    const network = networks.find((n) => n === name);
    if (!network || !value) return { ok: false, problem: `"${entry}" is not network=posts/window (e.g. x=100/15m) or network=off` };
    if (value === 'off') {
      limits[network] = [];
      continue;
    }
    const windows: PostingLimit[] = [];
    for (const part of value.split('+')) {
      const m = /^(\d+)\/(\d+)([smhd])$/.exec(part.trim());
      const posts = Number(m?.[1]);
      const count = Number(m?.[2]);
      if (!m || posts < 1 || count < 1) return { ok: false, problem: `"${entry}": "${part}" is not posts/window such as 100/15m, 50/24h or 300/5m` };
      const unit = UNITS[m[3]!]!;
      windows.push({
        posts,
        windowMs: count * unit.ms,
        label: `${posts} ${posts === 1 ? 'post' : 'posts'} per ${count === 1 ? unit.word : `${count} ${unit.word}s`}`,
      });
    }
    limits[network] = windows;
  }
  return { ok: true, limits };
}
