import { describe, expect, it } from 'vitest';
import { POSTING_LIMITS, longestWindowMs, nextSendAt, parsePostingLimits, type PostingLimit } from '../../src/domain/rate-limits.ts';

const now = new Date('2026-12-02T14:00:00Z');
const ago = (ms: number) => new Date(now.getTime() - ms);
const min = 60_000;
const three: PostingLimit = { posts: 3, windowMs: 10 * min, label: '3 posts per 10 minutes' };

describe('per-account posting limits', () => {
  it('lets a post go while the window has room', () => {
    expect(
      nextSendAt({
        limits: [three],
        sent: [
          { at: ago(min), posts: 1 },
          { at: ago(2 * min), posts: 1 },
        ],
        posts: 1,
        now,
      }),
    ).toEqual({ go: true });
  });

  it('a full window frees when its oldest post ages out', () => {
    const sent = [
      { at: ago(1 * min), posts: 1 },
      { at: ago(9 * min), posts: 1 },
      { at: ago(4 * min), posts: 1 },
    ];
    expect(nextSendAt({ limits: [three], sent, posts: 1, now })).toEqual({
      go: false,
      at: new Date(now.getTime() + min),
      because: { kind: 'limit', limit: three },
    });
  });

  it('a thread needs room for all its parts', () => {
    const sent = [
      { at: ago(9 * min), posts: 1 },
      { at: ago(2 * min), posts: 1 },
    ];
    // Two parts need two free places: the 9-minute-old post must age out first (in 1 minute).
    expect(nextSendAt({ limits: [three], sent, posts: 2, now })).toMatchObject({ go: false, at: new Date(now.getTime() + min) });
    // A thread longer than the limit waits for an empty window, not forever.
    expect(nextSendAt({ limits: [three], sent, posts: 7, now })).toMatchObject({ go: false, at: new Date(now.getTime() + 8 * min) });
  });

  it('posts older than the window do not count', () => {
    const sent = [
      { at: ago(10 * min), posts: 2 },
      { at: ago(11 * min), posts: 5 },
      { at: ago(min), posts: 1 },
    ];
    expect(nextSendAt({ limits: [three], sent, posts: 2, now })).toEqual({ go: true });
  });

  it('waits for the network’s own reset time, and for the later of the two', () => {
    const reset = new Date(now.getTime() + 30_000);
    expect(nextSendAt({ limits: [three], sent: [], posts: 1, now, networkResetAt: reset })).toEqual({ go: false, at: reset, because: { kind: 'network' } });
    expect(nextSendAt({ limits: [], sent: [], posts: 1, now, networkResetAt: ago(1) })).toEqual({ go: true });
    const full = [{ at: ago(9 * min), posts: 3 }];
    expect(nextSendAt({ limits: [three], sent: full, posts: 1, now, networkResetAt: reset })).toMatchObject({
      at: new Date(now.getTime() + min),
      because: { kind: 'limit' },
    });
  });

  it('with several windows, the post waits until every one has room', () => {
    const hourly: PostingLimit = { posts: 4, windowMs: 60 * min, label: '4 posts per hour' };
    const sent = [
      { at: ago(50 * min), posts: 2 },
      { at: ago(30 * min), posts: 2 },
    ];
    expect(nextSendAt({ limits: [three, hourly], sent, posts: 1, now })).toEqual({
      go: false,
      at: new Date(now.getTime() + 10 * min),
      because: { kind: 'limit', limit: hourly },
    });
  });

  it('carries the figures the networks document', () => {
    expect(POSTING_LIMITS.x).toEqual([expect.objectContaining({ posts: 100, windowMs: 15 * min })]);
    expect(POSTING_LIMITS.instagram).toEqual([expect.objectContaining({ posts: 50, windowMs: 24 * 60 * min })]);
    expect(POSTING_LIMITS.mastodon).toEqual([expect.objectContaining({ posts: 300, windowMs: 5 * min })]);
    expect(POSTING_LIMITS.linkedin).toBeUndefined();
    expect(longestWindowMs([three, { posts: 1, windowMs: 99, label: '' }])).toBe(10 * min);
  });
});

describe('POSTING_LIMITS overrides', () => {
  const networks = ['x', 'mastodon', 'instagram'] as const;
  it('replaces a network’s windows, turns one off, keeps the rest', () => {
    const parsed = parsePostingLimits(' x=17/24h+5/15m , mastodon=off', networks);
    expect(parsed).toEqual({
      ok: true,
      limits: {
        ...POSTING_LIMITS,
        x: [
          { posts: 17, windowMs: 24 * 60 * min, label: '17 posts per 24 hours' },
          { posts: 5, windowMs: 15 * min, label: '5 posts per 15 minutes' },
        ],
        mastodon: [],
      },
    });
  });
  it('refuses what it cannot read, saying what it expects', () => {
    expect(parsePostingLimits('x=100', networks)).toEqual({ ok: false, problem: '"x=100": "100" is not posts/window such as 100/15m, 50/24h or 300/5m' });
    expect(parsePostingLimits('myspace=1/1h', networks)).toMatchObject({ ok: false, problem: expect.stringContaining('network=posts/window') });
    expect(parsePostingLimits('x=0/1h', networks)).toMatchObject({ ok: false });
    expect(parsePostingLimits('', networks)).toEqual({ ok: true, limits: POSTING_LIMITS });
  });
});
