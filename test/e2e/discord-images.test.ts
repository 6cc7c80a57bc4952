import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { DiscordMessage } from '../../emulators/discord.ts';
import { DISCORD_FILE_GONE } from '../../src/chat/discord/chat-files.ts';
import { connectAccount } from '../../src/db/accounts.ts';
import { COMMUNITY, D_AUTHOR, D_MANAGER, component, dCards, dClick, dThread, discordOf, sendStep, submitCompose } from '../helpers/discord-stack.ts';
import type { Stack } from '../helpers/greenlight.ts';
import { discordSuite } from '../helpers/discord-suite.ts';
import { pngOf, pngOfSize } from '../helpers/images.ts';

const SECRET = 'discord-images-test-state-secret-0123456789';

/** Issue 14 on Discord: images attached to /post or taken from a message, alt text, the card, approval. */
describe('Discord images', () => {
  let stack: Stack;
  let bluesky: string;
  const { emu, accounts } = discordSuite({ discord: 'http', commands: true, env: () => ({ STATE_SECRET: SECRET }) }, async (s) => {
    stack = s;
    // Only the form's check is needed of Bluesky here: no publish reaches it.
    bluesky = (
      await connectAccount(stack.app.db, stack.app.cipher, {
        workspaceId: discordOf(stack).workspaceId,
        network: 'bluesky',
        externalAccountId: 'did:plc:community',
        displayName: '@community.bsky.test',
        instanceUrl: 'http://127.0.0.1:9',
        connectedBy: D_AUTHOR,
        credentials: { accessToken: 'unused', refreshToken: 'unused' },
      })
    ).id;
  });

  /** The card of the post whose network embed carries `text`, as it is now. */
  const cardWith = (text: string) => dCards(stack).find((m) => m.embeds.some((e) => String(e.description ?? '').includes(text)));
  const imagesField = (card: DiscordMessage) =>
    (card.embeds.flatMap((e) => (e.fields as { name: string; value: string }[] | undefined) ?? []).find((f) => f.name.startsWith('Images')) ?? {
      name: '',
      value: '',
    }) as { name: string; value: string };
  const imageUrls = (card: DiscordMessage) => card.embeds.map((e) => (e.image as { url?: string } | undefined)?.url).filter((u): u is string => !!u);

  /** Presses "Images, video and alt text" on the account step and submits the images form. */
  async function imagesForm(step: DiscordMessage, values: Record<string, string | string[]>): Promise<DiscordMessage> {
    const button = component(step, 'compose_images')!;
    const opened = await emu().clickButton({ customId: String(button.custom_id), userId: D_AUTHOR, channelId: step.channel_id, messageId: step.id });
    expect(opened.response).toMatchObject({ type: 9, data: { title: 'Images, video and alt text' } });
    const modal = emu().openModal(D_AUTHOR)!;
    const before = emu().message(step.id)!.edited_timestamp;
    const res = await emu().submitModal({ customId: modal.custom_id, values, userId: D_AUTHOR, channelId: step.channel_id });
    expect(res.failure).toBeUndefined();
    return emu().waitFor(() => (emu().message(step.id)!.edited_timestamp !== before ? emu().message(step.id) : undefined), { what: 'the step again' });
  }

  it('/post with two PNGs and alt text: the card says "preparing media", then shows both images; approve schedules it', async () => {
    const rocket = await pngOf(400, 300, 11);
    const team = await pngOf(300, 300, 12);
    const opened = await emu().command({
      name: 'post',
      options: {
        text: 'Launch day!',
        image1: { filename: 'rocket.png', bytes: rocket, description: 'A rocket' },
        image2: { filename: 'team.png', bytes: team },
      },
      userId: D_AUTHOR,
      channelId: COMMUNITY,
    });
    expect(opened.response).toMatchObject({ type: 9, data: { custom_id: expect.stringMatching(/^compose:/) } });
    let step = await submitCompose(stack, D_AUTHOR, { text: 'Launch day! 🚀', when: 'tomorrow 9am' });
    const listed = JSON.stringify(step.embeds);
    expect(listed).toContain('1. rocket.png (400×300) · “A rocket”');
    expect(listed).toContain('2. team.png (300×300) · ⚠️ no alt text');

    // The images form is pre-filled with the alt text there is; one line per image.
    step = await imagesForm(step, { alt: 'rocket.png: A rocket on the launch pad\nteam.png: The team cheering' });
    expect(JSON.stringify(step.embeds)).toContain('2. team.png (300×300) · “The team cheering”');

    // The CDN is held: the copy waits, and the card shows what it has meanwhile.
    const release = emu().cdn.hold();
    const sent = await sendStep(stack, D_AUTHOR, step, [accounts().mastodon]);
    expect(sent.content).toContain('Sent for approval');
    const preparing = await emu().waitFor(() => cardWith('Launch day!'), { what: 'the card' });
    expect(imagesField(preparing).name).toBe('Images · ⏳ preparing media (0 of 2 ready)');
    expect(imageUrls(preparing)).toEqual([]);
    release();

    const ready = await emu().waitFor(
      () => {
        const card = cardWith('Launch day!');
        return card && imageUrls(card).length === 2 ? card : undefined;
      },
      { what: 'the card with both images' },
    );
    expect(imagesField(ready)).toMatchObject({
      name: 'Images (2)',
      value: '1. rocket.png (400×300) · alt: “A rocket on the launch pad”\n2. team.png (300×300) · alt: “The team cheering”',
    });
    const urls = imageUrls(ready);
    for (const url of urls) expect(new URL(url).pathname).toMatch(/^\/card-image\/[0-9a-f-]{36}$/);
    // One gallery: the image embeds share the first image's url.
    expect(ready.embeds.filter((e) => e.image).map((e) => e.url)).toEqual([urls[0], urls[0]]);

    // The approver sees them while the post is in review: the service's /card-image links serve them.
    for (const [i, bytes] of [rocket, team].entries()) {
      const shown = await fetch(urls[i]!);
      expect(shown.status).toBe(200);
      expect(Buffer.from(await shown.arrayBuffer()).equals(bytes)).toBe(true);
    }
    const index = dCards(stack).findIndex((c) => c.id === ready.id);
    await dClick(stack, D_MANAGER, 'approve', index);
    await emu().waitFor(() => dThread(stack, index).some((t) => t.startsWith('Scheduled for')), { what: 'the approval' });
  });

  it('a file too large for Bluesky is said in place, naming Bluesky and the file; what was typed is kept', async () => {
    const big = await pngOfSize(2_600_000, 5);
    await emu().command({ name: 'post', options: { image1: { filename: 'poster.png', bytes: big } }, userId: D_AUTHOR, channelId: COMMUNITY });
    const step = await submitCompose(stack, D_AUTHOR, { text: 'Big poster' });
    const answer = await sendStep(stack, D_AUTHOR, step, [bluesky]);
    expect(answer.content).toMatch(/^⚠️ Not sent yet/);
    expect(answer.content).toMatch(/\*\*Images and video:\*\* .*Bluesky takes images up to 2 MB; poster\.png is 2\.\d MB/);
    expect(JSON.stringify(answer.embeds)).toContain('Big poster');
    expect(cardWith('Big poster')).toBeUndefined();
  });

  it('"Draft a post" on a message drafts from its text and image; approved, Mastodon gets the image with its alt text', async () => {
    const photo = await pngOf(200, 100, 21);
    const message = await emu().postUserMessage({
      channelId: COMMUNITY,
      userId: D_AUTHOR,
      content: 'Our booth at the fair',
      files: [{ filename: 'booth.png', bytes: photo, description: 'Our booth, blue banners' }],
    });
    const opened = await emu().messageCommand({ name: 'Draft a post', targetMessageId: message.id, userId: D_AUTHOR, channelId: COMMUNITY });
    expect(opened.response).toMatchObject({ type: 9 });
    expect(JSON.stringify(emu().openModal(D_AUTHOR)!.components)).toContain('"value":"Our booth at the fair"');
    const step = await submitCompose(stack, D_AUTHOR, { text: 'Our booth at the fair' });
    expect(JSON.stringify(step.embeds)).toContain('1. booth.png (200×100) · “Our booth, blue banners”');
    await sendStep(stack, D_AUTHOR, step, [accounts().mastodon]);
    const card = await emu().waitFor(
      () => {
        const c = cardWith('Our booth at the fair');
        return c && imageUrls(c).length === 1 ? c : undefined;
      },
      { what: 'the card with the image' },
    );
    expect(imagesField(card).value).toBe('1. booth.png (200×100) · alt: “Our booth, blue banners”');

    // Approved, it goes out now: Mastodon receives the stored image with its alt text, once.
    const index = dCards(stack).findIndex((c) => c.id === card.id);
    await dClick(stack, D_MANAGER, 'approve', index);
    await emu().waitFor(() => dThread(stack, index).some((t) => t.startsWith('Published to Mastodon')), { what: 'the post published', timeoutMs: 20_000 });
    const uploaded = stack.mastodon.media.filter((m) => m.sha256 === createHash('sha256').update(photo).digest('hex'));
    expect(uploaded.map((m) => [m.description, m.contentType])).toEqual([['Our booth, blue banners', 'image/png']]);
    expect(stack.mastodon.posts.find((p) => p.mediaIds.includes(uploaded[0]!.id))?.text).toBe('Our booth at the fair');
  });

  it('an image uploaded in the images form joins the post; a link gone stale by then is said in the thread', async () => {
    await emu().command({ name: 'post', userId: D_AUTHOR, channelId: COMMUNITY });
    const step = await submitCompose(stack, D_AUTHOR, { text: 'Late upload' });
    expect(component(step, 'compose_images')?.label).toBe('Add images or video');
    const withFile = await imagesForm(step, {
      files: [{ filename: 'late.png', bytes: await pngOf(50, 50, 31) }] as unknown as string[],
      alt: 'A late picture',
    });
    expect(JSON.stringify(withFile.embeds)).toContain('1. late.png (50×50) · “A late picture”');
    // A day passes before sending: Discord's link has expired when Greenlight copies the file.
    emu().cdn.advanceClock(25 * 3600 * 1000);
    await sendStep(stack, D_AUTHOR, withFile, [accounts().mastodon]);
    const card = await emu().waitFor(() => cardWith('Late upload'), { what: 'the card' });
    const index = dCards(stack).findIndex((c) => c.id === card.id);
    const told = await emu().waitFor(() => dThread(stack, index).find((t) => t.includes(DISCORD_FILE_GONE)), { what: 'the refusal in the thread' });
    expect(told).toContain(`late.png: ${DISCORD_FILE_GONE}. The post is back with you`);
    await emu().waitFor(() => cardWith('Late upload')?.content.startsWith('**Changes requested**'), { what: 'the post back with its author' });
    // The author hears it where they are: Discord has no ephemeral message outside an interaction, so a DM.
    const dm = await emu().waitFor(
      () =>
        emu()
          .directMessages(D_AUTHOR)
          .find((m) => m.content.includes('late.png')),
      { what: 'the DM to the author' },
    );
    expect(dm.content).toBe(
      `Your post could not take its images: late.png: ${DISCORD_FILE_GONE}. It is back with you with its text kept: press Edit on the card to attach the files again.`,
    );
  });

  it('Edit keeps the images; swapping one sends the approved post back for approval with the new image', async () => {
    await emu().command({
      name: 'post',
      options: {
        image1: { filename: 'one.png', bytes: await pngOf(60, 40, 41), description: 'First' },
        image2: { filename: 'two.png', bytes: await pngOf(40, 60, 42), description: 'Second' },
      },
      userId: D_AUTHOR,
      channelId: COMMUNITY,
    });
    const step = await submitCompose(stack, D_AUTHOR, { text: 'Swap test', when: 'tomorrow 10am' });
    await sendStep(stack, D_AUTHOR, step, [accounts().mastodon]);
    const card = await emu().waitFor(
      () => (imageUrls(cardWith('Swap test') ?? ({ embeds: [] } as unknown as DiscordMessage)).length === 2 ? cardWith('Swap test') : undefined),
      {
        what: 'the card with both images',
      },
    );
    const index = dCards(stack).findIndex((c) => c.id === card.id);
    await dClick(stack, D_MANAGER, 'approve', index);
    await emu().waitFor(() => cardWith('Swap test')?.content.startsWith('**Scheduled'), { what: 'the post scheduled' });

    // Edit: the form and the step carry the stored images; the images form removes one and adds another.
    await dClick(stack, D_AUTHOR, 'edit', index);
    const edited = await submitCompose(stack, D_AUTHOR, { text: 'Swap test', when: 'tomorrow 10am' });
    expect(JSON.stringify(edited.embeds)).toContain('1. one.png (60×40) · “First”');
    const swapped = await imagesForm(edited, {
      files: [{ filename: 'three.png', bytes: await pngOf(50, 50, 43) }] as unknown as string[],
      alt: 'one.png: First\ntwo.png: Second\nThird, new',
      remove: ['1'],
    });
    expect(JSON.stringify(swapped.embeds)).toContain('2. three.png (50×50) · “Third, new”');
    expect(JSON.stringify(swapped.embeds)).not.toContain('two.png');
    const saved = await sendStep(stack, D_AUTHOR, swapped, []);
    expect(saved.content).toContain('Saved');

    const again = await emu().waitFor(
      () => {
        const c = cardWith('Swap test');
        return c?.content.startsWith('**Waiting for approval**') && imagesField(c).name === 'Images (2)' ? c : undefined;
      },
      { what: 'the card back in review with the new image' },
    );
    expect(imagesField(again).value).toBe('1. one.png (60×40) · alt: “First”\n2. three.png (50×50) · alt: “Third, new”');
    expect(component(again, 'approve')).toBeDefined();
  });
});

/** The same payloads over the gateway: discord.js hands INTERACTION_CREATE over as Discord sent it, resolved attachments and messages included. */
describe('Discord images over the gateway', () => {
  let stack: Stack;
  const { emu } = discordSuite({ discord: 'gateway', commands: true }, (s) => {
    stack = s;
  });

  it('/post with an image and "Draft a post" on a message both reach the account step with their images', async () => {
    await emu().command({
      name: 'post',
      options: { image1: { filename: 'g1.png', bytes: await pngOf(30, 20, 51), description: 'Gateway one' } },
      userId: D_AUTHOR,
      channelId: COMMUNITY,
    });
    const first = await submitCompose(stack, D_AUTHOR, { text: 'Over the gateway' });
    expect(JSON.stringify(first.embeds)).toContain('1. g1.png (30×20) · “Gateway one”');

    const message = await emu().postUserMessage({
      channelId: COMMUNITY,
      userId: D_AUTHOR,
      content: 'From a message',
      files: [{ filename: 'g2.png', bytes: await pngOf(20, 30, 52) }],
    });
    await emu().messageCommand({ name: 'Draft a post', targetMessageId: message.id, userId: D_AUTHOR, channelId: COMMUNITY });
    expect(JSON.stringify(await emu().waitFor(() => emu().openModal(D_AUTHOR)?.components, { what: 'the form' }))).toContain('"value":"From a message"');
    const second = await submitCompose(stack, D_AUTHOR, { text: 'From a message' });
    expect(JSON.stringify(second.embeds)).toContain('1. g2.png (20×30) · ⚠️ no alt text');
  });
});
