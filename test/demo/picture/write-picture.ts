import { writeFile } from 'node:fs/promises';
import type { SlackEmulator } from '../../../emulators/slack.ts';
import { cardPicture, type PictureMessage } from './card-picture.ts';
import { plainText, type Reader } from './mrkdwn.ts';
import { pictureProblems } from './picture-check.ts';

/**
 * `npm run demo -- --picture FILE`: the first card of a channel and its thread, as the Slack emulator
 * holds them at the end of the run, drawn to FILE. It refuses to write a picture that does not parse
 * or leaves out a reply.
 */
export async function writeCardPicture(slack: SlackEmulator, options: { file: string; channelId: string; channelName: string; reader: Reader }): Promise<void> {
  const card = slack.channelMessages(options.channelId)[0];
  if (!card) throw new Error(`no message in #${options.channelName} to draw`);
  const replies: PictureMessage[] = slack.threadReplies(options.channelId, card.ts);
  const svg = cardPicture({
    channel: options.channelName,
    app: card.bot_profile.name,
    card,
    replies,
    reader: options.reader,
    caption: 'Drawn by npm run demo -- --picture from the blocks and replies the Slack emulator holds at the end of the run.',
  });
  const problems = await pictureProblems(svg, replies.map((r) => plainText(r.text, options.reader)));
  if (problems.length > 0) throw new Error(`the picture is wrong:\n${problems.join('\n')}`);
  await writeFile(options.file, svg);
}
