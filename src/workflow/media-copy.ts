import { fillMedia, MediaStoreError } from '../db/media-store.ts';
import { clearSource, listPostFiles, removePostFilesExcept, restartCopy, type PostFileRow } from '../db/post-files.ts';
import { findPost, loadPostContent, lockPost, transitionPost } from '../db/posts.ts';
import type { Post } from '../db/schema.ts';
import { inTransaction } from '../db/transaction.ts';
import { findWorkspace } from '../db/workspaces.ts';
import { isEditable } from '../domain/post-state.ts';
import { ImageProbeError } from '../media/image-probe.ts';
import { MediaProbeError, probeMedia } from '../media/media-probe.ts';
import { ChatFileError } from './chat-files.ts';
import { recheckFiles } from './compose-files.ts';
import type { WorkflowDeps } from './deps.ts';
import { FETCHES_FASTSTART, faststartFor, mediaFileOf, storePoster } from './media-intake.ts';
import { currentHash } from './post-files.ts';
import { recordEvent } from './record-event.ts';
import { scheduleApprovedPost } from './schedule-deliveries.ts';
import { approveFollowers, rehashFollowers } from './series.ts';

/** The config's defaults (MEDIA_QUOTA_MB=2048, MEDIA_MAX_FILE_MB=100), for deps built without them. */
export const DEFAULT_MEDIA_LIMITS = { quotaBytes: 2048 * 1_000_000, maxFileBytes: 100 * 1_000_000 };

export function mediaLimits(deps: Pick<WorkflowDeps, 'media'>): { quotaBytes: number; maxFileBytes: number } {
  return deps.media ?? DEFAULT_MEDIA_LIMITS;
}

/**
 * The media-intake job (one per post): copies every file of the post still `preparing` from its chat
 * into the store, probes it, and when the last one is in, checks the real facts against each chosen
 * network's rules, hashes the post again and refreshes the card. A file the author must fix (gone,
 * too large, not an image, refused by a network's rules) sends the post back to them, without its
 * files. Anything else (the chat or the database briefly away) throws: pg-boss retries, and the
 * retry starts each unfinished file afresh (restartCopy), so nothing is stored twice.
 */
export async function handleMediaIntakeJob(deps: WorkflowDeps, postId: string, signal: AbortSignal): Promise<void> {
  const post = await findPost(deps.db, postId);
  if (!post) return;
  const files = await listPostFiles(deps.db, postId);
  if (!isEditable(post.state)) {
    // Canceled (or otherwise done) while its files were copied: what is still preparing has no use.
    await dropPreparing(deps, files);
    return;
  }
  // Instagram and Threads fetch a video from Greenlight: a faststart copy is made now, while the card
  // says "preparing media", rather than during the publish attempt (faststartFor makes it there if an
  // edit added one of them later).
  const targets = (await loadPostContent(deps.db, postId)).targets;
  const faststart = targets.some((t) => FETCHES_FASTSTART.has(t.network));
  for (const file of files) {
    if (file.state !== 'preparing' || !file.source) continue;
    const refusal = await copyOne(deps, post, file, signal, { faststart });
    if (refusal) {
      await refuseFiles(deps, post.id, file.filename, refusal);
      return;
    }
  }
  await finishIntake(deps, postId);
}

/** One file from its chat into its row; a message for the author when it cannot be taken. */
async function copyOne(deps: WorkflowDeps, post: Post, file: PostFileRow, signal: AbortSignal, o: { faststart: boolean }): Promise<string | undefined> {
  const source = file.source!;
  const reader = deps.chatFiles?.[source.chat];
  if (!reader) return `${file.filename} could not be copied: Greenlight does not read files from ${source.chat} here.`;
  if (!(await restartCopy(deps.db, file.id))) return undefined;
  const limits = mediaLimits(deps);
  try {
    const stream = await reader.open(
      post.workspace_id,
      { source, filename: file.filename, contentType: file.declared_type ?? file.content_type, bytes: Number(file.bytes) },
      signal,
    );
    // A video (issue 15) is probed with ffprobe and yields its poster frame, stored beside it for the card.
    let poster: Buffer | undefined;
    const stored = await fillMedia(
      deps,
      file.id,
      { workspaceId: post.workspace_id, filename: file.filename },
      stream,
      { ...limits, signal },
      async (head, bytes, read) => {
        const { poster: frame, ...facts } = await probeMedia(file.filename, head, bytes, read, signal);
        poster = frame;
        return facts;
      },
    );
    if (poster) await storePoster({ db: deps.db, mediaBytes: deps.mediaBytes, media: limits }, stored, poster, signal);
    if (o.faststart && stored.video) {
      const prepared = await faststartFor({ db: deps.db, mediaBytes: deps.mediaBytes, media: limits }, stored, signal);
      if (!prepared.ok) return prepared.message;
    }
    await clearSource(deps.db, file.id);
    return undefined;
  } catch (error) {
    if (error instanceof ChatFileError || error instanceof MediaStoreError || error instanceof ImageProbeError || error instanceof MediaProbeError)
      return error.message;
    // A chat that stays away: after a while the author hears of it instead of a card "preparing" for ever.
    if (deps.now().getTime() - file.created_at.getTime() > GIVE_UP_AFTER_MS) {
      deps.log.warn({ err: error, postId: post.id, mediaId: file.id }, 'copying an attached file kept failing; the post goes back to its author');
      return `${file.filename} could not be copied from ${source.chat}: it did not answer for ${GIVE_UP_AFTER_MS / 60_000} minutes. Attach it again in a while.`;
    }
    throw error;
  }
}

/** How long a copy that fails for a passing reason (the chat or the database away) is retried. */
const GIVE_UP_AFTER_MS = 20 * 60_000;

/**
 * Every file is in the store: the real facts against the rules, the hash with the files, the card
 * refreshed, and with a policy of no approvals the post approved and scheduled (as submitPost does
 * for a post without files). Idempotent: a second run finds the hash already taken and the post moved on.
 */
export async function finishIntake(deps: WorkflowDeps, postId: string): Promise<void> {
  const problem = await inTransaction(deps.db, async (tx): Promise<{ filename: string; message: string } | undefined> => {
    const post = await lockPost(tx, postId);
    if (!post || !isEditable(post.state)) return undefined;
    const files = await listPostFiles(tx, postId);
    if (files.some((f) => f.state === 'preparing')) return undefined;
    const content = await loadPostContent(tx, postId);
    const networks = content.targets.map((t) => t.network);
    for (const file of files) {
      const [message] = recheckFiles([mediaFileOf(file)], networks, content.instagramKind);
      if (message) return { filename: file.filename, message };
    }
    const [countMessage] = recheckFiles(files.map(mediaFileOf), networks, content.instagramKind);
    if (countMessage) return { filename: files[0]?.filename ?? '', message: countMessage };
    const hash = await currentHash(tx, post);
    const updated = hash === post.content_hash ? post : await transitionPost(tx, post.id, post.state, [post.state], { content_hash: hash });
    await rehashFollowers(tx, updated ?? post);
    const workspace = await findWorkspace(tx, post.workspace_id);
    if (workspace?.approvals_required === 0 && post.state === 'in_review') {
      const approved = await transitionPost(tx, post.id, 'approved', ['in_review']);
      if (approved) {
        await scheduleApprovedPost(tx, deps, approved, post.author_id);
        await approveFollowers(tx, deps, approved, post.author_id);
      }
    }
    await deps.queue.sendNotify(tx, { postId });
    return undefined;
  });
  if (problem) await refuseFiles(deps, postId, problem.filename, problem.message);
}

/**
 * A file the author must fix: the post's files all go (a set the author attaches again whole, nothing
 * half-stored left), a post in review goes back to them as "changes requested" with its text, and the
 * card's thread and the author are told why, naming the file.
 */
export async function refuseFiles(deps: WorkflowDeps, postId: string, filename: string, reason: string): Promise<void> {
  const told = await inTransaction(deps.db, async (tx) => {
    const post = await lockPost(tx, postId);
    if (!post) return undefined;
    await removePostFilesExcept(tx, post.id, []);
    if (!isEditable(post.state)) return undefined;
    const back = post.state === 'in_review' ? await transitionPost(tx, post.id, 'changes_requested', ['in_review']) : post;
    // The hash without the files, so the card and any later approval see what is left.
    await transitionPost(tx, post.id, (back ?? post).state, [(back ?? post).state], { content_hash: await currentHash(tx, post) });
    await recordEvent(tx, deps.queue, {
      workspaceId: post.workspace_id,
      postId: post.id,
      kind: 'media_refused',
      actor: null,
      data: { filename, reason, author: post.author_id },
    });
    return post;
  });
  if (!told) return;
  const workspace = await findWorkspace(deps.db, told.workspace_id);
  const chat = workspace ? deps.chats[workspace.chat] : undefined;
  if (!workspace || !chat?.tellUser) return;
  // Said where the author wrote the post as well; the thread's receipt above is the lasting record.
  await chat
    .tellUser(workspace, told.origin_channel_id, told.author_id, mediaRefusedText(reason))
    .catch((error: unknown) => deps.log.warn({ err: error, postId }, 'could not tell the author that a file was refused; the card thread says it'));
}

/** What the author reads when a file is refused after the form closed. */
export function mediaRefusedText(reason: string): string {
  return `Your post could not take its images: ${reason} It is back with you with its text kept: press Edit on the card to attach the files again.`;
}

async function dropPreparing(deps: WorkflowDeps, files: PostFileRow[]): Promise<void> {
  const keep = files.filter((f) => f.state === 'ready').map((f) => f.id);
  const postId = files[0]?.post_id;
  if (postId && keep.length < files.length) await removePostFilesExcept(deps.db, postId, keep);
}
