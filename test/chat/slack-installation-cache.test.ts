import { describe, expect, it } from 'vitest';
import { createTtlCache } from '../../src/chat/slack/installation-cache.ts';

/** The installation cache's rules, on a clock the test moves (the store's use of it: test/e2e/slack-oauth-install.test.ts). */
function counting() {
  let clock = 0;
  const loads: string[] = [];
  const cache = createTtlCache<string>({ ttlMs: 60_000, maxEntries: 2, now: () => clock });
  const get = (key: string, fail = false) =>
    cache.get(key, async () => {
      loads.push(key);
      if (fail) throw new Error(`no ${key}`);
      return `${key}#${loads.length}`;
    });
  return { cache, get, loads, advance: (ms: number) => (clock += ms) };
}

describe('installation cache', () => {
  it('serves a lookup again until the TTL passes, then looks up afresh', async () => {
    const { get, loads, advance } = counting();
    expect(await get('team:T1')).toBe('team:T1#1');
    advance(59_999);
    expect(await get('team:T1')).toBe('team:T1#1');
    advance(1);
    expect(await get('team:T1')).toBe('team:T1#2');
    expect(loads).toEqual(['team:T1', 'team:T1']);
  });

  it('shares one lookup between requests arriving together', async () => {
    const { get, loads } = counting();
    const [a, b] = await Promise.all([get('team:T1'), get('team:T1')]);
    expect([a, b]).toEqual(['team:T1#1', 'team:T1#1']);
    expect(loads).toEqual(['team:T1']);
  });

  it('keeps no failure: the next request looks up again', async () => {
    const { get, loads } = counting();
    await expect(get('team:T1', true)).rejects.toThrow('no team:T1');
    expect(await get('team:T1')).toBe('team:T1#2');
    expect(loads).toEqual(['team:T1', 'team:T1']);
  });

  it('forget drops the entry at once', async () => {
    const { cache, get } = counting();
    await get('team:T1');
    cache.forget('team:T1');
    expect(await get('team:T1')).toBe('team:T1#2');
  });

  it('holds at most maxEntries, dropping the oldest', async () => {
    const { get, loads } = counting();
    await get('team:T1');
    await get('team:T2');
    await get('team:T3');
    await get('team:T3');
    await get('team:T2');
    await get('team:T1');
    expect(loads).toEqual(['team:T1', 'team:T2', 'team:T3', 'team:T1']);
  });
});
