import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiscordEmulator } from '../../emulators/discord.ts';
import { DISCORD_FILE_GONE, discordFileSource } from '../../src/chat/discord/chat-files.ts';
import { ChatFileError } from '../../src/workflow/chat-files.ts';
import type { ComposeFile } from '../../src/workflow/compose.ts';
import { pngOf } from '../helpers/images.ts';

const GUILD = '1300000000000000001';
const CHANNEL = '1300000000000000002';
const USER = '1300000000000000003';
/** The emulators listen on loopback: allowed here as OUTBOUND_ALLOW_PRIVATE allows them in the test stack. */
const local = () => ({ httpsOnly: false, allowPrivate: ['127.0.0.0/8'] });

let emu: DiscordEmulator;
beforeAll(async () => {
  emu = await DiscordEmulator.start();
  emu.addGuild({ id: GUILD, name: 'HQ' });
  emu.addChannel({ id: CHANNEL, guildId: GUILD, name: 'marketing' });
  emu.addMember({ guildId: GUILD, userId: USER, username: 'alice', roles: [] });
});
afterAll(() => emu.stop());

async function attached(filename: string, bytes: Buffer): Promise<ComposeFile & { source: { chat: 'discord'; url: string } }> {
  const message = await emu.postUserMessage({ channelId: CHANNEL, userId: USER, content: '', files: [{ filename, bytes }] });
  const a = message.attachments[0]!;
  return { source: { chat: 'discord', url: String(a.url) }, filename, contentType: String(a.content_type), bytes: Number(a.size) };
}

async function read(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

describe('the Discord file source (ChatFileSource)', () => {
  it('streams the attachment from its signed CDN link', async () => {
    const png = await pngOf(300, 200);
    const file = await attached('hero.png', png);
    const stream = await discordFileSource(local).open('ws', file, AbortSignal.timeout(10_000));
    expect((await read(stream)).equals(png)).toBe(true);
    expect(emu.cdn.fetches.at(-1)).toMatchObject({ status: 200 });
  });

  it('an expired link is a ChatFileError the author can act on, naming the file', async () => {
    const file = await attached('old.png', await pngOf(10, 10));
    emu.cdn.advanceClock(25 * 3600 * 1000);
    const opened = discordFileSource(local).open('ws', file, AbortSignal.timeout(10_000));
    await expect(opened).rejects.toBeInstanceOf(ChatFileError);
    await expect(opened).rejects.toThrow(`old.png: ${DISCORD_FILE_GONE}.`);
  });

  it('goes through the outbound guard: a loopback link is refused under the default policy', async () => {
    const file = await attached('x.png', await pngOf(10, 10));
    const before = emu.cdn.fetches.length;
    const opened = discordFileSource(() => ({ httpsOnly: false, allowPrivate: [] })).open('ws', file, AbortSignal.timeout(10_000));
    await expect(opened).rejects.toThrow(/x\.png: Discord's link points to a loopback address/);
    expect(emu.cdn.fetches.length).toBe(before);
  });
});
