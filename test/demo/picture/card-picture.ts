import { clock, parseMrkdwn, type Reader, type Span } from './mrkdwn.ts';
import { textWidth, wrapSpans } from './wrap.ts';

/**
 * A Slack message and its thread drawn as SVG from the messages themselves (their text and Block
 * Kit blocks, as the Slack emulator keeps them): the channel on the left, the thread pane on the
 * right, laid out the way Slack does, without a browser. Pure: the same messages give the same bytes.
 */
export interface PictureMessage {
  ts: string;
  text: string;
  blocks?: unknown[];
}

/** An image a block shows, as PNG bytes (the picture embeds them: it links to nothing outside itself). */
export interface PictureImage {
  png: Buffer;
  width: number;
  height: number;
}

export interface PictureInput {
  channel: string;
  app: string;
  card: PictureMessage;
  replies: PictureMessage[];
  reader: Reader;
  caption: string;
  /** The images of the messages' image blocks, by their image_url (one not given is drawn as a grey box saying so). */
  images?: Record<string, PictureImage>;
}

const WIDTH = 880;
const LEFT = { x: 12, width: 480 };
const RIGHT = { x: 504, width: 364 };
const PAD = 16;
const AVATAR = 36;
const INK = '#1d1c1d';
const GREY = '#616061';
const LINK = '#1264a3';
const LINE = '#dddddd';
const FONT = "'DejaVu Sans', 'Helvetica Neue', Helvetica, Arial, sans-serif";

interface Block {
  type: string;
  text?: { type: string; text: string };
  image_url?: string;
  alt_text?: string;
  title?: { type: string; text: string };
  elements?: { type: string; text?: string | { text: string }; placeholder?: { text: string }; style?: string }[];
}

export function cardPicture(input: PictureInput): string {
  const out: string[] = [];
  const top = 12;
  let left = columnHeader(out, LEFT, top, `# ${input.channel}`);
  left = message(out, input, input.card, LEFT, left + 14, true);
  left = repliesLink(out, input, LEFT, left);
  let right = columnHeader(out, RIGHT, top, 'Thread', `# ${input.channel}`);
  right = divider(out, RIGHT, right + 16, `${input.replies.length} ${input.replies.length === 1 ? 'reply' : 'replies'}`);
  input.replies.forEach((reply, i) => (right = message(out, input, reply, RIGHT, right + (i === 0 ? 14 : 10), i === 0)));
  const bottom = Math.max(left, right) + PAD;
  const height = bottom + 30;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="${FONT}">`,
    `<rect width="${WIDTH}" height="${height}" fill="#f4f4f4"/>`,
    ...[LEFT, RIGHT].map((c) => `<rect x="${c.x}" y="${top}" width="${c.width}" height="${bottom - top}" rx="8" fill="#ffffff" stroke="${LINE}"/>`),
    ...out,
    text(input.caption, LEFT.x + 4, height - 11, 11, '#888888'),
    '</svg>',
    '',
  ].join('\n');
}

type Column = typeof LEFT;

function columnHeader(out: string[], column: Column, top: number, title: string, sub?: string): number {
  const y = top + 28;
  out.push(text(title, column.x + PAD, y, 15, INK, 'bold'));
  if (sub) out.push(text(sub, column.x + PAD + textWidth(title, 15, true) + 8, y, 13, GREY));
  out.push(`<line x1="${column.x}" y1="${y + 12}" x2="${column.x + column.width}" y2="${y + 12}" stroke="${LINE}"/>`);
  return y + 12;
}

/** One message: the app's avatar and name (only on the first of a group, as Slack does), then its blocks. */
function message(out: string[], input: PictureInput, msg: PictureMessage, column: Column, top: number, header: boolean): number {
  const x = column.x + PAD + AVATAR + 10;
  const width = column.x + column.width - PAD - x;
  let y = top;
  if (header) {
    out.push(`<rect x="${column.x + PAD}" y="${top}" width="${AVATAR}" height="${AVATAR}" rx="6" fill="#1f7a3a"/>`);
    out.push(text('G', column.x + PAD + 11, top + 25, 19, '#ffffff', 'bold'));
    out.push(text(input.app, x, top + 13, 15, INK, 'bold'));
    const badge = x + textWidth(input.app, 15, true) + 6;
    out.push(`<rect x="${badge}" y="${top + 1}" width="30" height="15" rx="3" fill="#e8e8e8"/>`, text('APP', badge + 5, top + 12.5, 10, GREY, 'bold'));
    out.push(text(clock(when(msg), input.reader.zone), badge + 38, top + 13, 12, GREY));
    y = top + 20;
  }
  const blocks = (msg.blocks as Block[] | undefined) ?? [{ type: 'section', text: { type: 'mrkdwn', text: msg.text } }];
  blocks.forEach((block, i) => {
    y = block.type === 'image' ? image(out, block, blocks[i + 1], input, x, y, width) : drawBlock(out, block, input.reader, x, y, width);
  });
  return Math.max(y, header ? top + AVATAR : y);
}

/** Tallest an image is drawn; a taller one is narrowed to keep its proportions. */
const IMAGE_MAX_HEIGHT = 360;

/**
 * An image block as Slack shows one: its title, then the image across the message's width. Under it,
 * its alt text ("no alt text" if it has none), which Slack only gives screen readers, unless the next
 * block already says it (Greenlight's card puts an "Alt text: …" line after each image that has one).
 */
function image(out: string[], block: Block, next: Block | undefined, input: PictureInput, x: number, top: number, width: number): number {
  let y = top;
  if (block.title) y = paragraph(out, { type: 'plain_text', text: block.title.text }, input.reader, x, y + 4, width, 12, GREY);
  const alt = block.alt_text?.trim() ? `Alt text: ${block.alt_text.trim()}` : 'no alt text';
  const picture = block.image_url ? input.images?.[block.image_url] : undefined;
  const w = picture ? Math.min(width, Math.round((picture.width * IMAGE_MAX_HEIGHT) / picture.height)) : width;
  const h = picture ? Math.round((w * picture.height) / picture.width) : 120;
  y += 6;
  if (picture) {
    // Rounded corners, as Slack draws them; ids numbered in drawing order, so the same messages give the same bytes.
    const id = `image-${out.filter((o) => o.startsWith('<clipPath')).length + 1}`;
    out.push(
      `<clipPath id="${id}"><rect x="${x}" y="${y}" width="${w}" height="${h}" rx="6"/></clipPath>`,
      `<image x="${x}" y="${y}" width="${w}" height="${h}" clip-path="url(#${id})" preserveAspectRatio="xMidYMid meet" href="data:image/png;base64,${picture.png.toString('base64')}"><title>${xml(alt)}</title></image>`,
      `<rect x="${x}" y="${y}" width="${w}" height="${h}" rx="6" fill="none" stroke="${LINE}"/>`,
    );
  } else {
    out.push(`<rect x="${x}" y="${y}" width="${w}" height="${h}" rx="6" fill="#eeeeee" stroke="${LINE}"/>`);
    out.push(text('(image not loaded)', x + 12, y + h / 2 + 4, 12, GREY));
  }
  y += h;
  if (said(next, alt)) return y;
  return paragraph(out, { type: 'plain_text', text: alt }, input.reader, x, y + 4, width, 12, GREY);
}

/** Whether a block is a context line saying exactly `text`. */
function said(block: Block | undefined, text: string): boolean {
  return block?.type === 'context' && (block.elements ?? []).map((e) => (typeof e.text === 'string' ? e.text : '')).join(' ') === text;
}

function drawBlock(out: string[], block: Block, reader: Reader, x: number, y: number, width: number): number {
  if (block.type === 'section' && block.text) return paragraph(out, block.text, reader, x, y + 4, width, 13.5, INK);
  if (block.type === 'context' && block.elements) {
    const joined = block.elements.map((e) => (typeof e.text === 'string' ? e.text : '')).join(' ');
    // Plain text elements (the card's "Alt text: …") are drawn as typed: no *bold* or _italics_ read into them.
    const type = block.elements.every((e) => e.type === 'plain_text') ? 'plain_text' : 'mrkdwn';
    return paragraph(out, { type, text: joined }, reader, x, y + 4, width, 12, GREY);
  }
  if (block.type === 'actions' && block.elements) return buttons(out, block.elements, x, y + 8, width);
  if (block.type === 'divider') return divider(out, { x, width }, y + 8);
  return y;
}

/** Wrapped mrkdwn: each line of the source wraps on its own; quoted lines get Slack's grey bar. */
function paragraph(out: string[], source: { type: string; text: string }, reader: Reader, x: number, top: number, width: number, size: number, fill: string): number {
  const lines = source.type === 'mrkdwn' ? parseMrkdwn(source.text, reader) : source.text.split('\n').map((t) => ({ quote: false, spans: [{ text: t }] }));
  const step = Math.round(size * 1.45);
  let y = top;
  for (const line of lines) {
    const indent = line.quote ? 12 : 0;
    for (const row of wrapSpans(line.spans, width - indent, size)) {
      if (line.quote) out.push(`<rect x="${x}" y="${y + 2}" width="4" height="${step}" rx="2" fill="${LINE}"/>`);
      out.push(spans(row, x + indent, y + step - 4, size, fill));
      y += step;
    }
  }
  return y;
}

function buttons(out: string[], elements: NonNullable<Block['elements']>, x0: number, top: number, width: number): number {
  let x = x0;
  let y = top;
  for (const e of elements) {
    const select = e.type !== 'button';
    const label = select ? `${e.placeholder?.text ?? ''}  ▾` : typeof e.text === 'string' ? e.text : (e.text?.text ?? '');
    const w = textWidth(label, 13, true) + 24;
    if (x > x0 && x + w > x0 + width) [x, y] = [x0, y + 36];
    const primary = e.style === 'primary';
    const fill = primary ? '#007a5a' : '#ffffff';
    const ink = primary ? '#ffffff' : e.style === 'danger' ? '#e01e5a' : INK;
    out.push(`<rect x="${x}" y="${y}" width="${w}" height="28" rx="4" fill="${fill}" stroke="${primary ? fill : '#bbbbbb'}"/>`);
    out.push(text(label, x + 12, y + 18.5, 13, ink, select ? 'normal' : 'bold'));
    x += w + 8;
  }
  return y + 28;
}

function repliesLink(out: string[], input: PictureInput, column: Column, top: number): number {
  const last = input.replies[input.replies.length - 1];
  if (!last) return top;
  const x = column.x + PAD + AVATAR + 10;
  const count = `${input.replies.length} ${input.replies.length === 1 ? 'reply' : 'replies'}`;
  out.push(text(count, x, top + 22, 13, LINK, 'bold'));
  out.push(text(`Last reply today at ${clock(when(last), input.reader.zone)}`, x + textWidth(count, 13, true) + 10, top + 22, 12, GREY));
  return top + 28;
}

function divider(out: string[], column: Column, y: number, label?: string): number {
  if (!label) {
    out.push(`<line x1="${column.x}" y1="${y}" x2="${column.x + column.width}" y2="${y}" stroke="${LINE}"/>`);
    return y + 8;
  }
  const w = textWidth(label, 12) + 12;
  out.push(`<line x1="${column.x + PAD}" y1="${y}" x2="${column.x + column.width - PAD}" y2="${y}" stroke="${LINE}"/>`);
  out.push(`<rect x="${column.x + PAD}" y="${y - 9}" width="${w}" height="18" fill="#ffffff"/>`, text(label, column.x + PAD, y + 4, 12, GREY));
  return y + 4;
}

function when(msg: PictureMessage): Date {
  return new Date(Number(msg.ts.split('.')[0]) * 1000);
}

function spans(row: Span[], x: number, y: number, size: number, fill: string): string {
  const parts = row.map((s) => {
    const attrs = [s.bold ? ' font-weight="bold"' : '', s.italic ? ' font-style="italic"' : '', s.link ? ` fill="${LINK}"` : s.color ? ` fill="${s.color}"` : ''].join('');
    return attrs ? `<tspan${attrs}>${xml(s.text)}</tspan>` : xml(s.text);
  });
  return `<text x="${x}" y="${y}" font-size="${size}" fill="${fill}" xml:space="preserve">${parts.join('')}</text>`;
}

function text(content: string, x: number, y: number, size: number, fill: string, weight = 'normal'): string {
  return `<text x="${x}" y="${y}" font-size="${size}" fill="${fill}"${weight === 'normal' ? '' : ` font-weight="${weight}"`}>${xml(content)}</text>`;
}

/** XML's five special characters; message text is data, never markup. */
export function xml(content: string): string {
  return content.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&apos;');
}
