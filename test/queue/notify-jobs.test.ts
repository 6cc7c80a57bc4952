import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inTransaction } from '../../src/db/transaction.ts';
import { createLogger } from '../../src/log.ts';
import { createQueue, QUEUES, type Queue } from '../../src/queue/queue.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

/**
 * A batch of recorded outcomes gives a post a notify job only when none of its jobs waits yet (issue 18,
 * fifth pass): the waiting job posts every unposted receipt of its post, so it serves the new ones too,
 * and it cannot start before the batch that counted on it has committed.
 */
describe('notify jobs of recorded batches', () => {
  let testDb: TestDatabase;
  let queue: Queue;
  beforeAll(async () => {
    testDb = await createTestDatabase();
    queue = createQueue({ url: testDb.url, log: createLogger({ level: 'silent' }), poolSize: 2 });
    await queue.start();
  });
  afterAll(async () => {
    await queue.stop({ graceful: false });
    await testDb.drop();
  });

  const jobsOf = async (postId: string) =>
    (
      await sql<{ state: string }>`SELECT state FROM pgboss.job WHERE name = 'notify' AND singleton_key = ${postId} ORDER BY created_on`.execute(testDb.db)
    ).rows.map((r) => r.state);
  const send = (postIds: string[]) =>
    inTransaction(testDb.db, (tx) =>
      queue.sendNotifyAll(
        tx,
        postIds.map((postId) => ({ postId })),
      ),
    );

  it('adds no job for a post whose job still waits, one for every other post', async () => {
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    await send([a, b, a]);
    await send([a, c]);
    expect(await jobsOf(a)).toEqual(['created']);
    expect(await jobsOf(b)).toEqual(['created']);
    expect(await jobsOf(c)).toEqual(['created']);
  });

  it('adds a job behind one that already started, or that a fetch holds, or that waits for a later time', async () => {
    const [started, held, deferred] = [randomUUID(), randomUUID(), randomUUID()];
    await send([started, held]);
    await sql`UPDATE pgboss.job SET state = 'active', started_on = now() WHERE name = 'notify' AND singleton_key = ${started}`.execute(testDb.db);
    await queue.boss.send(QUEUES.notify, { postId: deferred }, { singletonKey: deferred, startAfter: 3_600 });
    // A fetch under way holds its rows FOR UPDATE until it commits.
    await inTransaction(testDb.db, async (fetching) => {
      await sql`SELECT id FROM pgboss.job WHERE name = 'notify' AND singleton_key = ${held} FOR UPDATE`.execute(fetching);
      await send([started, held, deferred]);
    });
    expect(await jobsOf(started)).toEqual(['active', 'created']);
    expect(await jobsOf(held)).toEqual(['created', 'created']);
    expect(await jobsOf(deferred)).toEqual(['created', 'created']);
  });

  it('keeps the waiting job from being fetched until the batch that counted on it commits', async () => {
    const postId = randomUUID();
    await send([postId]);
    const postIdsOf = (jobs: { data: unknown }[] | null) => (jobs ?? []).map((j) => (j.data as { postId: string }).postId);
    let fetchedMeanwhile: string[] = [];
    await inTransaction(testDb.db, async (tx) => {
      await queue.sendNotifyAll(tx, [{ postId }]);
      // The receipt this batch wrote is not visible yet: a job started now would not see it.
      fetchedMeanwhile = postIdsOf(await queue.boss.fetch(QUEUES.notify, { batchSize: 50 }));
    });
    expect(fetchedMeanwhile).not.toContain(postId);
    expect(await jobsOf(postId)).toEqual(['created']);
    expect(postIdsOf(await queue.boss.fetch(QUEUES.notify, { batchSize: 50 }))).toContain(postId);
    expect(await jobsOf(postId)).toEqual(['active']);
  });
});
