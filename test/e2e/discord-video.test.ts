import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { DiscordMessage } from '../../emulators/discord.ts';
import { COMMUNITY, D_AUTHOR, D_MANAGER, component, dCards, dClick, dThread, sendStep, submitCompose } from '../helpers/discord-stack.ts';
import type { Stack } from '../helpers/greenlight.ts';
import { discordSuite } from '../helpers/discord-suite.ts';
import { makeVideo } from '../helpers/videos.ts';

const SECRET = 'discord-video-test-state-secret-0123456789';
const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/**
 * Issue 15 on Discord: a video attached to /post, to a message ("Draft a post") or in the images and
 * video form goes through the same intake as images: copied from the CDN, probed, its poster frame and
 * length on the card, and published once (here to Mastodon: an upload, 202, polls, then the status).
 */
describe('Discord video', () => {
  let stack: Stack;
  const { emu, accounts } = discordSuite({ discord: 'http', commands: true, env: () => ({ STATE_SECRET: SECRET }) }, async (s) => {
    stack = s;
    stack.mastodon.videoProcessingPolls = 1;
  });

  const cardWith = (text: string) => dCards(stack).find((m) => m.embeds.some((e) => String(e.description ?? '').includes(text)));
  const filesField = (card: DiscordMessage) =>
    (card.embeds.flatMap((e) => (e.fields as { name: string; value: string }[] | undefined) ?? []).find((f) => /^(Images|Video)/.test(f.name)) ?? {
      name: '',
      value: '',
    }) as { name: string; value: string };
  const imageUrls = (card: DiscordMessage) => card.embeds.map((e) => (e.image as { url?: string } | undefined)?.url).filter((u): u is string => !!u);

  async function publishedVideo(text: string, clip: Buffer, alt: string | null) {
    const card = await emu().waitFor(
      () => {
        const c = cardWith(text);
        return c && imageUrls(c).length === 1 ? c : undefined;
      },
      { what: 'the card with the poster frame', timeoutMs: 30_000 },
    );
    expect(filesField(card).name).toBe('Video (1)');
    expect(filesField(card).value).toMatch(/^1\. clip\.mp4 \(360×640\) · ▶ video 4 s · /);
    // The poster frame is a JPEG Greenlight took from the video, behind a signed /card-image link.
    const poster = await fetch(imageUrls(card)[0]!);
    expect(poster.status).toBe(200);
    expect(poster.headers.get('content-type')).toBe('image/jpeg');

    const index = dCards(stack).findIndex((c) => c.id === card.id);
    await dClick(stack, D_MANAGER, 'approve', index);
    await emu().waitFor(() => dThread(stack, index).some((t) => t.startsWith('Published to Mastodon')), { what: 'the video published', timeoutMs: 60_000 });
    // One status with one video attachment: the stored bytes, with the alt text as its description.
    const posts = stack.mastodon.posts.filter((p) => p.text === text);
    expect(posts).toHaveLength(1);
    const attached = stack.mastodon.media.filter((m) => posts[0]!.mediaIds.includes(m.id));
    expect(attached.map((m) => [m.kind, m.sha256, m.description ?? null])).toEqual([['video', sha(clip), alt]]);
  }

  it('/post with an MP4: the step lists it, the card shows its poster frame and length, and Mastodon publishes it once', async () => {
    const clip = await makeVideo({ width: 360, height: 640, seconds: 4 });
    const opened = await emu().command({
      name: 'post',
      options: { image1: { filename: 'clip.mp4', bytes: clip, description: 'Our launch in four seconds' } },
      userId: D_AUTHOR,
      channelId: COMMUNITY,
    });
    expect(opened.response).toMatchObject({ type: 9 });
    const step = await submitCompose(stack, D_AUTHOR, { text: 'Launch, in motion' });
    expect(JSON.stringify(step.embeds)).toContain('1. clip.mp4 · “Our launch in four seconds”');
    expect(component(step, 'compose_images')?.label).toBe('Images, video and alt text');
    await sendStep(stack, D_AUTHOR, step, [accounts().mastodon]);
    await publishedVideo('Launch, in motion', clip, 'Our launch in four seconds');
  }, 90_000);

  it('a video uploaded in the images and video form joins the post the same way', async () => {
    const clip = await makeVideo({ width: 360, height: 640, seconds: 4 });
    await emu().command({ name: 'post', userId: D_AUTHOR, channelId: COMMUNITY });
    const step = await submitCompose(stack, D_AUTHOR, { text: 'Uploaded later' });
    expect(component(step, 'compose_images')?.label).toBe('Add images or video');
    const button = component(step, 'compose_images')!;
    await emu().clickButton({ customId: String(button.custom_id), userId: D_AUTHOR, channelId: step.channel_id, messageId: step.id });
    const modal = emu().openModal(D_AUTHOR)!;
    expect(modal.title).toBe('Images, video and alt text');
    const before = emu().message(step.id)!.edited_timestamp;
    const res = await emu().submitModal({
      customId: modal.custom_id,
      values: { files: [{ filename: 'clip.mp4', bytes: clip }] as unknown as string[] },
      userId: D_AUTHOR,
      channelId: step.channel_id,
    });
    expect(res.failure).toBeUndefined();
    const withFile = await emu().waitFor(() => (emu().message(step.id)!.edited_timestamp !== before ? emu().message(step.id) : undefined), {
      what: 'the step again',
    });
    expect(JSON.stringify(withFile.embeds)).toContain('1. clip.mp4 · ⚠️ no alt text');
    await sendStep(stack, D_AUTHOR, withFile, [accounts().mastodon]);
    await publishedVideo('Uploaded later', clip, null);
  }, 90_000);
});
