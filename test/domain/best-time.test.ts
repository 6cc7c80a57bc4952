import { describe, expect, it } from 'vitest';
import { bucketOf } from '../../src/domain/best-time-buckets.ts';
import { DEFAULT_SLOTS } from '../../src/domain/best-time-defaults.ts';
import { basisFor, confidenceFor, suggestBestTimes, type BucketStats } from '../../src/domain/best-time.ts';

const BERLIN = 'Europe/Berlin';
const NOW = new Date('2026-11-23T12:00:00Z'); // Monday 13:00 in Berlin
const TUE_9 = bucketOf(2, 9);
const WED_12 = bucketOf(3, 12);
const THU_9 = bucketOf(4, 9);
const FRI_17 = bucketOf(5, 17);

/** A bucket whose posts all report impressions, with the given summed rate. */
const rated = (bucket: number, posts: number, rateSum: number): BucketStats => ({ bucket, posts, withImpressions: posts, engagements: posts * 10, rateSum });
const counted = (bucket: number, posts: number, engagements: number): BucketStats => ({ bucket, posts, withImpressions: 0, engagements, rateSum: 0 });

const suggest = (buckets: BucketStats[], network: 'x' | 'mastodon' = 'x') =>
  suggestBestTimes({ network, zone: BERLIN, now: NOW, buckets, defaults: DEFAULT_SLOTS[network]! });

describe('confidence from the number of posts behind a bucket', () => {
  it.each([
    [1, 'low'],
    [4, 'low'],
    [5, 'medium'],
    [19, 'medium'],
    [20, 'high'],
    [500, 'high'],
  ] as const)('%i posts: %s', (n, label) => {
    expect(confidenceFor(n)).toBe(label);
  });
});

describe('the basis of the engagement rate', () => {
  it('is engagements / impressions when at least half the posts report impressions, else engagements per post', () => {
    expect(basisFor([{ bucket: 1, posts: 10, withImpressions: 5, engagements: 50, rateSum: 0.2 }])).toBe('rate');
    expect(basisFor([{ bucket: 1, posts: 10, withImpressions: 4, engagements: 50, rateSum: 0.2 }])).toBe('per_post');
    expect(basisFor([])).toBe('per_post');
  });
});

describe('best times', () => {
  it('ranks buckets by their average shrunk toward the network’s mean: twenty good posts beat one lucky one', () => {
    const result = suggest([rated(TUE_9, 1, 0.09), rated(WED_12, 20, 1.4), rated(THU_9, 6, 0.18), rated(FRI_17, 3, 0.12)]);
    // mean 1.79 / 30; scores: Wed (1.4 + 5m) / 25 = 0.0679 > Tue (0.09 + 5m) / 6 = 0.0647 > Fri 0.0523 > Thu 0.0435.
    expect(result).toMatchObject({ basis: 'rate', posts: 30, enoughHistory: true });
    expect(result.slots.map((s) => [s.at.toISOString(), s.source, s.confidence, s.posts])).toEqual([
      ['2026-11-25T11:00:00.000Z', 'history', 'high', 20],
      ['2026-11-24T08:00:00.000Z', 'history', 'low', 1],
      ['2026-11-27T16:00:00.000Z', 'history', 'low', 3],
    ]);
    expect(result.slots.map((s) => Number(s.average!.toFixed(4)))).toEqual([0.07, 0.09, 0.04]);
  });

  it('counts engagements per post where the network reports no impressions', () => {
    const result = suggest([counted(TUE_9, 12, 120), counted(FRI_17, 8, 240)], 'mastodon');
    expect(result.basis).toBe('per_post');
    expect(result.slots.slice(0, 2).map((s) => [s.bucket, s.average, s.confidence])).toEqual([
      [FRI_17, 30, 'medium'],
      [TUE_9, 10, 'medium'],
    ]);
  });

  it('on the rate basis, posts without impressions do not count (not reported is not zero)', () => {
    const result = suggest([rated(TUE_9, 12, 0.6), { bucket: WED_12, posts: 3, withImpressions: 0, engagements: 0, rateSum: 0 }]);
    expect(result.posts).toBe(12);
    expect(result.slots.filter((s) => s.source === 'history').map((s) => s.bucket)).toEqual([TUE_9]);
  });

  it('with too little history suggests the network’s defaults, labelled, in time order', () => {
    const result = suggest([rated(FRI_17, 9, 0.9)]);
    expect(result.enoughHistory).toBe(false);
    expect(result.posts).toBe(9);
    expect(result.slots.map((s) => [s.source, s.at.toISOString(), s.confidence])).toEqual([
      ['default', '2026-11-24T08:00:00.000Z', undefined], // Tue 9:00
      ['default', '2026-11-25T11:00:00.000Z', undefined], // Wed 12:00
      ['default', '2026-11-26T08:00:00.000Z', undefined], // Thu 9:00
    ]);
    expect(suggest([]).slots.every((s) => s.source === 'default')).toBe(true);
  });

  it('fills a list with fewer than three measured buckets from the defaults it does not already hold', () => {
    const result = suggest([rated(TUE_9, 6, 0.3), rated(THU_9, 6, 0.6)]);
    expect(result.slots.map((s) => [s.bucket, s.source])).toEqual([
      [THU_9, 'history'],
      [TUE_9, 'history'],
      [WED_12, 'default'],
    ]);
  });
});
