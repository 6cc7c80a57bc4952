import type { ComposeFile } from '../../workflow/compose.ts';
import type { DiscordInteraction, Json } from './types.ts';

/**
 * Files the author attached on Discord, as ComposeFiles for the workflow. They arrive three ways, all as
 * Discord Attachment objects (https://discord.com/developers/docs/resources/message#attachment-object):
 * `/post`'s ATTACHMENT options (type 11; `data.options[].value` is an id into `data.resolved.attachments`),
 * the message a "Draft a post" context-menu command targets (`data.resolved.messages[target_id].attachments`),
 * and the File Upload component (type 19) of the images form (`values` are ids into `data.resolved.attachments`).
 * The CDN link in `url` is signed and expires, so the workflow copies the file at submit (ChatFileSource).
 */

/** Attachment option type of a slash command. */
export const ATTACHMENT_OPTION = 11;
/** The File Upload component of a modal. */
export const FILE_UPLOAD = 19;
/** How many files a post takes (the most any network takes: an Instagram carousel of 10). */
export const MAX_FILES = 10;
/** Alt text: Discord's attachment description allows 1024 characters; every network takes at most 1000 (X, Instagram) or more. */
export const ALT_LIMIT = 1000;

/** One Discord Attachment as a ComposeFile; undefined when it lacks what a file needs (id, name, url, size). */
export function attachmentFile(attachment: unknown): ComposeFile | undefined {
  if (typeof attachment !== 'object' || attachment === null) return undefined;
  const a = attachment as Json;
  if (typeof a.filename !== 'string' || typeof a.url !== 'string' || typeof a.size !== 'number' || !/^https?:\/\//.test(a.url)) return undefined;
  const alt = typeof a.description === 'string' && a.description.trim() !== '' ? a.description.trim().slice(0, ALT_LIMIT) : undefined;
  return {
    source: { chat: 'discord', url: a.url },
    filename: a.filename,
    contentType: typeof a.content_type === 'string' ? (a.content_type.split(';')[0] ?? '').trim() : '',
    bytes: a.size,
    ...(typeof a.width === 'number' ? { width: a.width } : {}),
    ...(typeof a.height === 'number' ? { height: a.height } : {}),
    ...(alt ? { alt } : {}),
  };
}

function resolvedAttachment(interaction: DiscordInteraction, id: unknown): unknown {
  const all = interaction.data?.resolved?.attachments;
  return typeof id === 'string' && all && Object.hasOwn(all, id) ? all[id] : undefined;
}

/** `/post image1:… image2:…`: the attached files in option order. */
export function commandFiles(interaction: DiscordInteraction): ComposeFile[] {
  const files: ComposeFile[] = [];
  for (const option of interaction.data?.options ?? []) {
    if (option.type !== ATTACHMENT_OPTION) continue;
    const file = attachmentFile(resolvedAttachment(interaction, option.value));
    if (file) files.push(file);
  }
  return files.slice(0, MAX_FILES);
}

/** "Draft a post" on a message: its text and its files. Undefined when the payload names no message. */
export function targetMessage(interaction: DiscordInteraction): { text: string; files: ComposeFile[] } | undefined {
  const id = interaction.data?.target_id;
  const messages = interaction.data?.resolved?.messages;
  const message = typeof id === 'string' && messages && Object.hasOwn(messages, id) ? messages[id] : undefined;
  if (typeof message !== 'object' || message === null) return undefined;
  const m = message as Json;
  const files = (Array.isArray(m.attachments) ? m.attachments : []).map(attachmentFile).filter((f): f is ComposeFile => f !== undefined);
  return { text: typeof m.content === 'string' ? m.content : '', files: files.slice(0, MAX_FILES) };
}

/** The files uploaded in a modal's File Upload components, in the order given. */
export function uploadedFiles(interaction: DiscordInteraction): ComposeFile[] {
  const files: ComposeFile[] = [];
  const walk = (component: unknown): void => {
    if (typeof component !== 'object' || component === null) return;
    const c = component as Json;
    if (c.type === FILE_UPLOAD && Array.isArray(c.values)) {
      for (const id of c.values) {
        const file = attachmentFile(resolvedAttachment(interaction, id));
        if (file) files.push(file);
      }
    }
    if (c.component) walk(c.component);
    if (Array.isArray(c.components)) c.components.forEach(walk);
  };
  (interaction.data?.components ?? []).forEach(walk);
  return files;
}

/**
 * The alt text field of the images form: one line per file, in order, each optionally starting with its
 * file name and a colon (the form pre-fills `photo.png: …`). A blank line leaves that file without alt text.
 */
export function altLines(files: readonly ComposeFile[]): string {
  return files.map((f) => `${f.filename}: ${f.alt ?? ''}`.trimEnd()).join('\n');
}

/** Applies the alt text field to the files; lines beyond the files are reported, not dropped silently. */
export function applyAltLines(files: readonly ComposeFile[], text: string): { files: ComposeFile[]; extra: number; tooLong?: string } {
  const lines = text.split(/\r?\n/);
  while (lines.length > files.length && lines.at(-1)?.trim() === '') lines.pop();
  let tooLong: string | undefined;
  const out = files.map((file, i) => {
    const line = (lines[i] ?? '').trim();
    const prefix = `${file.filename}:`;
    const alt = (line.startsWith(prefix) ? line.slice(prefix.length) : line).trim();
    if (alt.length > ALT_LIMIT) tooLong ??= file.filename;
    const { alt: _old, ...rest } = file;
    return alt ? { ...rest, alt: alt.slice(0, ALT_LIMIT) } : rest;
  });
  return { files: out, extra: Math.max(0, lines.length - files.length), ...(tooLong ? { tooLong } : {}) };
}
