import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createPace, LAG_LIMIT_MS, loopLag, paced } from '../../src/media/bulk-pace.ts';

/** A pace on a clock of its own: each sleep is recorded and moves the clock, nothing really waits. */
function fakePace(bytesPerSecond: number, lag: () => number = () => 0) {
  let clock = 0;
  const sleeps: number[] = [];
  const pace = createPace({
    bytesPerSecond,
    now: () => clock,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock += ms;
    },
    lag,
  });
  return { pace, sleeps, at: () => clock, advance: (ms: number) => (clock += ms) };
}

describe('video pacing (src/media/bulk-pace.ts)', () => {
  it('lets a tenth of a second of the budget through at once, then makes each byte wait for its share', async () => {
    const { pace, sleeps, at } = fakePace(1_000_000);
    await pace.take(100_000);
    expect(sleeps).toEqual([]);
    await pace.take(500_000);
    expect(sleeps).toEqual([500]);
    await pace.take(250_000);
    expect(at()).toBe(750);
  });

  it('refills while nothing is sent, up to the burst and no more', async () => {
    const { pace, sleeps, advance } = fakePace(1_000_000);
    await pace.take(100_000);
    advance(10_000); // ten idle seconds do not buy ten seconds of bytes
    await pace.take(100_000);
    expect(sleeps).toEqual([]);
    await pace.take(100_000);
    expect(sleeps).toEqual([100]);
  });

  it('serves the turns in the order they were asked', async () => {
    const { pace } = fakePace(1_000);
    const order: number[] = [];
    await Promise.all([1, 2, 3].map((n) => pace.take(500).then(() => order.push(n))));
    expect(order).toEqual([1, 2, 3]);
  });

  it('halves the rate while the event loop runs late, never below an eighth of the budget, and grows it back once on time', async () => {
    let late = true;
    const { pace, sleeps } = fakePace(1_000_000, () => (late ? LAG_LIMIT_MS + 1 : 0));
    // 100 KB pieces: 100 ms each at the full budget (1 MB/s), 800 ms at the floor (125 KB/s).
    for (let i = 0; i < 8; i++) await pace.take(100_000);
    expect(sleeps.slice(-2).map(Math.round)).toEqual([800, 800]);
    expect(Math.round(Math.max(...sleeps))).toBe(800);
    late = false;
    sleeps.length = 0;
    for (let i = 0; i < 12; i++) await pace.take(100_000);
    expect(sleeps.slice(-2).map(Math.round)).toEqual([100, 100]);
    expect(Math.round(Math.min(...sleeps))).toBe(100);
  });

  it('passes every piece on unchanged, each after its turn', async () => {
    const { pace, sleeps } = fakePace(1_000);
    async function* pieces() {
      yield Buffer.from('ab');
      yield Buffer.alloc(200);
      yield Buffer.from('c');
    }
    const out: Buffer[] = [];
    for await (const piece of paced(pieces(), pace)) out.push(piece);
    expect(Buffer.concat(out)).toEqual(Buffer.concat([Buffer.from('ab'), Buffer.alloc(200), Buffer.from('c')]));
    // 100 bytes of burst, then 103 bytes owed at 1 byte/ms.
    expect(sleeps.reduce((a, b) => a + b, 0)).toBe(103);
  });

  it('sees a blocked event loop', async () => {
    loopLag(); // starts the sampler
    await sleep(30);
    const blockedUntil = performance.now() + 80;
    while (performance.now() < blockedUntil) {
      // the loop is blocked, as by a long synchronous piece of work
    }
    await sleep(15);
    expect(loopLag()).toBeGreaterThan(LAG_LIMIT_MS);
  });
});
