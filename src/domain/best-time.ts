import { HOURS_PER_WEEK, hourOfWeek, nextOccurrence } from './best-time-buckets.ts';
import type { Network } from './networks.ts';

/**
 * Best times to post, from a workspace's measured history on one network.
 *
 * Engagement of a post: likes + reposts + replies as measured 24 hours after publishing (the counts the
 * network reports; a post whose network reported none of them is no sample at all, never a zero).
 * Engagement rate: engagements / impressions where impressions are reported. A network reports them
 * for all its posts or for none, nearly always; so the basis is chosen per network: `rate` when at
 * least half of its measured posts carry impressions (then only those posts count), else `per_post`
 * (engagements per post). The two are never averaged together.
 *
 * Ranking: a bucket's score is its average shrunk toward the network's overall average by
 * PRIOR_POSTS imaginary average posts, (sum + k·mean) / (n + k), so one lucky post does not outrank
 * twenty good ones. Confidence says how many posts stand behind a bucket: low under 5, medium under
 * 20, high from 20. Below MIN_HISTORY_POSTS measured posts the history says too little: the network's
 * default slots are suggested instead, labelled as such; they also fill up a list with fewer than
 * three measured buckets.
 */

export interface BucketStats {
  bucket: number;
  /** Posts measured at 24 h with at least one engagement count reported. */
  posts: number;
  /** Of those, the posts whose impressions were reported and above zero. */
  withImpressions: number;
  /** Engagements summed over all `posts`. */
  engagements: number;
  /** engagements / impressions summed over the `withImpressions` posts. */
  rateSum: number;
}

export type Basis = 'rate' | 'per_post';
export type Confidence = 'low' | 'medium' | 'high';

export const MIN_HISTORY_POSTS = 10;
export const PRIOR_POSTS = 5;
export const SLOTS_SUGGESTED = 3;

export interface Slot {
  at: Date;
  bucket: number;
  source: 'history' | 'default';
  /** History only: how much to trust it. */
  confidence?: Confidence;
  /** Posts behind the bucket (0 for a default). */
  posts: number;
  /** History only: the bucket's plain average, a rate (0.031) or engagements per post. */
  average?: number;
}

export interface BestTimes {
  network: Network;
  zone: string;
  basis: Basis;
  /** Measured posts on this network that count on the chosen basis. */
  posts: number;
  enoughHistory: boolean;
  /** Best first; defaults after history, in time order. */
  slots: Slot[];
}

export function confidenceFor(posts: number): Confidence {
  if (posts >= 20) return 'high';
  if (posts >= 5) return 'medium';
  return 'low';
}

export function basisFor(buckets: BucketStats[]): Basis {
  const posts = buckets.reduce((n, b) => n + b.posts, 0);
  const withImpressions = buckets.reduce((n, b) => n + b.withImpressions, 0);
  return posts > 0 && withImpressions * 2 >= posts ? 'rate' : 'per_post';
}

/** The bucket's sample on a basis: how many posts and the sum of their values. */
function sample(b: BucketStats, basis: Basis): { n: number; sum: number } {
  return basis === 'rate' ? { n: b.withImpressions, sum: b.rateSum } : { n: b.posts, sum: b.engagements };
}

export function suggestBestTimes(input: { network: Network; zone: string; now: Date; buckets: BucketStats[]; defaults: readonly number[] }): BestTimes {
  const { network, zone, now, buckets } = input;
  const basis = basisFor(buckets);
  const samples = buckets.map((b) => ({ bucket: b.bucket, ...sample(b, basis) })).filter((s) => s.n > 0);
  const posts = samples.reduce((n, s) => n + s.n, 0);
  const enoughHistory = posts >= MIN_HISTORY_POSTS;
  const history = enoughHistory ? rankHistory(samples, posts, zone, now) : [];
  const taken = new Set(history.map((s) => s.bucket));
  const missing = SLOTS_SUGGESTED - history.length;
  const defaults = (missing > 0 ? input.defaults : [])
    .filter((bucket) => !taken.has(bucket))
    .map((bucket): Slot => ({ at: nextOccurrence(bucket, zone, now), bucket, source: 'default', posts: 0 }))
    .sort((a, b) => a.at.getTime() - b.at.getTime());
  return { network, zone, basis, posts, enoughHistory, slots: [...history, ...defaults].slice(0, SLOTS_SUGGESTED) };
}

/** Ranked by score, ties by which comes first from now; only the three chosen get a date. */
function rankHistory(samples: { bucket: number; n: number; sum: number }[], posts: number, zone: string, now: Date): Slot[] {
  const mean = samples.reduce((s, b) => s + b.sum, 0) / posts;
  const current = hourOfWeek(now, zone);
  const ahead = (bucket: number) => (bucket - current - 1 + HOURS_PER_WEEK) % HOURS_PER_WEEK;
  return samples
    .map((s) => ({ ...s, score: (s.sum + PRIOR_POSTS * mean) / (s.n + PRIOR_POSTS) }))
    .sort((a, b) => b.score - a.score || ahead(a.bucket) - ahead(b.bucket))
    .slice(0, SLOTS_SUGGESTED)
    .map(
      (s): Slot => ({
        at: nextOccurrence(s.bucket, zone, now),
        bucket: s.bucket,
        source: 'history',
        confidence: confidenceFor(s.n),
        posts: s.n,
        average: s.sum / s.n,
      }),
    );
}
