import { describe, expect, it } from 'vitest';
import { backoffDelayMs, nextAttemptAt } from '../../src/domain/backoff.ts';

const options = { baseMs: 1000, maxMs: 60_000 };

describe('backoff with full jitter', () => {
  it('doubles the ceiling with each attempt', () => {
    expect(backoffDelayMs(1, options, 0.999999)).toBe(999);
    expect(backoffDelayMs(2, options, 0.999999)).toBe(1999);
    expect(backoffDelayMs(3, options, 0.999999)).toBe(3999);
  });
  it('never exceeds the maximum', () => {
    expect(backoffDelayMs(30, options, 0.999999)).toBe(59_999);
  });
  it('draws from zero up (full jitter)', () => {
    expect(backoffDelayMs(5, options, 0)).toBe(0);
    expect(backoffDelayMs(5, options, 0.5)).toBe(8000);
  });
  it('waits for the network reset time when it is later', () => {
    const now = new Date('2026-11-23T09:00:00Z');
    const reset = new Date('2026-11-23T09:15:00Z');
    expect(nextAttemptAt(now, 1, options, 0.5, reset)).toEqual(reset);
    expect(nextAttemptAt(now, 1, options, 0.5, new Date('2026-11-23T08:00:00Z'))).toEqual(new Date('2026-11-23T09:00:00.500Z'));
  });
});
