import type { PostState } from '../../domain/post-state.ts';
import {
  deliveryStatusLine,
  firstCommentLabel,
  linkPreviewNote,
  sectionTitle,
  type CardLinkPreview,
  type CardFile,
  type CardView,
  type DeliveryLine,
  type NetworkSection,
  type Receipt,
  type ReceiptButton,
} from '../../workflow/card/card-view.ts';
import { HASH_PREFIX } from '../../workflow/decide-post.ts';
import { clip } from './edge-context.ts';
import { BUTTONS, customId } from './ids.ts';
import type { Json, MessagePayload } from './types.ts';

/** Discord refuses a message whose embeds hold more than 6000 characters; we stay below with room. */
const EMBED_BUDGET = 5800;
/** Title, footer and markup per network embed, counted against the budget before the text. */
const EMBED_OVERHEAD = 200;
const FIELD_LIMIT = 1024;
/** A message holds at most 10 embeds. */
const EMBED_LIMIT = 10;
/** Discord shows up to four images of embeds sharing one `url` as a gallery under the first. */
const GALLERY_LIMIT = 4;

const COLORS: Record<PostState, number> = {
  draft: 0x95a5a6,
  in_review: 0xf1c40f,
  changes_requested: 0xe67e22,
  approved: 0x3498db,
  scheduled: 0x3498db,
  publishing: 0x3498db,
  published: 0x2ecc71,
  partially_published: 0xe67e22,
  failed: 0xe74c3c,
  rejected: 0xe74c3c,
  canceled: 0x95a5a6,
};

/**
 * The card as a Discord message: one embed per network (its text and count against the limit),
 * one with the details, and the buttons. Times use Discord's `<t:…>` token, so each reader sees
 * their own zone. Nobody is pinged by a card.
 */
/**
 * Card images are the workflow's signed `/card-image` links (CardFile.url, src/crypto/card-image-url.ts), which
 * Discord's media proxy fetches; without PUBLIC_URL and STATE_SECRET there are none and the file list says it all.
 */
export function cardMessage(card: CardView): MessagePayload {
  const unix = Math.floor(card.publishAt.getTime() / 1000);
  const networks = card.networks.slice(0, EMBED_LIMIT - 1);
  const details = detailsEmbed(card, unix);
  const room = EMBED_BUDGET - embedSize(details) - EMBED_OVERHEAD * networks.length;
  const perNetwork = Math.max(200, Math.floor(room / Math.max(1, networks.length)));
  // The first image rides on the details embed; each further one takes an embed of its own.
  const gallery = imageEmbeds(card, EMBED_LIMIT - networks.length);
  if (gallery[0]) Object.assign(details, gallery[0]);
  return {
    content: clip(`**${card.stateLabel}** · post by <@${card.authorId}> · publishes <t:${unix}:F> (<t:${unix}:R>)`),
    embeds: [
      ...networks.slice(0, card.linkPreview ? EMBED_LIMIT - 2 : networks.length).map((n) => networkEmbed(n, card.state, perNetwork)),
      ...(card.linkPreview ? [linkPreviewEmbed(card.linkPreview)] : []),
      details,
      ...gallery.slice(1),
    ],
    components: cardButtons(card),
    allowed_mentions: { parse: [] },
  };
}

function networkEmbed(section: NetworkSection, state: PostState, budget: number): Json {
  const many = section.parts.length > 1;
  // Room for the part header and the "shortened" note.
  const each = Math.floor(budget / section.parts.length) - 100;
  const parts = section.parts.map((p, i) => {
    const count = `${p.count}/${p.limit}${p.count > p.limit ? ' ⚠️ too long' : ''}`;
    return many ? `**Part ${i + 1} of ${section.parts.length}** · ${count}\n${shorten(p.text, each)}` : shorten(p.text, each);
  });
  const single = section.parts[0];
  return {
    title: clip(`${sectionTitle(section)} · ${section.accountName}`, 256),
    description: clip(parts.join('\n\n'), 4096),
    color: COLORS[state],
    footer: {
      text: many
        ? `Thread of ${section.parts.length} parts`
        : `${single?.count ?? 0}/${single?.limit ?? 0} characters${single && single.count > single.limit ? ' · too long' : ''}`,
    },
  };
}

/** The link card as the approver will see it on the networks: an embed with the page's title and description. */
function linkPreviewEmbed(p: CardLinkPreview): Json {
  if (p.status !== 'ok') return { description: clip(`🔗 ${escapeMarkdown(linkPreviewNote(p))}`, 500), color: 0x95a5a6 };
  return {
    author: { name: clip(`🔗 ${linkPreviewNote(p)}`, 256) },
    title: clip(p.title, 256),
    url: p.url,
    description: clip(escapeMarkdown(p.description), 600),
    color: 0x95a5a6,
  };
}

function detailsEmbed(card: CardView, unix: number): Json {
  const fields: Json[] = [{ name: 'Publish', value: `<t:${unix}:F> (author's zone: ${card.zone})`, inline: false }];
  if (card.approvals.required > 0) {
    const who = card.approvals.approverIds.map((id) => `<@${id}>`).join(', ');
    fields.push({ name: 'Approvals', value: clip(`${card.approvals.count} of ${card.approvals.required}${who ? ` · ${who}` : ''}`, FIELD_LIMIT) });
  }
  if (card.held.length > 0) {
    fields.push({
      name: 'Held',
      value: clip(card.held.map((h) => `${h.label} (by ${h.byIds.map((id) => `<@${id}>`).join(', ')}): not published`).join('\n'), FIELD_LIMIT),
    });
  }
  if (card.note) fields.push({ name: 'Note for the approver', value: clip(escapeMarkdown(card.note), 500) });
  if (card.lastComment) {
    const name = card.lastComment.kind === 'reject' ? 'Rejected' : 'Changes requested';
    fields.push({ name, value: clip(`<@${card.lastComment.actorId}>: “${escapeMarkdown(card.lastComment.comment)}”`, 500) });
  }
  if (card.media.length > 0) fields.push({ name: 'Media', value: clip(card.media.join('\n'), 500) });
  if (card.files.length > 0) fields.push({ name: imagesTitle(card.files), value: clip(card.files.map(fileLine).join('\n'), FIELD_LIMIT) });
  for (const c of (card.firstComments ?? []).slice(0, 8)) {
    fields.push({ name: clip(`💬 ${firstCommentLabel(c)}`, 256), value: clip(`${escapeMarkdown(c.text)}${c.url ? `\n${c.url}` : ''}`, 500) });
  }
  if (card.deliveries.length > 0) fields.push({ name: 'Deliveries', value: clip(card.deliveries.map(deliveryLine).join('\n'), FIELD_LIMIT) });
  return { color: COLORS[card.state], fields };
}

/** "Images (2)", "Video (1)", or "Images · ⏳ preparing media (1 of 2 ready)" until every file is in the store. */
function imagesTitle(files: CardFile[]): string {
  const ready = files.filter((f) => f.state === 'ready').length;
  const what = files.some((f) => f.duration) ? (files.every((f) => f.duration) ? 'Video' : 'Images and video') : 'Images';
  return ready === files.length ? `${what} (${files.length})` : `${what} · ⏳ preparing media (${ready} of ${files.length} ready)`;
}

/** One line per file; a missing alt text is said, so an approver can ask for it. */
function fileLine(file: CardFile, i: number): string {
  const size = file.width && file.height ? ` (${file.width}×${file.height})` : '';
  const video = file.duration ? ` · ▶ video ${file.duration}` : '';
  const alt = file.alt ? `alt: “${escapeMarkdown(clip(file.alt, 120))}”` : '⚠️ no alt text';
  return `${i + 1}. ${escapeMarkdown(file.filename)}${size}${video} · ${file.state === 'ready' ? alt : `⏳ preparing · ${alt}`}`;
}

/**
 * The images of the ready files as embeds: the first goes on the details embed, the others follow as embeds
 * carrying only the same `url` and their image, which Discord shows as one gallery (up to four). `room` is
 * how many images the ten embeds a message takes still leave (the details embed holds one of them).
 */
function imageEmbeds(card: CardView, room: number): Json[] {
  if (room < 1) return [];
  const urls = card.files.flatMap((f) => (f.state === 'ready' && f.url ? [f.url] : [])).slice(0, Math.min(GALLERY_LIMIT, room));
  return urls.map((url) => ({ url: urls[0], image: { url } }));
}

function cardButtons(card: CardView): Json[] {
  const rows: Json[] = [];
  if (card.reviewOpen) {
    rows.push(
      row([
        button('Approve', 3, customId(BUTTONS.approve, card.postId, card.contentHash.slice(0, HASH_PREFIX))),
        button('Request changes', 2, customId(BUTTONS.requestChanges, card.postId)),
        button('Reject', 4, customId(BUTTONS.reject, card.postId)),
      ]),
    );
  }
  if (card.holdable.length > 0) rows.push(row([holdSelect(card)]));
  if (card.authorActionsOpen) {
    rows.push(
      row([
        button('Edit', 2, customId(BUTTONS.edit, card.postId)),
        button('Reschedule', 2, customId(BUTTONS.reschedule, card.postId)),
        button('Publish now', 1, customId(BUTTONS.publishNow, card.postId)),
        button('Cancel', 4, customId(BUTTONS.cancel, card.postId)),
      ]),
    );
  }
  return rows;
}

/**
 * "Approve, but hold…": picking networks approves the post except those. A select takes a row of
 * its own; at least one network always stays open (holding all of them is a Reject).
 */
function holdSelect(card: CardView): Json {
  return {
    type: 3,
    custom_id: customId(BUTTONS.approveHolding, card.postId, card.contentHash.slice(0, HASH_PREFIX)),
    placeholder: 'Approve, but hold…',
    min_values: 1,
    max_values: card.holdable.length - 1,
    options: card.holdable
      .slice(0, 25)
      .map((n) => ({ label: `Hold ${n.label}`, value: n.network, description: `Approve the other networks; ${n.label} is not published` })),
  };
}

/** A thread reply: the text, and its buttons (Retry, Reconnect as a link, It is live, ...). */
export function receiptMessage(receipt: Receipt): MessagePayload {
  const buttons = receipt.buttons.slice(0, 5).map(receiptButton);
  return { content: clip(receipt.text), components: buttons.length > 0 ? [row(buttons)] : [], allowed_mentions: { parse: [] } };
}

function receiptButton(b: ReceiptButton): Json {
  if (b.kind === 'link') return { type: 2, style: 5, label: clip(b.label, 80), url: b.url };
  const style = b.style === 'primary' ? 1 : b.style === 'danger' ? 4 : 2;
  return button(b.label, style, customId(b.action, b.value));
}

function deliveryLine(d: DeliveryLine): string {
  return deliveryStatusLine(d, { link: (text, url) => `[${text}](${url})`, escape: escapeMarkdown });
}

export function row(components: Json[]): Json {
  return { type: 1, components };
}

export function button(label: string, style: 1 | 2 | 3 | 4, id: string): Json {
  return { type: 2, style, label: clip(label, 80), custom_id: id };
}

/** Shown as typed: markdown, link and mention syntax is escaped (a backslash before punctuation is invisible). */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\*_~`|<>#\-[\]]/g, '\\$&');
}

/** The escaped text within `max` characters, never cutting an escape in half. */
function shorten(text: string, max: number): string {
  const escaped = escapeMarkdown(text);
  const limit = Math.max(50, max);
  if (escaped.length <= limit) return escaped;
  let cut = escaped.slice(0, limit);
  if ((/\\+$/.exec(cut)?.[0].length ?? 0) % 2 === 1) cut = cut.slice(0, -1);
  return `${cut}… *(shortened here; the full text is published)*`;
}

function embedSize(embed: Json): number {
  return (embed.fields as Json[]).reduce((sum, f) => sum + String(f.name).length + String(f.value).length, 0);
}
