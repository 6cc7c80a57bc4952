import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { REST } from '@discordjs/rest';
import { Routes } from 'discord-api-types/v10';
import { afterEach, describe, expect, it } from 'vitest';
import { DiscordEmulator, type Json } from '../../emulators/discord.ts';
import { pngOf } from '../helpers/images.ts';
import { specValidatorFor } from '../helpers/spec-validator.ts';
import { specPath } from '../helpers/specs.ts';

const GUILD = '1200000000000000001';
const CHANNEL = '1200000000000000002';
const USER = '1200000000000000003';
const DAY = 24 * 3600 * 1000;

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

/** The emulator, a guild, and an endpoint that records each interaction and answers with `answer` (a modal by default). */
async function setup(answer: (interaction: Json) => Json = () => ({ type: 5, data: { flags: 64 } })) {
  const emu = await DiscordEmulator.start();
  cleanups.push(() => emu.stop());
  emu.addGuild({ id: GUILD, name: 'HQ' });
  emu.addChannel({ id: CHANNEL, guildId: GUILD, name: 'marketing' });
  emu.addMember({ guildId: GUILD, userId: USER, username: 'alice', roles: [] });
  const seen: Json[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const interaction = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Json;
      seen.push(interaction);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(interaction.type === 1 ? { type: 1 } : answer(interaction)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  emu.setInteractionsUrl(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  const rest = new REST({ api: emu.apiBase }).setToken(emu.botToken);
  cleanups.push(() => {
    rest.clearHashSweeper();
    rest.clearHandlerSweeper();
  });
  return { emu, seen, rest };
}

const discordSpec = specValidatorFor(specPath('discord.openapi.json'));
const manifest = JSON.parse(readFileSync('manifests/discord-commands.json', 'utf8')) as Json[];

describe('Discord emulator: attachments, the CDN, message commands', () => {
  it('registers ATTACHMENT options and a message command as the spec describes, and refuses what Discord refuses', async () => {
    const { emu, rest } = await setup();
    expect(discordSpec.validate(discordSpec.operationSchema('/applications/{application_id}/commands', 'put'), manifest)).toEqual([]);
    const stored = (await rest.put(Routes.applicationGuildCommands(emu.applicationId, GUILD), { body: manifest })) as Json[];
    expect(discordSpec.validate(discordSpec.operationSchema('/applications/{application_id}/commands', 'put', '200'), stored)).toEqual([]);
    expect(stored.map((c) => [c.name, c.type])).toEqual([
      ['post', 1],
      ['Draft a post', 3],
      ['greenlight', 1],
    ]);
    const post = stored.find((c) => c.name === 'post')!;
    expect((post.options as Json[]).filter((o) => o.type === 11).map((o) => o.name)).toEqual(['image1', 'image2', 'image3', 'image4']);

    const refused = async (body: Json[]) => {
      try {
        await rest.put(Routes.applicationGuildCommands(emu.applicationId, GUILD), { body });
        return undefined;
      } catch (error) {
        return JSON.stringify((error as { rawError?: unknown }).rawError);
      }
    };
    expect(await refused([{ name: 'Draft a post', type: 3, description: 'not allowed' }])).toContain('APPLICATION_COMMAND_CONTEXT_MENU_DESCRIPTION');
    expect(await refused([{ name: 'post', type: 1, description: 'x', options: [{ type: 12, name: 'x', description: 'x' }] }])).toContain('BASE_TYPE_CHOICES');
  });

  it('sends /post attachments in resolved.attachments, served from a CDN host with signed links that expire', async () => {
    const { emu, seen, rest } = await setup();
    await rest.put(Routes.applicationGuildCommands(emu.applicationId, GUILD), { body: manifest });
    const png = await pngOf(120, 80);
    await emu.command({
      name: 'post',
      options: { text: 'Hi', image1: { filename: 'cat.png', bytes: png, description: 'A cat' } },
      userId: USER,
      channelId: CHANNEL,
    });
    const data = seen.at(-1)!.data as Json;
    const option = (data.options as Json[]).find((o) => o.name === 'image1')!;
    expect(option).toMatchObject({ type: 11 });
    const attachment = ((data.resolved as Json).attachments as Record<string, Json>)[String(option.value)]!;
    expect(discordSpec.validate('#/components/schemas/AttachmentResponse', attachment)).toEqual([]);
    expect(attachment).toMatchObject({
      filename: 'cat.png',
      size: png.length,
      content_type: 'image/png',
      width: 120,
      height: 80,
      ephemeral: true,
      description: 'A cat',
    });
    const url = new URL(String(attachment.url));
    expect(url.origin).toBe(emu.cdn.origin);
    expect(url.origin).not.toBe(emu.origin);
    expect(url.pathname).toBe(`/ephemeral-attachments/${emu.applicationId}/${String(option.value)}/cat.png`);
    expect([...url.searchParams.keys()]).toEqual(['ex', 'is', 'hm']);
    expect(Number.parseInt(url.searchParams.get('ex')!, 16) - Number.parseInt(url.searchParams.get('is')!, 16)).toBe(DAY / 1000);

    const got = await fetch(url);
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await got.arrayBuffer()).equals(png)).toBe(true);
    // Without the signature, or with another one: gone.
    expect((await fetch(`${url.origin}${url.pathname}`)).status).toBe(404);
    const forged = new URL(url);
    forged.searchParams.set('ex', 'ffffffff');
    expect((await fetch(forged)).status).toBe(404);
    // A day later the same link is gone, as on Discord.
    emu.cdn.advanceClock(DAY + 1000);
    const expired = await fetch(url);
    expect(expired.status).toBe(404);
    expect(await expired.text()).toBe('This content is no longer available.');
  });

  it('sends a message command with the target message resolved, its attachment links signed afresh', async () => {
    const { emu, seen, rest } = await setup();
    await rest.put(Routes.applicationGuildCommands(emu.applicationId, GUILD), { body: manifest });
    const png = await pngOf(64, 64, 2);
    const message = await emu.postUserMessage({ channelId: CHANNEL, userId: USER, content: 'Launch day!', files: [{ filename: 'launch.png', bytes: png }] });
    expect(message.attachments[0]).toMatchObject({ filename: 'launch.png', width: 64, height: 64 });
    emu.cdn.advanceClock(DAY + 1000);
    expect((await fetch(String(message.attachments[0]!.url))).status).toBe(404);

    await emu.messageCommand({ name: 'Draft a post', targetMessageId: message.id, userId: USER, channelId: CHANNEL });
    const data = seen.at(-1)!.data as Json;
    expect(data).toMatchObject({ name: 'Draft a post', type: 3, target_id: message.id });
    const target = ((data.resolved as Json).messages as Record<string, Json>)[message.id]!;
    expect(discordSpec.validate('#/components/schemas/MessageResponse', target)).toEqual([]);
    expect(target).toMatchObject({ content: 'Launch day!', author: { id: USER } });
    const fresh = await fetch(String((target.attachments as Json[])[0]!.url));
    expect(fresh.status).toBe(200);
    expect(Buffer.from(await fresh.arrayBuffer()).equals(png)).toBe(true);
    // A slash command's name does not run as a message command.
    await expect(emu.messageCommand({ name: 'post', targetMessageId: message.id, userId: USER, channelId: CHANNEL })).rejects.toThrow(/not registered/);
  });

  it('takes files in a modal File Upload: ids in values, the files in resolved.attachments', async () => {
    const modal = {
      type: 9,
      data: {
        custom_id: 'images',
        title: 'Images',
        components: [{ type: 18, label: 'Images', component: { type: 19, custom_id: 'files', min_values: 1, max_values: 2 } }],
      },
    };
    const { emu, seen } = await setup((interaction) => (interaction.type === 2 ? modal : { type: 5, data: { flags: 64 } }));
    await emu.command({ name: 'post', userId: USER, channelId: CHANNEL });
    expect(emu.openModal(USER)?.custom_id).toBe('images');
    // A required File Upload that asks for none, or for more than ten, is refused as Discord refuses it.
    emu.dismissModal(USER);
    for (const bad of [
      { type: 19, custom_id: 'files', min_values: 0, max_values: 2 },
      { type: 19, custom_id: 'files', required: false, max_values: 11 },
    ]) {
      modal.data.components = [{ type: 18, label: 'Images', component: bad as never }];
      const refused = await emu.command({ name: 'post', userId: USER, channelId: CHANNEL });
      expect(refused.failure).toMatch(/initial response rejected/);
    }
    modal.data.components = [{ type: 18, label: 'Images', component: { type: 19, custom_id: 'files', min_values: 1, max_values: 2 } }];
    await emu.command({ name: 'post', userId: USER, channelId: CHANNEL });
    const a = await pngOf(10, 10, 3);
    const b = await pngOf(20, 10, 4);
    await expect(
      emu.submitModal({
        customId: 'images',
        values: { files: [a, a, a].map((bytes, i) => ({ filename: `${i}.png`, bytes })) },
        userId: USER,
        channelId: CHANNEL,
      }),
    ).rejects.toThrow(/takes 1\.\.2 values/);
    await emu.submitModal({
      customId: 'images',
      values: {
        files: [
          { filename: 'a.png', bytes: a },
          { filename: 'b.png', bytes: b },
        ],
      },
      userId: USER,
      channelId: CHANNEL,
    });
    const data = seen.at(-1)!.data as Json;
    const upload = ((data.components as Json[])[0]!.component as Json)!;
    expect(upload).toMatchObject({ type: 19, custom_id: 'files' });
    const attachments = (data.resolved as Json).attachments as Record<string, Json>;
    expect((upload.values as string[]).map((id) => [attachments[id]!.filename, attachments[id]!.width])).toEqual([
      ['a.png', 10],
      ['b.png', 20],
    ]);
  });

  it('opens a DM channel as the spec describes; a member with DMs closed gets 50007', async () => {
    const { emu, rest } = await setup();
    const dm = (await rest.post(Routes.userChannels(), { body: { recipient_id: USER } })) as Json;
    expect(discordSpec.validate(discordSpec.operationSchema('/users/@me/channels', 'post', '200'), dm)).toEqual([]);
    expect(((await rest.post(Routes.userChannels(), { body: { recipient_id: USER } })) as Json).id).toBe(dm.id);
    await rest.post(Routes.channelMessages(String(dm.id)), { body: { content: 'Hello' } });
    expect(emu.directMessages(USER).map((m) => m.content)).toEqual(['Hello']);
    emu.closeDirectMessages(USER);
    await expect(rest.post(Routes.channelMessages(String(dm.id)), { body: { content: 'Again' } })).rejects.toMatchObject({ code: 50007 });
  });
});
