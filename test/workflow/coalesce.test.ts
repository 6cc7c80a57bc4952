import { describe, expect, it } from 'vitest';
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
});
