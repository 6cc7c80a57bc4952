import { describe, expect, it, vi } from 'vitest';
import { currentLogContext, withLogContext } from '../../src/log.ts';
import { coalesce } from '../../src/workflow/delivery/coalesce.ts';

describe('coalesce', () => {
  it("runs the batch with no caller's log ids, and each caller goes on with its own", async () => {
    const seen: object[] = [];
    const load = coalesce(
      async (inputs: string[]) => {
        seen.push(currentLogContext());
        return inputs;
      },
      { maxBatch: 10, windowMs: 0 },
    );
    const after = await Promise.all(
      ['d1', 'd2'].map((id) =>
        withLogContext({ jobId: `job-${id}`, deliveryId: id }, async () => {
          await load(id);
          return currentLogContext();
        }),
      ),
    );
    expect(seen).toEqual([{}]);
    expect(after).toEqual([
      { jobId: 'job-d1', deliveryId: 'd1' },
      { jobId: 'job-d2', deliveryId: 'd2' },
    ]);
  });

  it('gathers the calls of one turn into one run, answering each with its own result', async () => {
    const runs: number[][] = [];
    const double = coalesce(
      async (inputs: number[]) => {
        runs.push(inputs);
        return inputs.map((i) => i * 2);
      },
      { maxBatch: 10, windowMs: 0 },
    );
    expect(await Promise.all([1, 2, 3].map(double))).toEqual([2, 4, 6]);
    expect(runs).toEqual([[1, 2, 3]]);
  });

  it('runs a full batch at once and starts the next', async () => {
    const runs: number[][] = [];
    const same = coalesce(
      async (inputs: number[]) => {
        runs.push(inputs);
        return inputs;
      },
      { maxBatch: 2, windowMs: 1_000 },
    );
    expect(await Promise.all([1, 2].map(same))).toEqual([1, 2]);
    const third = same(3);
    const fourth = same(4);
    expect(await Promise.all([third, fourth])).toEqual([3, 4]);
    expect(runs).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });

  it('waits up to the window for company', async () => {
    const runs: number[][] = [];
    const same = coalesce(
      async (inputs: number[]) => {
        runs.push(inputs);
        return inputs;
      },
      { maxBatch: 10, windowMs: 30 },
    );
    const first = same(1);
    await new Promise((r) => setTimeout(r, 5));
    await Promise.all([first, same(2)]);
    expect(runs).toEqual([[1, 2]]);
  });

  it('rejects every call of a batch that failed, also when the run throws at once', async () => {
    const failing = coalesce(
      (_inputs: number[]): Promise<number[]> => {
        throw new Error('database gone');
      },
      { maxBatch: 10, windowMs: 0 },
    );
    const results = await Promise.allSettled([failing(1), failing(2)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });
  it('with quietMs, keeps gathering while calls keep coming, up to windowMs, and goes once they stop', async () => {
    vi.useFakeTimers();
    try {
      const runs: number[][] = [];
      const same = coalesce(
        async (inputs: number[]) => {
          runs.push(inputs);
          return inputs;
        },
        { maxBatch: 100, windowMs: 30, quietMs: 5 },
      );
      // Three calls 4 ms apart: each gap is under quietMs, so they stay together past the first 5 ms.
      const first = [same(1)];
      await vi.advanceTimersByTimeAsync(4);
      first.push(same(2));
      await vi.advanceTimersByTimeAsync(4);
      first.push(same(3));
      await vi.advanceTimersByTimeAsync(4);
      expect(runs).toEqual([]);
      // Quiet for 5 ms after the last call: the batch goes.
      await vi.advanceTimersByTimeAsync(1);
      expect(await Promise.all(first)).toEqual([1, 2, 3]);
      expect(runs).toEqual([[1, 2, 3]]);
      // Calls that never stop coming still go at windowMs after the first of them.
      const steady: Promise<number>[] = [];
      for (let i = 0; i < 10; i++) {
        steady.push(same(10 + i));
        await vi.advanceTimersByTimeAsync(4);
      }
      expect(runs[1]).toEqual([10, 11, 12, 13, 14, 15, 16, 17]);
      await vi.advanceTimersByTimeAsync(5);
      expect(await Promise.all(steady)).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
      expect(runs[2]).toEqual([18, 19]);
    } finally {
      vi.useRealTimers();
    }
  });
});
