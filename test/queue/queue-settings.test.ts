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

  it("runs pg-boss's fetch and completion on its own pool as prepared statements (issue 18)", async () => {
    // One connection in pg-boss's pool, so the prepared statements it lists are the ones the fetch made.
    const queue = createQueue({ url: testDb.url, log, poolSize: 1 });
    await queue.start();
    try {
      await queue.boss.send(QUEUES.digest, { workspaceId: 'w', dueAt: 'now' });
      const [job] = await queue.boss.fetch(QUEUES.digest);
      expect(job).toBeDefined();
      await queue.boss.complete(QUEUES.digest, job!.id);
      const { rows } = await queue.boss.getDb().executeSql('SELECT name, statement FROM pg_prepared_statements', []);
      const named = (rows as { name: string; statement: string }[]).filter((r) => r.name.startsWith('gl_'));
      expect(named.some((r) => r.statement.includes('next AS'))).toBe(true);
      expect(named.some((r) => r.statement.includes('json_to_recordset'))).toBe(true);
    } finally {
      await queue.stop({ graceful: false });
    }
  });
});
