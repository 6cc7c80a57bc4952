import type { Executor } from '../db/database.ts';
import { deleteMedia } from '../db/media-store.ts';
import { findLinkPreview, requestLinkPreview, settleLinkPreview } from '../db/link-previews.ts';
import { findPost, setContentHash } from '../db/posts.ts';
import { inTransaction } from '../db/transaction.ts';
import { findWorkspace } from '../db/workspaces.ts';
import { previewUrlOf, type LinkPreview } from '../domain/link-preview.ts';
import { currentHash } from './post-files.ts';
import type { Network } from '../domain/networks.ts';
import { linkCardThumbnail } from '../media/thumbnail.ts';
import { readCardImage, readPageCard } from '../networks/link-card.ts';
import type { WorkflowDeps } from './deps.ts';
import { storeImage } from './media-intake.ts';

/**
 * Link preview cards (issue 16). When a post version is stored (submit, edit), its first link asks for
 * a card; the `link-preview` job reads the page after the form was answered (the ack stays fast), stores
 * the card and its image with the post, folds the card into the content hash while the post is in
 * review (an approval given before the card arrived does not count for it), and refreshes the approval
 * card. A page that cannot be read is "no card", said on the card; it never blocks publishing.
 */
/** The card's image as downloaded, before it is made a thumbnail. */
const IMAGE_DOWNLOAD_MAX_BYTES = 10 * 1024 * 1024;

/**
 * In the transaction that stores a post version: which link the card is for (the post's text first,
 * then the variants), none for a post with images (the images are the post's picture), and whether
 * the author chose "no link preview".
 */
export async function askLinkPreview(
  tx: Executor,
  deps: Pick<WorkflowDeps, 'queue' | 'linkPreview'>,
  post: { id: string; version: number },
  content: { text: string; variants: Partial<Record<Network, string>>; hasMedia: boolean; noPreview?: boolean | undefined; isNew?: boolean },
): Promise<void> {
  const url = content.hasMedia ? undefined : [content.text, ...Object.values(content.variants)].map((t) => previewUrlOf(t ?? '')).find(Boolean);
  const on = (deps.linkPreview?.timeoutMs ?? 0) > 0;
  if (!url || (!on && !content.noPreview)) {
    // A new post has no card to remove: no statement at all.
    if (!content.isNew) await requestLinkPreview(tx, post.id, post.version, undefined);
    return;
  }
  await requestLinkPreview(tx, post.id, post.version, { url, disabled: content.noPreview === true });
  if (!content.noPreview) await deps.queue.sendLinkPreview(tx, { postId: post.id, version: post.version });
}

/** Images make the post's picture: a post with media links or files gets no link card. */
export function hasMedia(input: { media: string[]; files?: unknown[] | undefined }): boolean {
  return input.media.some((m) => m.trim() !== '') || (input.files?.length ?? 0) > 0;
}

/** The job: read the page once for this version and store what it gave. */
export async function handleLinkPreviewJob(deps: WorkflowDeps, postId: string, version: number, signal: AbortSignal): Promise<void> {
  const settings = deps.linkPreview;
  const asked = await findLinkPreview(deps.db, postId);
  if (!asked || asked.version !== version || asked.status !== 'pending') return;
  const post = await findPost(deps.db, postId);
  if (!post) return;
  const timeoutMs = settings?.timeoutMs || 5000;
  const read = await readPageCard(asked.url, { signal, timeoutMs });
  let result: Omit<LinkPreview, 'url'>;
  if (!read.ok) {
    result = { status: 'unreadable', title: '', description: '', imageMediaId: null, imageSha256: null, reason: read.reason };
  } else {
    const image = read.card.imageUrl ? await storeCardImage(deps, post.workspace_id, read.card.imageUrl, read.card.title, signal) : undefined;
    result = {
      status: 'ok',
      title: read.card.title,
      description: read.card.description,
      imageMediaId: image?.id ?? null,
      imageSha256: image?.sha256 ?? null,
      reason: image?.problem ?? null,
    };
  }
  const applied = await inTransaction(deps.db, async (tx) => {
    const current = await findPost(tx, postId);
    if (!current || current.version !== version) return false;
    const workspace = await findWorkspace(tx, current.workspace_id);
    // A card that arrives after the approval was not seen by the approver: it is not published.
    const unseen = current.state !== 'in_review' && current.state !== 'draft' && (workspace?.approvals_required ?? 0) > 0;
    const final =
      unseen && result.status === 'ok'
        ? {
            ...result,
            status: 'unreadable' as const,
            imageMediaId: null,
            imageSha256: null,
            reason: 'the card was read after the post was approved, so it is not published',
          }
        : result;
    const settled = await settleLinkPreview(tx, postId, version, final);
    if (!settled) return false;
    if (current.state === 'in_review' || current.state === 'draft') {
      await setContentHash(tx, postId, version, current.content_hash, await currentHash(tx, current));
    }
    await deps.queue.sendNotify(tx, { postId });
    return final.imageMediaId !== null;
  });
  // The image of a card that was not applied (an edit came first, or the approval did) goes again.
  if (!applied && result.imageMediaId) await deleteMedia(deps, result.imageMediaId);
}

/** Downloads the card's image (guarded), makes it a JPEG thumbnail and stores it with the post. */
async function storeCardImage(
  deps: WorkflowDeps,
  workspaceId: string,
  imageUrl: string,
  title: string,
  signal: AbortSignal,
): Promise<{ id: string; sha256: string | null; problem?: undefined } | { id?: undefined; sha256?: undefined; problem: string }> {
  const settings = deps.linkPreview;
  const downloaded = await readCardImage(imageUrl, { signal, timeoutMs: settings?.timeoutMs || 5000, maxBytes: IMAGE_DOWNLOAD_MAX_BYTES });
  if ('problem' in downloaded) return { problem: `no image: ${downloaded.problem}` };
  let thumb: Buffer;
  try {
    thumb = await linkCardThumbnail(downloaded.bytes);
  } catch {
    return { problem: 'no image: the page names an image Greenlight cannot read' };
  }
  const stored = await storeImage(
    { db: deps.db, mediaBytes: deps.mediaBytes, media: settings?.media ?? { quotaBytes: Number.MAX_SAFE_INTEGER, maxFileBytes: Number.MAX_SAFE_INTEGER } },
    { workspaceId, filename: 'link-card.jpg', alt: title },
    (async function* () {
      yield thumb;
    })(),
    signal,
  );
  if (!stored.ok) return { problem: `no image: ${stored.message}` };
  return { id: stored.media.id, sha256: stored.media.sha256 };
}
