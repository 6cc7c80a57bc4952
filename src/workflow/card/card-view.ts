import type { DeliveryState } from '../../domain/delivery-state.ts';
import { NETWORK_LABELS, type Network } from '../../domain/networks.ts';
import { isAwaitingDecision, isEditable, type PostState } from '../../domain/post-state.ts';
import { countCharacters } from '../../domain/text-rules.ts';
import { splitThreadParts } from '../../domain/thread-parts.ts';
import { durationText } from '../../domain/video-facts.ts';
import { INSTAGRAM_KIND_LABELS } from '../../domain/instagram-kind.ts';
import { countOptionsOf } from '../../db/accounts.ts';
import type { Decision, Delivery, Post } from '../../db/schema.ts';
import type { PostContent } from '../../db/posts.ts';
import type { LinkPreview, LinkPreviewStatus } from '../../domain/link-preview.ts';

/** The chat-neutral card: what both Slack and Discord show about one post. */
export interface CardView {
  postId: string;
  state: PostState;
  stateLabel: string;
  /** The approve button carries a prefix of it: an approval of content that changed meanwhile is refused. */
  contentHash: string;
  authorId: string;
  note: string | null;
  publishAt: Date;
  zone: string;
  networks: NetworkSection[];
  media: string[];
  /** Files in the media store, in order: shown as images on the card (src/workflow/card/card-view.ts). */
  files: CardFile[];
  /** The card of the post's first link, as the networks that take a card will show it (issue 16). */
  linkPreview?: CardLinkPreview | undefined;
  /** First comments per network (issue 16), with where each stands once its post went out. */
  firstComments?: CardFirstComment[] | undefined;
  approvals: { count: number; required: number; approverIds: string[] };
  /** Networks an approver held on this version: they will not be published. */
  held: { network: Network; label: string; byIds: string[] }[];
  /** What "Approve, but hold…" offers: the networks not yet held, while at least two are open. */
  holdable: { network: Network; label: string }[];
  lastComment: { actorId: string; kind: 'request_changes' | 'reject'; comment: string } | undefined;
  deliveries: DeliveryLine[];
  /** Approve / Request changes / Reject are shown. */
  reviewOpen: boolean;
  /** Edit / Reschedule / Publish now / Cancel are shown. */
  authorActionsOpen: boolean;
}

export interface CardFile {
  mediaId: string;
  filename: string;
  alt: string | null;
  /** `preparing` until the copy from the chat is in the store; the card says "preparing media". */
  state: 'preparing' | 'ready';
  width: number | null;
  height: number | null;
  /** A video (issue 15): its length, in ms and as said on the card ("2 min 14 s"); null for images. */
  durationMs?: number | null;
  duration?: string | null;
  /** A video's poster frame in the store: what the card shows for it (`url` is the poster's signed link). */
  posterMediaId?: string | null;
  /** A signed link the chat can show the image from (src/crypto/card-image-url.ts); absent while preparing or without PUBLIC_URL and STATE_SECRET. */
  url?: string | undefined;
}

/**
 * The link card on the approval card: `ok` with its title, description and whether it has an image;
 * `pending` while the page is read; `unreadable` with the reason (published without a card);
 * `disabled` when the author chose no preview.
 */
export interface CardLinkPreview {
  url: string;
  status: LinkPreviewStatus;
  title: string;
  description: string;
  hasImage: boolean;
  reason: string | null;
}

export interface CardFirstComment {
  network: Network;
  label: string;
  text: string;
  /** Undefined until the post went out on that network. */
  state?: 'pending' | 'sending' | 'published' | 'failed' | undefined;
  url?: string | null | undefined;
}

/** A first comment as one line of the card, the same words in every chat (the text is the chat's to quote). */
export function firstCommentLabel(c: CardFirstComment): string {
  const state = c.state === 'published' ? 'posted' : c.state === 'failed' ? 'failed' : c.state ? 'going out' : 'after the post';
  return `First comment on ${c.label} (${state})`;
}

/** The card's line for a link preview, the same words in every chat (title and description are the chat's to show). */
export function linkPreviewNote(p: CardLinkPreview): string {
  switch (p.status) {
    case 'pending':
      return 'Link card: reading the page…';
    case 'disabled':
      return 'Link card: none (the author chose no link preview)';
    case 'unreadable':
      return `Link card: none, ${p.reason ?? 'the page could not be read'}. The post is published with the bare link.`;
    case 'ok':
      return `Link card${p.hasImage ? ' with image' : ''}${p.reason ? ` (${p.reason})` : ''}`;
  }
}

export interface NetworkSection {
  network: Network;
  label: string;
  /** How the post goes out there, where the author chose it: "Reel" or "Story" for an Instagram video. */
  format?: string | undefined;
  accountName: string;
  parts: { text: string; count: number; limit: number }[];
}

export interface DeliveryLine {
  deliveryId: string;
  network: Network;
  label: string;
  state: DeliveryState;
  url: string | null;
  error: string | null;
}

/** A thread reply: one line of text and, where the team can act, buttons. */
export interface Receipt {
  text: string;
  buttons: ReceiptButton[];
}

export type ReceiptButton =
  | { kind: 'link'; label: string; url: string }
  | { kind: 'action'; label: string; action: ReceiptAction; value: string; style?: 'primary' | 'danger' };

export type ReceiptAction = 'retry_delivery' | 'confirm_live' | 'publish_again' | 'publish_late' | 'retry_comment';

const STATE_LABELS: Record<PostState, string> = {
  draft: 'Draft',
  in_review: 'Waiting for approval',
  changes_requested: 'Changes requested',
  approved: 'Approved',
  scheduled: 'Scheduled',
  publishing: 'Publishing',
  published: 'Published',
  partially_published: 'Partly published',
  failed: 'Failed',
  rejected: 'Rejected',
  canceled: 'Canceled',
};

export function buildCardView(input: {
  post: Post;
  content: PostContent;
  decisions: Decision[];
  deliveries: Delivery[];
  approvalsRequired: number;
  /** The clock: a post still in review after its time (and the grace an approval gets) says so. */
  now?: Date;
  /** The grace after the publish time during which an approval still publishes. */
  graceMs?: number;
  linkPreview?: LinkPreview | undefined;
  firstComments?: Partial<Record<Network, string>> | undefined;
  /** The deliveries' comment rows, by delivery id. */
  commentStates?: Map<string, { state: CardFirstComment['state']; url: string | null }> | undefined;
  /** The post's files in the media store, in order. */
  files?: readonly {
    id: string;
    filename: string;
    alt: string | null;
    state: 'preparing' | 'ready';
    width: number | null;
    height: number | null;
    video?: { durationMs: number } | null;
    posterId?: string | null;
    /** The probed type once stored, or the type the chat declared while preparing. */
    contentType?: string | null;
  }[];
  /** The link a ready file is shown from on the card. */
  imageUrl?: (mediaId: string) => string | undefined;
}): CardView {
  const { post, content } = input;
  const current = input.decisions.filter((d) => !d.voided_at && d.content_hash === post.content_hash);
  const approverIds = [...new Set(current.filter((d) => d.kind === 'approve').map((d) => d.actor_id))];
  const networks = [...new Set(content.targets.map((t) => t.network))];
  const held = networks.flatMap((network) => {
    const byIds = [...new Set(current.filter((d) => d.kind === 'hold' && d.network === network).map((d) => d.actor_id))];
    return byIds.length > 0 ? [{ network, label: NETWORK_LABELS[network], byIds }] : [];
  });
  const open = networks.filter((n) => !held.some((h) => h.network === n));
  const overdue = isAwaitingDecision(post.state) && input.now !== undefined && post.publish_at.getTime() + (input.graceMs ?? 0) <= input.now.getTime();
  const last = [...input.decisions].reverse().find((d) => d.kind !== 'approve' && d.comment);
  return {
    postId: post.id,
    state: post.state,
    stateLabel: overdue ? `${STATE_LABELS.in_review} · its publish time has passed` : STATE_LABELS[post.state],
    contentHash: post.content_hash,
    authorId: post.author_id,
    note: post.note,
    publishAt: post.publish_at,
    zone: post.zone,
    networks: content.targets.map((t) => ({
      ...section(t.network, t.displayName, content.variants[t.network] ?? post.text, t.maxCharacters),
      ...(t.network === 'instagram' && hasVideo(input.files, content.instagramKind) ? { format: INSTAGRAM_KIND_LABELS[content.instagramKind] } : {}),
    })),
    media: content.media.map((m) => m.url),
    files: (input.files ?? []).map((f) => ({
      mediaId: f.id,
      filename: f.filename,
      alt: f.alt,
      state: f.state,
      width: f.width,
      height: f.height,
      durationMs: f.video?.durationMs ?? null,
      duration: f.video ? durationText(f.video.durationMs) : null,
      posterMediaId: f.posterId ?? null,
      // A video is shown by its poster frame (a JPEG); without one, by nothing.
      url: f.state !== 'ready' ? undefined : f.video ? (f.posterId ? input.imageUrl?.(f.posterId) : undefined) : input.imageUrl?.(f.id),
    })),
    ...(input.linkPreview ? { linkPreview: cardLinkPreview(input.linkPreview) } : {}),
    ...(input.firstComments && Object.keys(input.firstComments).length > 0 ? { firstComments: cardComments(input) } : {}),
    approvals: { count: approverIds.length, required: input.approvalsRequired, approverIds },
    held,
    holdable: isAwaitingDecision(post.state) && open.length >= 2 ? open.map((network) => ({ network, label: NETWORK_LABELS[network] })) : [],
    lastComment: last ? { actorId: last.actor_id, kind: last.kind as 'request_changes' | 'reject', comment: last.comment! } : undefined,
    deliveries: input.deliveries.map((d) => ({
      deliveryId: d.id,
      network: d.network,
      label: NETWORK_LABELS[d.network],
      state: d.state,
      url: d.url,
      error: d.last_error ? (d.last_error.networkMessage ?? d.last_error.message) : null,
    })),
    reviewOpen: isAwaitingDecision(post.state),
    authorActionsOpen: isEditable(post.state),
  };
}

function cardComments(input: Parameters<typeof buildCardView>[0]): CardFirstComment[] {
  return Object.entries(input.firstComments ?? {}).map(([key, text]) => {
    const network = key as Network;
    const delivery = input.deliveries.find((d) => d.network === network);
    const row = delivery ? input.commentStates?.get(delivery.id) : undefined;
    return { network, label: NETWORK_LABELS[network], text: text ?? '', ...(row ? { state: row.state, url: row.url } : {}) };
  });
}

function cardLinkPreview(p: LinkPreview): CardLinkPreview {
  return { url: p.url, status: p.status, title: p.title, description: p.description, hasImage: p.imageMediaId !== null, reason: p.reason };
}

/** "Instagram: Reel": a network section's heading with its format, where there is one. */
export function sectionTitle(section: Pick<NetworkSection, 'label' | 'format'>): string {
  return section.format ? `${section.label}: ${section.format}` : section.label;
}

/** A Story always is one video; a Reel is said only when the post carries one (an image post is a feed post). */
function hasVideo(files: Parameters<typeof buildCardView>[0]['files'], kind: PostContent['instagramKind']): boolean {
  return kind === 'stories' || (files ?? []).some((f) => Boolean(f.video) || f.contentType?.startsWith('video/'));
}

function section(network: Network, accountName: string, text: string, maxCharacters: number | null): NetworkSection {
  const opts = countOptionsOf({ max_characters: maxCharacters });
  return {
    network,
    label: NETWORK_LABELS[network],
    accountName,
    parts: splitThreadParts(text).map((part) => ({ text: part, ...countCharacters(network, part, opts) })),
  };
}

const DELIVERY_ICONS: Record<DeliveryState, string> = {
  pending: '🕒',
  sending: '📤',
  published: '✅',
  failed: '❌',
  needs_reconnect: '🔌',
  skipped: '⏭️',
  unconfirmed: '❓',
  held: '⏸️',
};

/**
 * One delivery as a line of the card, the same in every chat: icon, network, state (the state word
 * linked when published), and the error in the network's words. `link` and `escape` are the chat's.
 */
export function deliveryStatusLine(d: DeliveryLine, format: { link: (text: string, url: string) => string; escape: (text: string) => string }): string {
  const detail = d.state === 'published' && d.url ? format.link('published', d.url) : d.state.replace('_', ' ');
  const error = d.error && d.state !== 'published' ? ` — ${format.escape(d.error)}` : '';
  return `${DELIVERY_ICONS[d.state]} ${d.label}: ${detail}${error}`;
}
