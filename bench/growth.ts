import { Kysely, PostgresDialect, sql, type CompiledQuery } from 'kysely';
import pg from 'pg';
import { fromKysely } from 'pg-boss';
import { claimDelivery } from '../src/db/claim.ts';
import type { Database } from '../src/db/schema.ts';
import { findOverdue } from '../src/db/deliveries.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { appHomeLists, upcomingPosts } from '../src/db/queue-view.ts';
import { createLogger } from '../src/log.ts';
import { createQueue, publishQueue } from '../src/queue/queue.ts';
import { freshDatabase, median } from './harness.ts';

/**
 * Growth: the same workspace with 1,000 and with 1,000,000 scheduled posts stored (each with its
 * target, a pending delivery, a card and a pending publish job). The week ahead holds the same 1,000
 * posts in both; the large store adds 999,000 posts over the two years after. Also in both: the
 * measured user's drafts and posts in review, others' posts waiting for approval, recent failures,
 * and one delivery that is due. Each query runs 20 times (after 3 warm-ups) and the median is taken;
 * the large store's plans are kept for docs/benchmarks.md.
 */
const SIZES = { small: 1_000, large: Number(process.env.BENCH_GROWTH_POSTS ?? 1_000_000) };
const WEEK_POSTS = 1_000;
const USER = 'UAUTHOR0';
const REPEAT = 20;

type Store = { url: string; dueDeliveryId: string; workspaceId: string };
let stores: { small: Store; large: Store } | undefined;

export async function growth(adminUrl: string) {
  // Seeding a million posts takes minutes: done once per `npm run bench`, every run measures again.
  stores ??= {
    small: await seedStore(adminUrl, 'greenlight_bench_growth_small', SIZES.small),
    large: await seedStore(adminUrl, 'greenlight_bench_growth_large', SIZES.large),
  };
  const [small, large] = await measure([stores.small, stores.large]);
  return {
    queries: small!.map((q, i) => ({ name: q.name, smallMs: q.ms, largeMs: large![i]!.ms })),
    plans: renderPlans(large!),
  };
}

async function seedStore(adminUrl: string, name: string, posts: number): Promise<Store> {
  const url = await freshDatabase(adminUrl, name);
  const { db, pool } = connect(url);
  const queue = createQueue({ url, log: createLogger({ level: 'silent' }), poolSize: 2 });
  try {
    await migrateToLatest(db);
    await queue.start();
    const started = Date.now();
    const {
      rows: [ids],
    } = await sql<{ workspace_id: string; account_id: string }>`
      WITH w AS (INSERT INTO workspaces (chat, external_id) VALUES ('slack', 'TGROWTH') RETURNING id)
      INSERT INTO social_accounts (workspace_id, network, external_account_id, display_name, instance_url, credentials, connected_by)
      SELECT id, 'mastodon', '1', '@growth', 'https://mastodon.example', 'v1.unused', ${USER} FROM w
      RETURNING workspace_id, id AS account_id`.execute(db);
    const { workspace_id: ws, account_id: account } = ids!;
    // The week ahead: the same 1,000 posts in both stores; the rest over the two years after it.
    await sql`
      INSERT INTO posts (workspace_id, author_id, state, text, origin_channel_id, publish_at, zone, content_hash)
      SELECT ${ws}, 'UAUTHOR' || (g % 20), 'scheduled', 'Scheduled post ' || g, 'CGROWTH',
        CASE WHEN g <= ${WEEK_POSTS} THEN now() + interval '1 hour' + (g * interval '6 days') / ${WEEK_POSTS}
             ELSE now() + interval '8 days' + ((g - ${WEEK_POSTS}) * interval '720 days') / greatest(${posts - WEEK_POSTS}, 1) END,
        'Europe/Berlin', md5(g::text)
      FROM generate_series(1, ${posts}) AS g`.execute(db);
    // What every workspace also has: drafts, posts in review (the user's and others'), recent failures.
    await sql`
      INSERT INTO posts (workspace_id, author_id, state, text, origin_channel_id, publish_at, zone, content_hash, updated_at)
      SELECT ${ws}, s.author, s.state, s.state || ' ' || g, 'CGROWTH', now() + g * interval '3 hours', 'Europe/Berlin', md5(s.state || g),
        CASE WHEN s.state = 'failed' THEN now() - g * interval '1 hour' ELSE now() END
      FROM (VALUES (${USER}, 'draft'), (${USER}, 'in_review'), ('UAUTHOR1', 'in_review'), ('UAUTHOR2', 'changes_requested'), (${USER}, 'failed')) AS s(author, state),
        generate_series(1, 5) AS g`.execute(db);
    // One post whose time came a minute ago: the due work.
    const {
      rows: [due],
    } = await sql<{ id: string }>`
      WITH p AS (
        INSERT INTO posts (workspace_id, author_id, state, text, origin_channel_id, publish_at, zone, content_hash)
        VALUES (${ws}, ${USER}, 'scheduled', 'Due now', 'CGROWTH', now() - interval '1 minute', 'Europe/Berlin', md5('due'))
        RETURNING id, publish_at)
      INSERT INTO deliveries (post_id, account_id, network, state, due_at) SELECT id, ${account}, 'mastodon', 'pending', publish_at FROM p RETURNING id`.execute(
      db,
    );
    await sql`INSERT INTO post_targets (post_id, account_id) SELECT id, ${account} FROM posts WHERE workspace_id = ${ws}`.execute(db);
    await sql`
      INSERT INTO deliveries (post_id, account_id, network, state, due_at)
      SELECT id, ${account}, 'mastodon', 'pending', publish_at FROM posts WHERE workspace_id = ${ws} AND state = 'scheduled' AND text <> 'Due now'`.execute(db);
    await sql`INSERT INTO chat_messages (post_id, chat, channel_id, message_id, thread_id) SELECT id, 'slack', 'CGROWTH', id::text, id::text FROM posts WHERE workspace_id = ${ws}`.execute(
      db,
    );
    // One publish job per pending delivery, as the workflow leaves them.
    const { rows: deliveries } = await sql<{ id: string; due_at: Date }>`SELECT id, due_at FROM deliveries WHERE state = 'pending'`.execute(db);
    for (let i = 0; i < deliveries.length; i += 20_000) {
      await queue.boss.insert(
        publishQueue('mastodon'),
        deliveries.slice(i, i + 20_000).map((d) => ({ data: { deliveryId: d.id }, singletonKey: d.id, startAfter: d.due_at })),
      );
    }
    await sql`VACUUM ANALYZE`.execute(db);
    process.stdout.write(`  seeded ${posts.toLocaleString('en')} scheduled posts in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
    return { url, dueDeliveryId: due!.id, workspaceId: ws };
  } finally {
    await queue.stop({ graceful: false });
    await db.destroy();
    await pool.end().catch(() => {});
  }
}

interface Measured {
  name: string;
  ms: number;
  queries: (CompiledQuery & { plan: string })[];
}
interface Case {
  name: string;
  run: () => Promise<unknown>;
  check: (r: unknown) => boolean;
}

/** Every query against each store, the stores taking turns so that a busy moment of the machine hits both alike. */
async function measure(list: Store[]): Promise<Measured[][]> {
  const opened = await Promise.all(list.map(open));
  try {
    const results: Measured[][] = list.map(() => []);
    for (let c = 0; c < opened[0]!.cases.length; c++) {
      for (const o of opened)
        for (let i = 0; i < 3; i++) if (!o.cases[c]!.check(await o.cases[c]!.run())) throw new Error(`growth: unexpected result from "${o.cases[c]!.name}"`);
      const times: number[][] = list.map(() => []);
      for (const o of opened) o.captured.length = 0;
      for (let i = 0; i < REPEAT; i++) {
        for (const [k, o] of opened.entries()) {
          const t = performance.now();
          await o.cases[c]!.run();
          times[k]!.push(performance.now() - t);
        }
      }
      for (const [k, o] of opened.entries()) {
        const queries = dedupe(o.captured.filter((q) => !/^(begin|commit|rollback)/i.test(q.sql)));
        results[k]!.push({ name: o.cases[c]!.name, ms: median(times[k]!), queries: await explainAll(list[k]!.url, queries) });
      }
    }
    return results;
  } finally {
    await Promise.all(opened.map((o) => o.close()));
  }
}

async function open(store: Store): Promise<{ cases: Case[]; captured: CompiledQuery[]; close: () => Promise<void> }> {
  const captured: CompiledQuery[] = [];
  const { db } = connect(store.url, (query) => captured.push(query));
  const queue = createQueue({ url: store.url, log: createLogger({ level: 'silent' }), poolSize: 2 });
  await queue.start();
  const now = () => new Date();
  // Writes run in a transaction that is rolled back, so every repetition finds the same rows.
  const rolledBack = async (work: (tx: Kysely<Database>) => Promise<unknown>) => {
    await db
      .transaction()
      .execute(async (tx) => {
        await work(tx);
        throw ROLLBACK;
      })
      .catch((error: unknown) => {
        if (error !== ROLLBACK) throw error;
      });
  };
  const cases: Case[] = [
    {
      name: "Due work: findOverdue (the sweeper's scan for due deliveries)",
      run: () => findOverdue(db, now(), 30, 500),
      check: (r) => (r as unknown[]).length === 1,
    },
    {
      name: 'Due work: pg-boss fetch of the due publish job (rolled back)',
      run: () => rolledBack((tx) => queue.boss.fetch(publishQueue('mastodon'), { batchSize: 20, db: fromKysely(tx) }).then((jobs) => expectOne(jobs))),
      check: () => true,
    },
    {
      name: 'Due work: the claim (`pending → sending`, post to `publishing`; rolled back)',
      run: () => rolledBack((tx) => claimDelivery(tx, store.dueDeliveryId, now()).then((c) => expectOne(c ? [c] : []))),
      check: () => true,
    },
    {
      name: "The week's queue: upcomingPosts (/greenlight queue)",
      run: () => upcomingPosts(db, store.workspaceId, now(), 7),
      check: (r) => (r as unknown[]).length === 50,
    },
    {
      name: "The week's queue: appHomeLists (Slack App Home, four lists)",
      run: () => appHomeLists(db, store.workspaceId, USER, now()),
      check: (r) => Object.values(r as Record<string, unknown[]>).every((l) => l.length > 0),
    },
  ];
  return {
    cases,
    captured,
    close: async () => {
      await queue.stop({ graceful: false });
      await db.destroy();
    },
  };
}

const ROLLBACK = new Error('rollback');

function expectOne(rows: unknown[] | null): void {
  if (rows?.length !== 1) throw new Error(`growth: expected the one due row, got ${rows?.length ?? 0}`);
}

function connect(url: string, onQuery?: (q: CompiledQuery) => void) {
  const pool = new pg.Pool({ connectionString: url, max: 4, application_name: 'greenlight-bench' });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), ...(onQuery ? { log: (event) => onQuery(event.query) } : {}) });
  return { db, pool };
}

function dedupe(queries: CompiledQuery[]): CompiledQuery[] {
  const seen = new Map<string, CompiledQuery>();
  for (const q of queries) if (!seen.has(q.sql)) seen.set(q.sql, q);
  return [...seen.values()];
}

/** EXPLAIN (ANALYZE, BUFFERS) of each query, in a rolled-back transaction (the claim and the fetch write). */
async function explainAll(url: string, queries: CompiledQuery[]): Promise<(CompiledQuery & { plan: string })[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const out = [];
    for (const q of queries) {
      await client.query('BEGIN');
      const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${q.sql}`, [...q.parameters]);
      await client.query('ROLLBACK');
      out.push({ ...q, plan: rows.map((r) => r['QUERY PLAN']).join('\n') });
    }
    return out;
  } finally {
    await client.end();
  }
}

function renderPlans(large: Measured[]): string {
  const sections = large.map((m) =>
    [`#### ${m.name}`, ...m.queries.map((q) => ['```sql', q.sql.replace(/\s+/g, ' ').trim(), '```', '```', q.plan, '```'].join('\n'))].join('\n\n'),
  );
  return `## Query plans with 1,000,000 scheduled posts (EXPLAIN (ANALYZE, BUFFERS), last run)\n\n${sections.join('\n\n')}`;
}
