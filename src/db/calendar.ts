import { sql } from 'kysely';
import type { Network } from '../domain/networks.ts';
import type { PostState } from '../domain/post-state.ts';
import type { Executor } from './database.ts';

export interface CalendarPost {
  day: number;
  id: string;
  state: PostState;
  author_id: string;
  text: string;
  publish_at: Date;
  networks: Network[];
  channel_id: string | null;
  message_id: string | null;
}

export interface CalendarDay {
  /** Posts of the day (every state but drafts, canceled and rejected ones), the first `perDay` by time. */
  posts: CalendarPost[];
  /** How many there are in all. */
  total: number;
}

/**
 * The posts of each day range, at most `perDay` of each with their networks and card, and each day's
 * count: one statement, one bounded range scan of posts_calendar_idx per day, however many posts the
 * workspace stores or the week holds (bench/calendar.ts EXPLAINs it).
 */
export async function calendarDays(db: Executor, workspaceId: string, days: { start: Date; end: Date }[], perDay: number): Promise<CalendarDay[]> {
  const { rows } = await calendarSql(workspaceId, days, perDay).execute(db);
  const out: CalendarDay[] = days.map(() => ({ posts: [], total: 0 }));
  for (const r of rows) {
    const day = out[r.day - 1]!;
    day.total = r.total;
    if (r.id) day.posts.push({ ...r, networks: r.networks ?? [] } as CalendarPost);
  }
  return out;
}

type Row = Omit<CalendarPost, 'networks'> & { total: number; networks: Network[] | null; id: string | null };

/** The statement itself (the benchmark EXPLAINs it). */
export function calendarSql(workspaceId: string, days: { start: Date; end: Date }[], perDay: number) {
  // The predicate is written out as the index's own, so the planner can prove the partial index applies.
  const shown = sql.raw(`state NOT IN ('draft', 'canceled', 'rejected')`);
  return sql<Row>`
    SELECT d.day::int AS day, c.total, p.id, p.state, p.author_id, p.text, p.publish_at, p.networks, p.channel_id, p.message_id
      FROM unnest(${days.map((d) => d.start)}::timestamptz[], ${days.map((d) => d.end)}::timestamptz[]) WITH ORDINALITY AS d(start_at, end_at, day)
      CROSS JOIN LATERAL (
        SELECT count(*)::int AS total FROM posts
         WHERE workspace_id = ${workspaceId} AND ${shown} AND publish_at >= d.start_at AND publish_at < d.end_at
      ) c
      LEFT JOIN LATERAL (
        SELECT posts.id, posts.state, posts.author_id, left(posts.text, 200) AS text, posts.publish_at,
               (SELECT array_agg(DISTINCT a.network ORDER BY a.network) FROM post_targets t JOIN social_accounts a ON a.id = t.account_id WHERE t.post_id = posts.id) AS networks,
               (SELECT m.channel_id FROM chat_messages m WHERE m.post_id = posts.id LIMIT 1) AS channel_id,
               (SELECT m.message_id FROM chat_messages m WHERE m.post_id = posts.id LIMIT 1) AS message_id
          FROM posts
         WHERE workspace_id = ${workspaceId} AND ${shown} AND publish_at >= d.start_at AND publish_at < d.end_at
         ORDER BY publish_at, id
         LIMIT ${perDay}
      ) p ON true
     ORDER BY d.day, p.publish_at, p.id`;
}
