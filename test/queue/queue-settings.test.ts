import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.ts';
import { createQueue, QUEUES, type Queue } from '../../src/queue/queue.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

/** Queue settings follow src/queue/queue.ts on every start, not only when the queue is first created. */
describe('queue settings on start', () => {
  let testDb: TestDatabase;
  const log = createLogger({ level: 'silent' });
  beforeAll(async () => {
    testDb = await createTestDatabase();
  });
  afterAll(async () => {
    await testDb.drop();
  });

  async function started(): Promise<Queue> {
    const queue = createQueue({ url: testDb.url, log, poolSize: 2 });
    await queue.start();
    return queue;
  }

  it("an install whose first-comment queue has no heartbeat (created by an older version) gets this version's", async () => {
    const first = await started();
    // As an older Greenlight left it: no heartbeat, no cap on the retry delay.
    await first.boss.updateQueue(QUEUES.firstComment, { heartbeatSeconds: null, retryDelayMax: null });
    expect(await first.boss.getQueue(QUEUES.firstComment)).toMatchObject({ heartbeatSeconds: null });
    await first.stop({ graceful: false });

    const again = await started();
    try {
      expect(await again.boss.getQueue(QUEUES.firstComment)).toMatchObject({ heartbeatSeconds: 10, retryDelayMax: 300, policy: 'standard' });
    } finally {
      await again.stop({ graceful: false });
    }
  });
});
