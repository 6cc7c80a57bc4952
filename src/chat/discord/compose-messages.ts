import type { SocialAccount } from '../../db/schema.ts';
import { takesFirstComment } from '../../domain/first-comment.ts';
import { NETWORK_LABELS, NETWORKS, isNetwork } from '../../domain/networks.ts';
import type { ComposeField, ComposeFile } from '../../workflow/compose.ts';
import { button, escapeMarkdown, row } from './card-embeds.ts';
import { VERSIONS_PER_FORM } from './compose-modal.ts';
import type { Draft } from './compose-state.ts';
import { clip } from './edge-context.ts';
import { BUTTONS, customId } from './ids.ts';
import type { Json, MessagePayload } from './types.ts';

/** Discord caps a message's embeds at 6000 characters: the text's share, the rest for the fields. */
const PREVIEW_LIMIT = 2800;
/** What a message's embeds may hold in all (Discord: 6000 characters), with room for titles. */
const EMBED_CHARACTERS = 5800;
/** Each network's version, as shown on the step (in full on the card). */
const VERSION_PREVIEW = 300;
/** Discord's string select holds at most 25 options. */
const SELECT_LIMIT = 25;

const FIELD_LABELS: Record<string, string> = {
  text: 'Text',
  targets: 'Accounts',
  when: 'Publish time',
  media: 'Image links',
  files: 'Images and video',
  instagram: 'Instagram',
  note: 'Note',
};

/**
 * The step after the form: pick the accounts, then send (or go back to the text). `bestTimes` is the
 * compose hint Slack shows under the publish time ("Best times for X: Tue 9:00 (high), …").
 */
export function targetsStep(draft: Draft, accounts: SocialAccount[], bestTimes?: string): MessagePayload {
  const verb = draft.postId ? 'save it and send it back for approval' : 'send it for approval';
  return stepMessage(draft, accounts, `Where should this go? Pick the accounts, then ${verb}.${bestTimes ? `\n🕘 ${bestTimes}` : ''}`);
}

/** The workflow refused the form: every problem, what was typed, and the way back into the form. */
export function errorStep(draft: Draft, accounts: SocialAccount[], errors: Partial<Record<ComposeField, string>>): MessagePayload {
  const lines = Object.entries(errors)
    .filter(([, message]) => message)
    .map(([field, message]) => `• **${fieldLabel(field)}:** ${message}`);
  return stepMessage(draft, accounts, `⚠️ Not sent yet. Fix these, then send again; what you typed is kept:\n${lines.join('\n')}`);
}

/** Notes on the images and video form's answer (lines left out, alt text shortened), above the step. */
export function errorStepText(problems: string[]): string {
  return clip(`⚠️ Files saved, with these notes:\n${problems.map((p) => `• ${p}`).join('\n')}\nPick the accounts, then send.`);
}

/** The post went in: where its card is. */
export function sentMessage(draft: Draft, cardChannelId: string): MessagePayload {
  const text = draft.postId
    ? `✅ Saved. The post is back in review on its card in <#${cardChannelId}>.`
    : `✅ Sent for approval. The card is in <#${cardChannelId}>; its thread will tell you what happens.`;
  return { content: text, embeds: [], components: [] };
}

/** A refusal the form cannot fix (no rights, the post moved on); what was typed is shown so it is not lost. */
export function refusedMessage(draft: Draft, message: string): MessagePayload {
  return { content: clip(`⚠️ ${message}`), embeds: [preview(draft)], components: [] };
}

/** The draft is gone (sent already, or forgotten after a week): say so, and show the text we were given. */
export function expiredMessage(text: string | undefined): MessagePayload {
  const shown = text ? [{ title: 'What you typed', description: clip(escapeMarkdown(text), 4000) }] : [];
  return { content: 'This draft is no longer open (it was sent, or is more than a week old). Start again with /post.', embeds: shown, components: [] };
}

function stepMessage(draft: Draft, accounts: SocialAccount[], content: string): MessagePayload {
  const rows: Json[] = [];
  if (accounts.length > 1) rows.push(row([accountSelect(draft, accounts)]));
  if (asksInstagramKind(draft, accounts)) rows.push(row([instagramKindSelect(draft)]));
  rows.push(
    row([
      button(draft.postId ? 'Save and resubmit' : 'Send for approval', 1, customId(BUTTONS.composeSend, draft.id)),
      button('Edit in the form', 2, customId(BUTTONS.composeReopen, draft.id)),
      button(draft.input.files?.length ? 'Images, video and alt text' : 'Add images or video', 2, customId(BUTTONS.composeImages, draft.id)),
      ...versionButtons(draft, accounts),
    ]),
    row(postExtrasButtons(draft, accounts)),
  );
  return { content: clip(content), embeds: [preview(draft)], components: rows };
}

/** "Versions per network" once accounts on two networks or more are picked; "More versions" past a form's five. */
function versionButtons(draft: Draft, accounts: SocialAccount[]): Json[] {
  const networks = new Set(accounts.filter((a) => draft.input.accountIds.includes(a.id) && a.network !== 'webhook').map((a) => a.network));
  if (networks.size < 2) return [];
  const buttons = [button('Versions per network', 2, customId(BUTTONS.composeVersions, draft.id))];
  if (networks.size > VERSIONS_PER_FORM) buttons.push(button('More versions', 2, customId(BUTTONS.composeVersionsMore, draft.id)));
  return buttons;
}

/**
 * Issue 16, as Slack's form: "First comments" once a picked network takes one ("More first comments" past a
 * form's five), and the post's "no link preview" choice, flipped in place.
 */
function postExtrasButtons(draft: Draft, accounts: SocialAccount[]): Json[] {
  const picked = new Set(accounts.filter((a) => draft.input.accountIds.includes(a.id)).map((a) => a.network));
  const commentable = NETWORKS.filter((n) => picked.has(n) && takesFirstComment(n));
  const buttons: Json[] = [];
  if (commentable.length > 0) buttons.push(button('First comments', 2, customId(BUTTONS.composeComments, draft.id)));
  if (commentable.length > VERSIONS_PER_FORM) buttons.push(button('More first comments', 2, customId(BUTTONS.composeCommentsMore, draft.id)));
  const previewOff = draft.input.noLinkPreview === true;
  buttons.push(button(previewOff ? 'Link preview back on' : 'No link preview', 2, customId(BUTTONS.composeLinkPreview, draft.id)));
  return buttons;
}

/** The Reel-or-Story choice (issue 15) is offered once the draft has a video and an Instagram account is picked. */
function asksInstagramKind(draft: Draft, accounts: SocialAccount[]): boolean {
  const toInstagram = accounts.some((a) => a.network === 'instagram' && draft.input.accountIds.includes(a.id));
  return toInstagram && (draft.input.files ?? []).some((f) => f.contentType.toLowerCase().startsWith('video/'));
}

function instagramKindSelect(draft: Draft): Json {
  const story = draft.input.instagram === 'stories';
  return {
    type: 3,
    custom_id: customId(BUTTONS.composeInstagram, draft.id),
    placeholder: 'Instagram video as…',
    options: [
      { label: 'Instagram: Reel (also in the feed)', value: 'reels', ...(story ? {} : { default: true }) },
      { label: 'Instagram: Story (3–60 s, gone after 24 h)', value: 'stories', ...(story ? { default: true } : {}) },
    ],
  };
}

function accountSelect(draft: Draft, accounts: SocialAccount[]): Json {
  const shown = accounts.slice(0, SELECT_LIMIT);
  return {
    type: 3,
    custom_id: customId(BUTTONS.composeTargets, draft.id),
    placeholder: 'Publish to…',
    min_values: 1,
    max_values: shown.length,
    options: shown.map((a) => ({
      label: clip(`${NETWORK_LABELS[a.network]} · ${a.display_name}`, 100),
      value: a.id,
      ...(draft.input.accountIds.includes(a.id) ? { default: true } : {}),
    })),
  };
}

function preview(draft: Draft): Json {
  const fields = [{ name: 'Publish time', value: clip(`${draft.input.when.trim() || 'now'} (${draft.input.zone})`, 1024) }];
  if (draft.input.media.length > 0) fields.push({ name: 'Image links', value: clip(draft.input.media.join('\n'), 500) });
  for (const [network, text] of Object.entries(draft.input.variants)) {
    if (text && isNetwork(network)) fields.push({ name: `${NETWORK_LABELS[network]} version`, value: clip(escapeMarkdown(text), VERSION_PREVIEW) });
  }
  for (const [network, text] of Object.entries(draft.input.comments ?? {})) {
    if (text && isNetwork(network)) fields.push({ name: `First comment on ${NETWORK_LABELS[network]}`, value: clip(escapeMarkdown(text), VERSION_PREVIEW) });
  }
  if (draft.input.noLinkPreview) fields.push({ name: 'Link preview', value: 'Off: the first link gets no card' });
  const files = draft.input.files ?? [];
  if (files.length > 0) fields.push({ name: `Images (${files.length})`, value: clip(files.map(fileLine).join('\n'), 1024) });
  if (draft.input.note) fields.push({ name: 'Note for the approver', value: clip(escapeMarkdown(draft.input.note), 1024) });
  // The text takes what the fields leave of the embed's characters (versions and images come first).
  const used = fields.reduce((sum, f) => sum + f.name.length + f.value.length, 0);
  const room = Math.max(300, Math.min(PREVIEW_LIMIT, EMBED_CHARACTERS - used));
  return { title: draft.postId ? 'Your edit' : 'Your draft', description: clip(escapeMarkdown(draft.input.text) || '(no text yet)', room), fields };
}

/** `1. photo.png (1200×800) · “alt”`, or the "no alt text" marker an approver will see too. */
function fileLine(file: ComposeFile, i: number): string {
  const size = file.width && file.height ? ` (${file.width}×${file.height})` : '';
  const alt = file.alt ? `“${escapeMarkdown(clip(file.alt, 80))}”` : '⚠️ no alt text';
  return `${i + 1}. ${escapeMarkdown(file.filename)}${size} · ${alt}`;
}

function fieldLabel(field: string): string {
  const network = field.replace(/^(variant|comment)_/, '');
  if (field.startsWith('variant_') && isNetwork(network)) return `${NETWORK_LABELS[network]} version`;
  if (field.startsWith('comment_') && isNetwork(network)) return `First comment on ${NETWORK_LABELS[network]}`;
  return FIELD_LABELS[field] ?? field;
}
