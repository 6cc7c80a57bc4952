import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setPaused } from '../../src/db/workspaces.ts';
import { addSlots } from '../../src/db/posting-slots.ts';
import type { Network } from '../../src/domain/networks.ts';
import { cancelPost } from '../../src/workflow/author-actions.ts';
import { submitPost } from '../../src/workflow/submit-post.ts';
import { AUTHOR, CHANNEL, startStack, type Stack } from '../helpers/greenlight.ts';
import { engineDeps } from '../helpers/engine.ts';

/**
 * "next slot" against the real database: the slot is chosen and booked in the submitting
 * transaction, so authors asking at once never share an instant for an account.
 */
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ settings: { approvals_required: 1 } });
  // Every day at 8:00, 9:00, ... 20:00 in Berlin for Mastodon; X only at 9:00 and 12:00.
  const minutes = Array.from({ length: 13 }, (_, i) => (8 + i) * 60);
  await addSlots(
    stack.app.db,
    [1, 2, 3, 4, 5, 6, 7].flatMap((weekday) =>
      minutes.map((minute) => ({
        workspaceId: stack.workspaceId,
        accountId: null,
        network: 'mastodon' as Network,
        weekday,
        minute,
        zone: 'Europe/Berlin',
        createdBy: 'test',
      })),
    ),
  );
  await addSlots(
    stack.app.db,
    [1, 2, 3, 4, 5, 6, 7].flatMap((weekday) =>
      [540, 720].map((minute) => ({
        workspaceId: stack.workspaceId,
        accountId: stack.accounts.x,
        network: null,
        weekday,
        minute,
        zone: 'Europe/Berlin',
        createdBy: 'test',
      })),
    ),
  );
}, 60_000);
afterAll(() => stack?.stop());

function compose(accountIds: string[], when: string, text = 'Slot post') {
  return { text, accountIds, variants: {}, media: [], when, zone: 'Europe/Berlin', note: null };
}

async function publishTimes(postIds: string[]): Promise<Date[]> {
  const rows = await stack.app.db.selectFrom('posts').select(['id', 'publish_at']).where('id', 'in', postIds).execute();
  return postIds.map((id) => rows.find((r) => r.id === id)!.publish_at);
}

describe('next slot', () => {
  it('gives 30 authors asking at the same moment 30 different slots, and never double-books X', async () => {
    const deps = engineDeps(stack);
    // Most ask for Mastodon alone, every third for Mastodon and X: X's 14 weekly slots are shared.
    const asks = Array.from({ length: 30 }, (_, i) =>
      submitPost(
        deps,
        { workspaceId: stack.workspaceId, userId: `U0AUTHOR${i}` },
        compose(i % 3 === 0 ? [stack.accounts.mastodon, stack.accounts.x] : [stack.accounts.mastodon], 'next slot', `Concurrent ${i}`),
        CHANNEL,
      ),
    );
    const results = await Promise.all(asks);
    const ids = results.map((r) => (r.ok ? r.postId : JSON.stringify(r)));
    expect(results.every((r) => r.ok)).toBe(true);
    const times = (await publishTimes(ids)).map((d) => d.getTime());
    expect(new Set(times).size).toBe(30);
    // Each is a Berlin full hour from 8 to 20, in the future.
    for (const t of times) {
      const local = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', hour: 'numeric', minute: 'numeric', hourCycle: 'h23' }).format(t);
      expect(local).toMatch(/^(0[89]|1\d|20):00$/);
      expect(t).toBeGreaterThan(Date.now());
    }
    const bookings = await sql<{
      account_id: string;
      n: number;
    }>`SELECT account_id, count(*)::int AS n, count(DISTINCT slot_at)::int AS d FROM slot_bookings GROUP BY account_id`.execute(stack.app.db);
    expect(bookings.rows.find((r) => r.account_id === stack.accounts.mastodon)).toMatchObject({ n: 30, d: 30 });
    expect(bookings.rows.find((r) => r.account_id === stack.accounts.x)).toMatchObject({ n: 10, d: 10 });
    // The X posts sit at X's own slots (9:00 or 12:00), free for Mastodon too.
    const withX = await publishTimes(ids.filter((_, i) => i % 3 === 0));
    for (const at of withX)
      expect(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at)).toMatch(
        /^(09|12):00$/,
      );
  }, 60_000);

  it("takes the first slot after a bound, and says which slot it took in the card's thread", async () => {
    const deps = engineDeps(stack);
    const result = await submitPost(
      deps,
      { workspaceId: stack.workspaceId, userId: AUTHOR },
      compose([stack.accounts.x], 'next slot after 2027-06-01', 'Far ahead'),
      CHANNEL,
    );
    expect(result.ok).toBe(true);
    const [at] = await publishTimes([result.ok ? result.postId : '']);
    // 2 June 2027 is a Wednesday; X's first slot that day is 9:00 CEST.
    expect(at!.toISOString()).toBe('2027-06-02T07:00:00.000Z');
    const event = await stack.app.db
      .selectFrom('events')
      .select('data')
      .where('post_id', '=', result.ok ? result.postId : '')
      .where('kind', '=', 'submitted')
      .executeTakeFirstOrThrow();
    expect(event.data).toMatchObject({ slot: 'Wed 9:00 Europe/Berlin', publishAt: '2027-06-02T07:00:00.000Z' });
  });

  it("frees a canceled post's slot for the next author", async () => {
    const deps = engineDeps(stack);
    const first = await submitPost(
      deps,
      { workspaceId: stack.workspaceId, userId: AUTHOR },
      compose([stack.accounts.x], 'next slot after 2027-09-01', 'To be canceled'),
      CHANNEL,
    );
    const [firstAt] = await publishTimes([first.ok ? first.postId : '']);
    const second = await submitPost(
      deps,
      { workspaceId: stack.workspaceId, userId: AUTHOR },
      compose([stack.accounts.x], 'next slot after 2027-09-01', 'Second'),
      CHANNEL,
    );
    const [secondAt] = await publishTimes([second.ok ? second.postId : '']);
    expect(secondAt!.getTime()).toBeGreaterThan(firstAt!.getTime());
    expect((await cancelPost(deps, { workspaceId: stack.workspaceId, userId: AUTHOR }, first.ok ? first.postId : '')).ok).toBe(true);
    const third = await submitPost(
      deps,
      { workspaceId: stack.workspaceId, userId: AUTHOR },
      compose([stack.accounts.x], 'next slot after 2027-09-01', 'Third'),
      CHANNEL,
    );
    const [thirdAt] = await publishTimes([third.ok ? third.postId : '']);
    expect(thirdAt!.toISOString()).toBe(firstAt!.toISOString());
  });

  it('refuses an account that needs a reconnect, on the publish time field, and books again once it is back', async () => {
    const deps = engineDeps(stack);
    await stack.app.db.updateTable('social_accounts').set({ status: 'needs_reconnect' }).where('id', '=', stack.accounts.x).execute();
    const refused = await submitPost(deps, { workspaceId: stack.workspaceId, userId: AUTHOR }, compose([stack.accounts.x], 'next slot'), CHANNEL);
    expect(refused).toEqual({
      ok: false,
      errors: { when: 'X · @greenlight needs a reconnect, so no slot can be booked for it: reconnect first (`/greenlight accounts`), or type a time.' },
    });
    await stack.app.db.updateTable('social_accounts').set({ status: 'connected' }).where('id', '=', stack.accounts.x).execute();
    expect((await submitPost(deps, { workspaceId: stack.workspaceId, userId: AUTHOR }, compose([stack.accounts.x], 'next slot'), CHANNEL)).ok).toBe(true);
  });

  it('still books while the workspace is paused (the brake holds publishing, not the plan)', async () => {
    const deps = engineDeps(stack);
    await setPaused(stack.app.db, stack.workspaceId, 'U0ADMIN');
    try {
      expect(
        (await submitPost(deps, { workspaceId: stack.workspaceId, userId: AUTHOR }, compose([stack.accounts.mastodon], 'next slot', 'While paused'), CHANNEL))
          .ok,
      ).toBe(true);
    } finally {
      await setPaused(stack.app.db, stack.workspaceId, null);
    }
  });

  it('tells the author when the chosen accounts have no slots', async () => {
    const deps = engineDeps(stack);
    await sql`DELETE FROM posting_slots WHERE account_id = ${stack.accounts.x}`.execute(stack.app.db);
    const refused = await submitPost(deps, { workspaceId: stack.workspaceId, userId: AUTHOR }, compose([stack.accounts.x], 'next slot'), CHANNEL);
    expect(refused).toEqual({
      ok: false,
      errors: {
        when: 'X has no posting slots yet: an admin adds them with `/greenlight slots add x tue 9:00` (ideas: `/greenlight slots suggest`), or type a time.',
      },
    });
  });
});
