import { encodeArgs } from '../../workflow/chat-actions.ts';
import type { types } from '@slack/bolt';

type KnownBlock = types.KnownBlock;
import {
  deliveryStatusLine,
  firstCommentLabel,
  linkPreviewNote,
  sectionTitle,
  type CardLinkPreview,
  type CardView,
  type DeliveryLine,
  type Receipt,
} from '../../workflow/card/card-view.ts';
import { HASH_PREFIX } from '../../workflow/decide-post.ts';
import { ACTIONS } from './ids.ts';

/** Block Kit's limit for a section's text, with room for the header line. */
const SECTION_TEXT_LIMIT = 2900;

/** The card as Block Kit. Times use Slack's date token, so every reader sees their own time zone. */
export function cardBlocks(card: CardView): KnownBlock[] {
  const blocks: KnownBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: `*${card.stateLabel}* · post by <@${card.authorId}>` } },
    { type: 'context', elements: [{ type: 'mrkdwn', text: contextLine(card) }] },
  ];
  for (const section of card.networks) {
    const parts = section.parts.map((p, i) => {
      const count = `${p.count}/${p.limit}${p.count > p.limit ? ' ⚠️ too long' : ''}`;
      const head = section.parts.length > 1 ? `_Part ${i + 1} of ${section.parts.length} · ${count}_` : `_${count}_`;
      return `${head}\n${quote(p.text)}`;
    });
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clip(`*${sectionTitle(section)}* · ${escape(section.accountName)}\n${parts.join('\n')}`) } });
  }
  blocks.push(...fileBlocks(card));
  if (card.media.length > 0) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `Media: ${card.media.map((m) => `<${m}>`).join(' ')}` }] });
  if (card.linkPreview) blocks.push(linkPreviewBlock(card.linkPreview));
  for (const c of card.firstComments ?? []) {
    const link = c.url ? ` · <${c.url}|open>` : '';
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: clip(`💬 ${firstCommentLabel(c)}${link}\n${quote(c.text)}`) }] });
  }
  if (card.note) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `Note for the approver: ${escape(card.note)}` }] });
  if (card.lastComment) {
    const verb = card.lastComment.kind === 'reject' ? 'rejected' : 'asked for changes';
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `<@${card.lastComment.actorId}> ${verb}: “${escape(card.lastComment.comment)}”` }] });
  }
  if (card.held.length > 0) {
    const held = card.held.map((h) => `${h.label} (by ${h.byIds.map((id) => `<@${id}>`).join(', ')})`).join(', ');
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `Held, not published: ${held}` }] });
  }
  if (card.deliveries.length > 0) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: card.deliveries.map(deliveryLine).join('\n') }] });
  if (card.reviewOpen) {
    blocks.push({
      type: 'actions',
      block_id: 'review',
      elements: [
        button('Approve', ACTIONS.approve, encodeArgs(card.postId, card.contentHash.slice(0, HASH_PREFIX)), 'primary'),
        button('Request changes', ACTIONS.requestChanges, card.postId),
        button('Reject', ACTIONS.reject, card.postId, 'danger'),
        ...(card.holdable.length > 0 ? [holdSelect(card)] : []),
      ],
    });
  }
  if (card.authorActionsOpen) {
    blocks.push({
      type: 'actions',
      block_id: 'author',
      elements: [
        button('Edit', ACTIONS.edit, card.postId),
        button('Reschedule', ACTIONS.reschedule, card.postId),
        button('Publish now', ACTIONS.publishNow, card.postId),
        button('Cancel', ACTIONS.cancel, card.postId, 'danger'),
      ],
    });
  }
  return blocks;
}

/** The link card as the approver will see it on the networks: title, description, whether it has an image. */
function linkPreviewBlock(p: CardLinkPreview): KnownBlock {
  const note = linkPreviewNote(p);
  if (p.status !== 'ok') return { type: 'context', elements: [{ type: 'mrkdwn', text: `🔗 ${escape(note)}` }] };
  const lines = [
    `🔗 _${escape(note)}_ · <${p.url.replace(/\|/g, '%7C')}|${escape(hostOf(p.url))}>`,
    `*${escape(p.title)}*`,
    ...(p.description ? [quote(p.description)] : []),
  ];
  return { type: 'section', text: { type: 'mrkdwn', text: clip(lines.join('\n')) } };
}

const hostOf = (url: string) => URL.parse(url)?.hostname.replace(/^www\./, '') ?? url;

/**
 * The post's images: while any is being copied in, one line "preparing media" (approval waits for
 * them); then one image block each, from a signed Greenlight link (Slack fetches image_url itself;
 * a slack_file reference would need the bot to have access to a file the author uploaded privately,
 * and nothing of Slack's is kept once copied), with its alt text, or a visible "no alt text".
 */
function fileBlocks(card: CardView): KnownBlock[] {
  if (card.files.length === 0) return [];
  const preparing = card.files.filter((f) => f.state === 'preparing').length;
  if (preparing > 0) {
    const names = card.files.map((f) => escape(f.filename)).join(', ');
    return [{ type: 'context', elements: [{ type: 'mrkdwn', text: `⏳ preparing media: ${preparing} of ${card.files.length} (${names})`.slice(0, 3000) }] }];
  }
  return card.files.flatMap((f, i): KnownBlock[] => {
    const video = f.duration ? ` · ▶ video ${f.duration}` : '';
    const label = `${i + 1}/${card.files.length} · ${f.filename}${f.width && f.height ? ` · ${f.width}×${f.height}` : ''}${video}${f.alt ? '' : ' · ⚠️ no alt text'}`;
    if (!f.url) return [{ type: 'context', elements: [{ type: 'mrkdwn', text: escape(label) }] }];
    return [
      {
        type: 'image',
        block_id: `file_${i}`,
        image_url: f.url,
        alt_text: (f.alt || `${f.filename} (no alt text)`).slice(0, 2000),
        title: { type: 'plain_text', text: label.slice(0, 2000) },
      },
      ...(f.alt ? [{ type: 'context' as const, elements: [{ type: 'plain_text' as const, text: `Alt text: ${f.alt}`.slice(0, 2000) }] }] : []),
    ];
  });
}

/** The notification text (and screen reader text) that goes with the blocks. */
export function cardFallback(card: CardView): string {
  return `${card.stateLabel}: post by <@${card.authorId}> for ${card.networks.map((n) => n.label).join(', ')}`;
}

export function receiptBlocks(receipt: Receipt): KnownBlock[] | undefined {
  if (receipt.buttons.length === 0) return undefined;
  return [
    { type: 'section', text: { type: 'mrkdwn', text: receipt.text } },
    {
      type: 'actions',
      elements: receipt.buttons.map((b) =>
        b.kind === 'link'
          ? {
              type: 'button' as const,
              text: { type: 'plain_text' as const, text: b.label },
              action_id: `${ACTIONS.openLink}:${b.label}`.slice(0, 255),
              url: b.url,
            }
          : button(b.label, b.action, b.value, b.style),
      ),
    },
  ];
}

function contextLine(card: CardView): string {
  const unix = Math.floor(card.publishAt.getTime() / 1000);
  const when = `<!date^${unix}^{date_short_pretty} at {time}|${card.publishAt.toISOString()}> (author's zone: ${card.zone})`;
  const approvals =
    card.approvals.required > 0
      ? ` · ${card.approvals.count} of ${card.approvals.required} approvals${card.approvals.approverIds.length ? ` (${card.approvals.approverIds.map((id) => `<@${id}>`).join(', ')})` : ''}`
      : '';
  return `Publish ${when}${approvals}`;
}

function deliveryLine(d: DeliveryLine): string {
  return deliveryStatusLine(d, { link: (text, url) => `<${url}|${text}>`, escape });
}

/** "Approve, but hold…" beside Approve: each option approves the post except one network. */
function holdSelect(card: CardView) {
  const seen = card.contentHash.slice(0, HASH_PREFIX);
  return {
    type: 'static_select' as const,
    action_id: ACTIONS.approveHolding,
    placeholder: { type: 'plain_text' as const, text: 'Approve, but hold…' },
    options: card.holdable
      .slice(0, 100)
      .map((n) => ({ text: { type: 'plain_text' as const, text: `Hold ${n.label}` }, value: encodeArgs(card.postId, seen, n.network) })),
  };
}

function button(text: string, actionId: string, value: string, style?: 'primary' | 'danger') {
  return { type: 'button' as const, text: { type: 'plain_text' as const, text }, action_id: actionId, value, ...(style ? { style } : {}) };
}

function quote(text: string): string {
  return escape(text)
    .split('\n')
    .map((line) => `> ${line}`)
    .join('\n');
}

/** Slack's three control characters; everything else in mrkdwn is shown as typed. */
export function escape(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

function clip(text: string): string {
  return text.length <= SECTION_TEXT_LIMIT ? text : `${text.slice(0, SECTION_TEXT_LIMIT)}… _(shortened here; the full text is published)_`;
}
