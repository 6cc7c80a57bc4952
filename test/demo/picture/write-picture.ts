import { writeFile } from 'node:fs/promises';
import sharp from 'sharp';
import type { SlackEmulator } from '../../../emulators/slack.ts';
import { cardPicture, type PictureImage, type PictureMessage } from './card-picture.ts';
import { plainText, type Reader } from './mrkdwn.ts';
import { pictureProblems } from './picture-check.ts';

/**
 * `npm run demo -- --picture FILE`: the first card of a channel and its thread, as the Slack emulator
 * holds them at the end of the run, drawn to FILE. The card's images are fetched from their image_url
 * (Greenlight's signed /card-image links, as Slack fetches them) and embedded. It refuses to write a
 * picture that does not parse, leaves out a reply or an alt text, or misses an image.
 */
export async function writeCardPicture(slack: SlackEmulator, options: { file: string; channelId: string; channelName: string; reader: Reader }): Promise<void> {
  const card = slack.channelMessages(options.channelId)[0];
  if (!card) throw new Error(`no message in #${options.channelName} to draw`);
  const replies: PictureMessage[] = slack.threadReplies(options.channelId, card.ts);
  const shown = [card, ...replies].flatMap((m) => (m.blocks ?? []) as { type: string; image_url?: string; alt_text?: string }[]).filter((b) => b.type === 'image');
  const images: Record<string, PictureImage> = {};
  for (const block of shown) if (block.image_url) images[block.image_url] = await fetchImage(block.image_url);
  const svg = cardPicture({
    channel: options.channelName,
    app: card.bot_profile.name,
    card,
    replies,
    reader: options.reader,
    caption: 'Drawn by npm run demo -- --picture from the blocks and replies the Slack emulator holds at the end of the run.',
    images,
  });
  const expected = [...replies.map((r) => plainText(r.text, options.reader)), ...shown.map((b) => b.alt_text ?? 'no alt text')];
  const problems = await pictureProblems(svg, expected, { images: shown.length });
  if (problems.length > 0) throw new Error(`the picture is wrong:\n${problems.join('\n')}`);
  await writeFile(options.file, svg);
}

/** An image block's image, as PNG: a PNG as served, byte for byte; any other type converted (sharp). */
async function fetchImage(url: string): Promise<PictureImage> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`the card's image answered ${res.status}: ${await res.text()}`);
  const bytes = Buffer.from(await res.arrayBuffer());
  const png = res.headers.get('content-type') === 'image/png' ? bytes : await sharp(bytes).png().toBuffer();
  const { width, height } = await sharp(png).metadata();
  if (!width || !height) throw new Error(`the card's image at ${new URL(url).pathname} has no size`);
  return { png, width, height };
}
