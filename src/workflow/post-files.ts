import type { Executor, Tx } from '../db/database.ts';
import { addPreparingFiles, listPostFiles, placeFile, removePostFilesExcept, type PostFileRow } from '../db/post-files.ts';
import { seriesOf } from '../db/post-series.ts';
import { loadPostContent } from '../db/posts.ts';
import { listFirstComments } from '../db/first-comments.ts';
import { findLinkPreview } from '../db/link-previews.ts';
import { hashWithComments } from '../domain/first-comment.ts';
import { hashWithPreview } from '../domain/link-preview.ts';
import type { Post } from '../db/schema.ts';
import type { HashableFile } from '../domain/media-hash.ts';
import { hashOf, type ComposeFile } from './compose.ts';
import type { WorkflowDeps } from './deps.ts';

/**
 * A post's attached files as the workflow sees them (issue 14): written with the post in the same
 * transaction (`preparing`, copied after the form was answered by the media-intake job), kept by
 * Edit and Reschedule, and covered by the content hash once every file is in the store.
 */

/**
 * Makes the post's files what the form says, in its order: files already in the store are kept (with
 * the form's alt text and place), the others go, and each file from the chat gets a `preparing` row
 * and one copy job for the post. Returns how many files wait for their copy.
 */
export async function setPostFiles(tx: Tx, deps: WorkflowDeps, post: { id: string; workspace_id: string }, files: readonly ComposeFile[]): Promise<number> {
  const keep: string[] = [];
  const fresh: Parameters<typeof addPreparingFiles>[3][number][] = [];
  for (const [position, file] of files.entries()) {
    const alt = file.alt?.trim() || null;
    if (file.source.chat === 'store') {
      if (await placeFile(tx, post.id, file.source.mediaId, { position, alt })) keep.push(file.source.mediaId);
    } else {
      fresh.push({
        position,
        filename: file.filename,
        alt,
        declaredType: file.contentType,
        source: { chat: file.source.chat, url: file.source.url },
      });
    }
  }
  await removePostFilesExcept(tx, post.id, keep);
  await addPreparingFiles(tx, post.workspace_id, post.id, fresh);
  if (fresh.length > 0) await deps.queue.sendMediaIntake(tx, { postId: post.id });
  return fresh.length;
}

/**
 * The files the form keeps from the store, with the store's facts (type, bytes, pixels) in place of
 * what the chat said, so the form's rules check the real files. A file not of this post is dropped.
 */
export async function withStoredFacts(db: Executor, postId: string, files: readonly ComposeFile[] | undefined): Promise<ComposeFile[] | undefined> {
  if (!files?.some((f) => f.source.chat === 'store')) return files ? [...files] : undefined;
  const stored = new Map((await listPostFiles(db, postId)).map((m) => [m.id, m]));
  return files.flatMap((file) => {
    if (file.source.chat !== 'store') return [file];
    const row = stored.get(file.source.mediaId);
    if (!row) return [];
    return [
      {
        ...file,
        filename: row.filename,
        contentType: row.content_type,
        bytes: Number(row.bytes),
        width: row.width ?? undefined,
        height: row.height ?? undefined,
      },
    ];
  });
}

/** The files as the content hash covers them, or undefined while any is still being copied. */
export async function storedFileHashes(db: Executor, postId: string): Promise<HashableFile[] | undefined> {
  const files = await listPostFiles(db, postId);
  if (files.some((f) => f.state !== 'ready' || !f.sha256)) return undefined;
  return files.map((f) => ({ sha256: f.sha256!, alt: f.alt }));
}

/**
 * The post's content hash from what is stored now: texts, links, files and `publishAt` (default: the
 * post's own time). Files still being copied are left out: approval waits for them, and the hash is
 * taken again when the last one is stored. `extras`: the post's own first comments and link card (issue
 * 16) are folded in; a series' occurrences (files of the head) have neither.
 */
export async function currentHash(
  db: Executor,
  post: Pick<Post, 'id' | 'text' | 'publish_at'>,
  publishAt = post.publish_at,
  filesOf = post.id,
  extras = filesOf === post.id,
): Promise<string> {
  const [content, files, comments, preview] = await Promise.all([
    loadPostContent(db, post.id),
    storedFileHashes(db, filesOf),
    extras ? listFirstComments(db, post.id) : {},
    extras ? findLinkPreview(db, post.id) : undefined,
  ]);
  const base = hashOf(
    post.text,
    content.targets.map((t) => ({ accountId: t.accountId, network: t.network })),
    content.variants,
    content.media.map((m) => m.url),
    publishAt,
    files ?? [],
    content.instagramKind,
  );
  return hashWithPreview(hashWithComments(base, comments), preview);
}

/**
 * The files a post publishes, in order: its own, or for a later occurrence of a series (which has
 * none of its own) the series' first post's. For the publishing side (one copy in the store serves
 * every occurrence).
 */
export async function filesToPublish(db: Executor, postId: string): Promise<PostFileRow[]> {
  const own = await listPostFiles(db, postId);
  if (own.length > 0) return own;
  const series = await seriesOf(db, postId);
  return series && series.position > 0 ? listPostFiles(db, series.head_id) : own;
}
