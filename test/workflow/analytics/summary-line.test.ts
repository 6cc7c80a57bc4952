import { describe, expect, it } from 'vitest';
import { bestNetwork, summaryEntry, summaryText } from '../../../src/workflow/analytics/summary-line.ts';

describe('the 24-hour summary line', () => {
  it('names units once, compares engagement rates when every network reports impressions', () => {
    const entries = [
      summaryEntry('linkedin', { impressions: 1240, likes: 30, reposts: 8, replies: 0 }),
      summaryEntry('x', { impressions: 5100, likes: 50, reposts: 10, replies: 1 }),
    ];
    const best = bestNetwork(entries);
    expect(best).toEqual({ network: 'linkedin', basis: 'rate', value: 38 / 1240 });
    expect(summaryText(entries, best)).toBe(
      'After 24 hours: LinkedIn 1,240 impressions · 38 engagements; X 5,100 · 61. Best: LinkedIn (3.1% engagement rate).',
    );
  });

  it('falls back to engagements when a network reports no impressions; "not reported" is never a zero', () => {
    const entries = [
      summaryEntry('x', { impressions: 5100, likes: 50, reposts: 10, replies: 1 }),
      summaryEntry('mastodon', { impressions: null, likes: 70, reposts: 2, replies: 0 }),
      summaryEntry('bluesky', { impressions: null, likes: null, reposts: null, replies: null }),
    ];
    expect(entries[2]).toEqual({ network: 'bluesky', impressions: null, engagements: null });
    const best = bestNetwork(entries);
    expect(best).toEqual({ network: 'mastodon', basis: 'engagements', value: 72 });
    expect(summaryText(entries, best)).toBe(
      'After 24 hours: X 5,100 impressions · 61 engagements; Mastodon 72 engagements (no impressions reported); Bluesky not reported. Best: Mastodon (72 engagements).',
    );
  });

  it('names no best with fewer than two networks to compare', () => {
    const entries = [summaryEntry('x', { impressions: 10, likes: 0, reposts: 0, replies: 0 }), summaryEntry('bluesky', undefined)];
    expect(bestNetwork(entries)).toBeUndefined();
    expect(summaryText(entries, undefined)).toBe('After 24 hours: X 10 impressions · 0 engagements; Bluesky not reported.');
  });
});
