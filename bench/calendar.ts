import { Kysely, PostgresDialect, sql, type CompiledQuery } from 'kysely';
import pg from 'pg';
import { listAccounts } from '../src/db/accounts.ts';
import { calendarDays, calendarSql } from '../src/db/calendar.ts';
import type { Database } from '../src/db/schema.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { findWorkspace } from '../src/db/workspaces.ts';
import { weekOf } from '../src/domain/posting-slots.ts';
import { bookSlot, chooseSlot } from '../src/workflow/next-slot.ts';
import { buildWeekView, freeSlots, POSTS_PER_DAY, weekText } from '../src/workflow/week-view.ts';
import { freshDatabase, median } from './harness.ts';

/**
 * Calendar and "next slot" (issue 17): one workspace whose coming week holds 5,000 posts, stored
 * alone and among 1,000,000 posts (BENCH_CALENDAR_POSTS; the rest spread over the year before,
 * published, and the two years after, scheduled). 35 weekly slots per network for two accounts;
 * the first 40 slot instants ahead are taken by posts at exactly those times, so "next slot" has to
 * look past them. Measured, median of 20 after 3 warm-ups:
 * - the week rendered: the calendar's statement, the free slots, and the text (buildWeekView + weekText);
 * - "next slot" resolved and booked for both accounts, in a transaction rolled back each time.
 * The plans (EXPLAIN ANALYZE, BUFFERS) of the calendar statement and the busy-slot look-up are kept.
 */
const WEEK_POSTS = 5_000;
const LARGE = Number(process.env.BENCH_CALENDAR_POSTS ?? 1_000_000);
const REPEAT = 20;
const ZONE = 'Europe/Berlin';

interface Store {
  url: string;
  workspaceId: string;
}
let stores: { small: Store; large: Store } | undefined;

export async function calendar(adminUrl: string) {
  stores ??= {
    small: await seed(adminUrl, 'greenlight_bench_calendar_small', WEEK_POSTS),
    large: await seed(adminUrl, 'greenlight_bench_calendar_large', LARGE),
  };
  const small = await measure(stores.small);
  const large = await measure(stores.large);
  return { small, large, plans: large.plans };
}

async function seed(adminUrl: string, name: string, posts: number): Promise<Store> {
  const url = await freshDatabase(adminUrl, name);
  const { db } = connect(url);
  try {
    await migrateToLatest(db);
    const started = Date.now();
    const {
      rows: [w],
    } = await sql<{ id: string }>`INSERT INTO workspaces (chat, external_id, default_zone) VALUES ('slack', 'TCAL', ${ZONE}) RETURNING id`.execute(db);
    const ws = w!.id;
    await sql`
      INSERT INTO social_accounts (workspace_id, network, external_account_id, display_name, credentials, connected_by)
      VALUES (${ws}, 'mastodon', '1', '@cal', 'v1.unused', 'U1'), (${ws}, 'x', '2', '@calx', 'v1.unused', 'U1')`.execute(db);
    // Slots: every day at 8, 10, 12, 14 and 16 o'clock, for each network.
    await sql`
      INSERT INTO posting_slots (workspace_id, network, weekday, minute, zone, created_by)
      SELECT ${ws}, n, d, h * 60, ${ZONE}, 'bench' FROM unnest(ARRAY['mastodon', 'x']) AS n, generate_series(1, 7) AS d, unnest(ARRAY[8, 10, 12, 14, 16]) AS h`.execute(
      db,
    );
    const week = weekOf(new Date(), ZONE, 1);
    const rest = posts - WEEK_POSTS;
    await sql`
      INSERT INTO posts (workspace_id, author_id, state, text, origin_channel_id, publish_at, zone, content_hash)
      SELECT ${ws}, 'UAUTHOR' || (g % 20),
        CASE WHEN g <= ${WEEK_POSTS} THEN 'scheduled' WHEN g % 2 = 0 THEN 'published' ELSE 'scheduled' END,
        'Calendar post ' || g, 'CCAL',
        CASE WHEN g <= ${WEEK_POSTS} THEN ${week.start}::timestamptz + (g * interval '7 days') / ${WEEK_POSTS} + interval '17 seconds'
             WHEN g % 2 = 0 THEN ${week.start}::timestamptz - interval '1 day' - ((g - ${WEEK_POSTS}) * interval '365 days') / greatest(${rest}, 1)
             ELSE ${week.end}::timestamptz + interval '1 day' + ((g - ${WEEK_POSTS}) * interval '730 days') / greatest(${rest}, 1) END,
        ${ZONE}, md5(g::text)
      FROM generate_series(1, ${posts}) AS g`.execute(db);
    // The first 40 slot instants from now are taken, by posts at exactly those times.
    const accounts = await listAccounts(db, ws);
    const { rows: slots } = await sql<{
      weekday: number;
      minute: number;
    }>`SELECT DISTINCT weekday, minute FROM posting_slots WHERE workspace_id = ${ws}`.execute(db);
    const { candidateInstants } = await import('../src/domain/posting-slots.ts');
    const taken = candidateInstants(
      slots.map((s) => ({ ...s, zone: ZONE })),
      new Date(Date.now() + 60_000),
      new Date(Date.now() + 30 * 86_400_000),
    ).slice(0, 40);
    await sql`
      INSERT INTO posts (workspace_id, author_id, state, text, origin_channel_id, publish_at, zone, content_hash)
      SELECT ${ws}, 'UAUTHOR', 'scheduled', 'In a slot', 'CCAL', t, ${ZONE}, md5(t::text) FROM unnest(${taken}::timestamptz[]) AS t`.execute(db);
    await sql`INSERT INTO post_targets (post_id, account_id) SELECT p.id, a.id FROM posts p CROSS JOIN social_accounts a WHERE p.workspace_id = ${ws} AND (a.network = 'mastodon' OR p.text = 'In a slot' OR right(p.content_hash, 1) < '8')`.execute(
      db,
    );
    // Those taken instants were booked through "next slot"; every post has its card.
    await sql`INSERT INTO slot_bookings (workspace_id, account_id, slot_at, post_id) SELECT ${ws}, a.id, p.publish_at, p.id FROM posts p CROSS JOIN social_accounts a WHERE p.workspace_id = ${ws} AND p.text = 'In a slot'`.execute(
      db,
    );
    await sql`INSERT INTO chat_messages (post_id, chat, channel_id, message_id, thread_id) SELECT id, 'slack', 'CCAL', id::text, id::text FROM posts WHERE workspace_id = ${ws}`.execute(
      db,
    );
    void accounts;
    await sql`VACUUM ANALYZE`.execute(db);
    process.stdout.write(
      `  seeded ${posts.toLocaleString('en')} posts (${WEEK_POSTS.toLocaleString('en')} in the measured week) in ${((Date.now() - started) / 1000).toFixed(0)} s\n`,
    );
    return { url, workspaceId: ws };
  } finally {
    await db.destroy();
  }
}

const ROLLBACK = new Error('rollback');

async function measure(store: Store) {
  const captured: CompiledQuery[] = [];
  const { db } = connect(store.url, (q) => captured.push(q));
  try {
    const deps = { db, now: () => new Date() };
    const workspace = (await findWorkspace(db, store.workspaceId))!;
    const accounts = await listAccounts(db, store.workspaceId);
    const shownWeek = weekOf(new Date(), ZONE, 1);
    const {
      rows: [expected],
    } = await sql<{
      n: number;
    }>`SELECT count(*)::int AS n FROM posts WHERE workspace_id = ${store.workspaceId} AND publish_at >= ${shownWeek.start} AND publish_at < ${shownWeek.end}`.execute(
      db,
    );
    let lines = 0;
    const render = async () => {
      const view = await buildWeekView(deps, store.workspaceId, ZONE, 1);
      const text = weekText(view, { bold: (t) => `*${t}*`, escape: (t) => t, mention: (u) => `<@${u}>` });
      lines = text.split('\n').length;
      const shown = view.days.reduce((n, d) => n + d.entries.filter((e) => e.kind === 'post').length + d.more, 0);
      if (shown !== expected!.n) throw new Error(`calendar: the week shows ${shown} posts, expected ${expected!.n}`);
    };
    let slotAt: Date | undefined;
    const somePost = (await db.selectFrom('posts').select('id').where('workspace_id', '=', store.workspaceId).limit(1).executeTakeFirstOrThrow()).id;
    const nextSlot = () =>
      db
        .transaction()
        .execute(async (tx) => {
          const choice = await chooseSlot(tx, workspace, accounts, { kind: 'next_slot', after: new Date(), afterText: null }, new Date());
          if (!choice.ok) throw new Error(`calendar: ${choice.message}`);
          slotAt = choice.at;
          // Booked for some stored post (as submit books it for the post it just stored), then rolled back.
          await bookSlot(
            tx,
            store.workspaceId,
            accounts.map((a) => a.id),
            choice.at,
            somePost,
          );
          throw ROLLBACK;
        })
        .catch((e: unknown) => {
          if (e !== ROLLBACK) throw e;
        });
    const time = async (work: () => Promise<unknown>) => {
      for (let i = 0; i < 3; i++) await work();
      const times: number[] = [];
      for (let i = 0; i < REPEAT; i++) {
        const t = performance.now();
        await work();
        times.push(performance.now() - t);
      }
      return median(times);
    };
    const renderMs = await time(render);
    const shownDays = weekOf(new Date(), ZONE, 1).days;
    const statementMs = await time(() => calendarDays(db, store.workspaceId, shownDays, POSTS_PER_DAY));
    const freeMs = await time(() => freeSlots(deps, store.workspaceId, shownWeek.start, shownWeek.end));
    const view = await buildWeekView(deps, store.workspaceId, ZONE, 1);
    const textMs = await time(async () => weekText(view, { bold: (t) => `*${t}*`, escape: (t) => t, mention: (u) => `<@${u}>` }));
    const nextSlotMs = await time(nextSlot);
    // The plans of the two statements that could grow with the store.
    const week = weekOf(new Date(), ZONE, 1);
    const calendarPlan = await explain(store.url, calendarSql(store.workspaceId, week.days, POSTS_PER_DAY).compile(db));
    captured.length = 0;
    await nextSlot();
    const busyPlan = await explain(store.url, captured.find((q) => q.sql.includes('FROM slot_bookings b JOIN posts p'))!);
    return { renderMs, statementMs, freeMs, textMs, nextSlotMs, lines, slotAt: slotAt!.toISOString(), plans: { calendarPlan, busyPlan } };
  } finally {
    await db.destroy();
  }
}

async function explain(url: string, q: CompiledQuery): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${q.sql}`, [...q.parameters]);
    // Long literal lists (the candidate instants) are cut: the plan's shape is what matters.
    return rows.map((r) => (r['QUERY PLAN'].length > 300 ? `${r['QUERY PLAN'].slice(0, 300)}…` : r['QUERY PLAN'])).join('\n');
  } finally {
    await client.end();
  }
}

function connect(url: string, onQuery?: (q: CompiledQuery) => void) {
  const pool = new pg.Pool({ connectionString: url, max: 4, application_name: 'greenlight-bench' });
  return { db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }), ...(onQuery ? { log: (event) => onQuery(event.query) } : {}) }), pool };
}
