import { sql } from 'kysely';
import type { Network } from '../domain/networks.ts';
import { postPredecessors, type PostState } from '../domain/post-state.ts';
import { anyUuid, type Executor, runPrepared } from './database.ts';
import type { Post, Workspace } from './schema.ts';

export interface NewPostInput {
  workspaceId: string;
  authorId: string;
  state: PostState;
  text: string;
  note: string | null;
  originChannelId: string;
  publishAt: Date;
  zone: string;
  contentHash: string;
  accountIds: string[];
  variants: Partial<Record<Network, string>>;
  media: { url: string; alt?: string }[];
  /** How the post's video goes to Instagram; undefined: a Reel. */
  instagramKind?: 'reels' | 'stories' | undefined;
}

export async function insertPost(tx: Executor, input: NewPostInput): Promise<Post> {
  const post = await tx
    .insertInto('posts')
    .values({
      workspace_id: input.workspaceId,
      author_id: input.authorId,
      state: input.state,
      text: input.text,
      note: input.note,
      origin_channel_id: input.originChannelId,
      publish_at: input.publishAt,
      zone: input.zone,
      content_hash: input.contentHash,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await replacePostContent(tx, post.id, input);
  return post;
}

/** Targets, variants, media and the Instagram choice are replaced as a whole on every edit. */
export async function replacePostContent(
  tx: Executor,
  postId: string,
  input: Pick<NewPostInput, 'accountIds' | 'variants' | 'media' | 'instagramKind'>,
): Promise<void> {
  await tx
    .updateTable('posts')
    .set({ instagram_kind: input.instagramKind ?? 'reels' })
    .where('id', '=', postId)
    .execute();
  await tx.deleteFrom('post_targets').where('post_id', '=', postId).execute();
  await tx.deleteFrom('post_variants').where('post_id', '=', postId).execute();
  await tx.deleteFrom('post_media').where('post_id', '=', postId).execute();
  if (input.accountIds.length > 0) {
    await tx
      .insertInto('post_targets')
      .values(input.accountIds.map((account_id) => ({ post_id: postId, account_id })))
      .execute();
  }
  const variants = Object.entries(input.variants).filter(([, text]) => text && text.trim() !== '');
  if (variants.length > 0) {
    await tx
      .insertInto('post_variants')
      .values(variants.map(([network, text]) => ({ post_id: postId, network: network as Network, text: text! })))
      .execute();
  }
  if (input.media.length > 0) {
    await tx
      .insertInto('post_media')
      .values(input.media.map((m, position) => ({ post_id: postId, position, url: m.url, alt: m.alt ?? null })))
      .execute();
  }
}

export function findPost(tx: Executor, postId: string): Promise<Post | undefined> {
  return tx.selectFrom('posts').selectAll().where('id', '=', postId).executeTakeFirst();
}

/** Several posts with their workspaces, two statements for any number (a batch of notify jobs); undefined for a post that is gone. */
export async function findPostsWithWorkspaces(tx: Executor, postIds: string[]): Promise<({ post: Post; workspace: Workspace | undefined } | undefined)[]> {
  if (postIds.length === 0) return [];
  // Arrays as one parameter, run prepared: one text whatever the batch (the notify worker's, issue 18).
  const posts = new Map((await runPrepared(tx, tx.selectFrom('posts').selectAll().where('id', '=', anyUuid(postIds)).compile())).map((p) => [p.id, p]));
  const workspaceIds = [...new Set([...posts.values()].map((p) => p.workspace_id))];
  const workspaces = new Map(
    workspaceIds.length === 0
      ? []
      : (await runPrepared(tx, tx.selectFrom('workspaces').selectAll().where('id', '=', anyUuid(workspaceIds)).compile())).map((w) => [w.id, w]),
  );
  return postIds.map((id) => {
    const post = posts.get(id);
    return post ? { post, workspace: workspaces.get(post.workspace_id) } : undefined;
  });
}

/** Locks the post row for the rest of the transaction: decisions on one post are taken one at a time. */
export function lockPost(tx: Executor, postId: string): Promise<Post | undefined> {
  return tx.selectFrom('posts').selectAll().where('id', '=', postId).forUpdate().executeTakeFirst();
}

/** Locks several post rows, always in id order, so two transactions locking overlapping sets cannot deadlock. */
export async function lockPosts(tx: Executor, postIds: string[]): Promise<void> {
  // The ids as one array parameter: one text for any number, run as a prepared statement (issue 18).
  const query = tx
    .selectFrom('posts')
    .select('id')
    .where('id', '=', sql<string>`any(${[...new Set(postIds)]}::uuid[])`)
    .orderBy('id')
    .forUpdate()
    .compile();
  await runPrepared(tx, query);
}

/**
 * Moves a post to `to` only if it is still in one of the states `to` may follow (or the given
 * ones). Returns the updated row, or undefined when a concurrent change got there first: the
 * caller then tells the user what happened instead of changing anything.
 */
export function transitionPost(
  tx: Executor,
  postId: string,
  to: PostState,
  from: PostState[] = postPredecessors(to),
  changes: { publish_at?: Date; content_hash?: string; text?: string; note?: string | null; zone?: string; version?: number } = {},
): Promise<Post | undefined> {
  if (from.length === 0) return Promise.resolve(undefined);
  return tx
    .updateTable('posts')
    .set({ ...changes, state: to, updated_at: sql<Date>`now()` })
    .where('id', '=', postId)
    .where('state', 'in', from)
    .returningAll()
    .executeTakeFirst();
}

/** transitionPost for several posts going to the same state; returns the ids that moved. */
export async function transitionPosts(tx: Executor, postIds: string[], to: PostState, from: PostState[]): Promise<string[]> {
  if (postIds.length === 0 || from.length === 0) return [];
  // Arrays as parameters, run prepared: settling a recorded batch's posts is on every delivery's path (issue 18).
  const query = tx
    .updateTable('posts')
    .set({ state: to, updated_at: sql<Date>`now()` })
    .where('id', '=', anyUuid(postIds))
    .where('state', '=', sql<PostState>`any(${from}::text[])`)
    .returning('id')
    .compile();
  return (await runPrepared(tx, query)).map((r) => r.id);
}

export interface PostContent {
  targets: { accountId: string; network: Network; displayName: string; status: string; maxCharacters: number | null }[];
  variants: Partial<Record<Network, string>>;
  media: { url: string; alt: string | null }[];
  /** How the post's video goes to Instagram (reels unless the author chose a Story). */
  instagramKind: 'reels' | 'stories';
}

export async function loadPostContent(tx: Executor, postId: string): Promise<PostContent> {
  const [targets, variants, media, post] = await Promise.all([
    tx
      .selectFrom('post_targets')
      .innerJoin('social_accounts', 'social_accounts.id', 'post_targets.account_id')
      .select([
        'social_accounts.id as accountId',
        'social_accounts.network',
        'social_accounts.display_name as displayName',
        'social_accounts.status',
        'social_accounts.max_characters as maxCharacters',
      ])
      .where('post_targets.post_id', '=', postId)
      .orderBy('social_accounts.network')
      .execute(),
    tx.selectFrom('post_variants').select(['network', 'text']).where('post_id', '=', postId).execute(),
    tx.selectFrom('post_media').select(['url', 'alt']).where('post_id', '=', postId).orderBy('position').execute(),
    tx.selectFrom('posts').select('instagram_kind').where('id', '=', postId).executeTakeFirst(),
  ]);
  return {
    targets,
    variants: Object.fromEntries(variants.map((v) => [v.network, v.text])),
    media,
    instagramKind: post?.instagram_kind ?? 'reels',
  };
}

/** The time zone of the author's last post in the workspace, if any. */
export async function lastPostZone(tx: Executor, workspaceId: string, authorId: string): Promise<string | undefined> {
  const row = await tx
    .selectFrom('posts')
    .select('zone')
    .where('workspace_id', '=', workspaceId)
    .where('author_id', '=', authorId)
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.zone ?? undefined;
}

/** A new content hash for the same version (a link card arrived): only over the hash it was computed from. */
export async function setContentHash(tx: Executor, postId: string, version: number, from: string, to: string): Promise<boolean> {
  const row = await tx
    .updateTable('posts')
    .set({ content_hash: to, updated_at: sql<Date>`now()` })
    .where('id', '=', postId)
    .where('version', '=', version)
    .where('content_hash', '=', from)
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}
