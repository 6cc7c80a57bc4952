import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendEvents } from '../../src/db/events.ts';
import { insertEventDeliveries, insertEventsDeliveries } from '../../src/db/webhooks.ts';
import { findOrCreateWorkspace } from '../../src/db/workspaces.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

/**
 * A batch of recorded outcomes fans its events out to the subscriptions in one statement
 * (insertEventsDeliveries): it must pick exactly the rows the one-event statement picks for each
 * event, whatever the mix of workspaces, kinds and filters in the batch.
 */
let testDb: TestDatabase;
beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(async () => {
  await testDb.drop();
});

describe('webhook fan-out of a batch of events', () => {
  it('gives each event the live subscriptions of its own workspace whose filter takes its kind, in event order', async () => {
    const { db } = testDb;
    const one = await findOrCreateWorkspace(db, 'slack', `T${randomUUID()}`);
    const two = await findOrCreateWorkspace(db, 'slack', `T${randomUUID()}`);
    const subscribe = async (workspaceId: string, events: string[], removed = false) =>
      (
        await db
          .insertInto('webhook_subscriptions')
          .values({
            id: randomUUID(),
            workspace_id: workspaceId,
            url: 'https://example.com/hook',
            events,
            secret: 'v1.sealed',
            created_by: 'U1',
            ...(removed ? { removed_at: new Date() } : {}),
          })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id;
    const all = await subscribe(one.id, []);
    const deliveries = await subscribe(one.id, ['delivery_*']);
    const approvals = await subscribe(one.id, ['post_approved']);
    await subscribe(one.id, [], true);
    const other = await subscribe(two.id, ['delivery_published']);

    const events = [
      { workspaceId: one.id, kind: 'delivery_published' },
      { workspaceId: two.id, kind: 'delivery_published' },
      { workspaceId: one.id, kind: 'post_approved' },
      { workspaceId: two.id, kind: 'delivery_failed' },
      { workspaceId: one.id, kind: 'delivery_failed' },
    ];
    const ids = await appendEvents(db, events);
    const batch = events.map((e, i) => ({ id: ids[i]!, ...e }));
    const made = await insertEventsDeliveries(db, batch);

    const rows = await db.selectFrom('webhook_deliveries').select(['id', 'subscription_id', 'event_id']).where('event_id', 'in', ids).execute();
    const pairs = (of: typeof rows) => of.map((r) => `${r.subscription_id} ${String(r.event_id)}`).sort();
    const expected = [
      [all, ids[0]],
      [deliveries, ids[0]],
      [other, ids[1]],
      [all, ids[2]],
      [approvals, ids[2]],
      [all, ids[4]],
      [deliveries, ids[4]],
    ]
      .map(([s, e]) => `${s} ${String(e)}`)
      .sort();
    expect(pairs(rows)).toEqual(expected);
    // The ids returned are the rows made, grouped by event in the batch's order.
    expect(new Set(made)).toEqual(new Set(rows.map((r) => r.id)));
    const eventOf = new Map(rows.map((r) => [r.id, Number(r.event_id)]));
    const order = made.map((id) => ids.indexOf(eventOf.get(id)!));
    expect(order).toEqual([...order].sort((a, b) => a - b));

    // A second fan-out of the same events adds nothing (a retried transaction), one event or many.
    expect(await insertEventsDeliveries(db, batch)).toEqual([]);
    expect(await insertEventDeliveries(db, batch[0]!)).toEqual([]);
  });
});
