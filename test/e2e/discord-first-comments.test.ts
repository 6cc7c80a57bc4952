import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DiscordMessage } from '../../emulators/discord.ts';
import { listFirstComments } from '../../src/db/first-comments.ts';
import { findLinkPreview } from '../../src/db/link-previews.ts';
import { COMMUNITY, D_AUTHOR, D_MANAGER, component, dCards, dClick, discordOf, sendStep, submitCompose, waitThread } from '../helpers/discord-stack.ts';
import { startStack, type Stack } from '../helpers/greenlight.ts';

/** Issue 16 §3: Discord's compose flow has first comments per network and the "no link preview" choice, as Slack's form. */
describe('Discord first comments and link preview choice', () => {
  let stack: Stack;
  const emu = () => discordOf(stack).emulator;
  const accounts = () => discordOf(stack).accounts;
  beforeAll(async () => {
    stack = await startStack({ discord: 'http' });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  /** Picks the accounts on the step and waits until the step shows the first comments button. */
  async function pick(step: DiscordMessage, ids: string[]): Promise<DiscordMessage> {
    const select = component(step, 'compose_targets')!;
    await emu().selectMenu({ customId: String(select.custom_id), values: ids, userId: D_AUTHOR, channelId: step.channel_id, messageId: step.id });
    return emu().waitFor(() => (component(emu().message(step.id)!, 'compose_comments') ? emu().message(step.id) : undefined), {
      what: 'the first comments button',
    });
  }

  /** Clicks a step button and waits for the step to be redrawn. */
  async function clickStep(step: DiscordMessage, prefix: string): Promise<DiscordMessage> {
    const before = emu().message(step.id)!.edited_timestamp;
    await emu().clickButton({ customId: String(component(step, prefix)!.custom_id), userId: D_AUTHOR, channelId: step.channel_id, messageId: step.id });
    return emu().waitFor(() => (emu().message(step.id)!.edited_timestamp !== before ? emu().message(step.id) : undefined), { what: 'the step again' });
  }

  async function commentsForm(step: DiscordMessage, values: Record<string, string>): Promise<DiscordMessage> {
    const opened = await emu().clickButton({
      customId: String(component(step, 'compose_comments')!.custom_id),
      userId: D_AUTHOR,
      channelId: step.channel_id,
      messageId: step.id,
    });
    expect(opened.response).toMatchObject({ type: 9, data: { title: 'First comments' } });
    const modal = emu().openModal(D_AUTHOR)!;
    const before = emu().message(step.id)!.edited_timestamp;
    await emu().submitModal({ customId: modal.custom_id, values, userId: D_AUTHOR, channelId: step.channel_id });
    return emu().waitFor(() => (emu().message(step.id)!.edited_timestamp !== before ? emu().message(step.id) : undefined), { what: 'the step again' });
  }

  it('comments per picked network and no link card go in as Slack’s form sends them; after approval each comment is posted once', async () => {
    const text = 'Our release notes are out: https://example.org/notes';
    await emu().command({ name: 'post', userId: D_AUTHOR, channelId: COMMUNITY });
    let step = await submitCompose(stack, D_AUTHOR, { text });
    step = await pick(step, [accounts().mastodon, accounts().x]);
    const modal = (
      await emu().clickButton({
        customId: String(component(step, 'compose_comments')!.custom_id),
        userId: D_AUTHOR,
        channelId: step.channel_id,
        messageId: step.id,
      })
    ).response!;
    // One field per picked network that takes a first comment, in Greenlight's order.
    expect(JSON.stringify(modal).match(/comment_\w+/g)).toEqual(['comment_x', 'comment_mastodon']);
    emu().dismissModal(D_AUTHOR);

    step = await commentsForm(step, { comment_x: 'Thread with the details below', comment_mastodon: 'Questions welcome' });
    expect(JSON.stringify(step.embeds)).toContain('"name":"First comment on X","value":"Thread with the details below"');
    expect(JSON.stringify(step.embeds)).toContain('"name":"First comment on Mastodon","value":"Questions welcome"');
    // An emptied field removes that network's comment.
    step = await commentsForm(step, { comment_x: 'Details in the notes', comment_mastodon: '' });
    expect(JSON.stringify(step.embeds)).not.toContain('First comment on Mastodon');
    step = await commentsForm(step, { comment_x: 'Details in the notes', comment_mastodon: 'Questions welcome' });

    expect(String(component(step, 'compose_link_preview')!.label)).toBe('No link preview');
    step = await clickStep(step, 'compose_link_preview');
    expect(String(component(step, 'compose_link_preview')!.label)).toBe('Link preview back on');
    expect(JSON.stringify(step.embeds)).toContain('"name":"Link preview"');

    const sent = await sendStep(stack, D_AUTHOR, step, [accounts().mastodon, accounts().x]);
    expect(sent.content).toContain('Sent for approval');
    const post = await stack.app.db.selectFrom('posts').select('id').where('text', '=', text).executeTakeFirstOrThrow();
    // What Slack's form would have stored: the comments per network and a disabled card.
    expect(await listFirstComments(stack.app.db, post.id)).toEqual({ x: 'Details in the notes', mastodon: 'Questions welcome' });
    expect((await findLinkPreview(stack.app.db, post.id))?.status).toBe('disabled');

    await emu().waitFor(() => dCards(stack)[0], { what: 'the card' });
    await dClick(stack, D_MANAGER, 'approve');
    await waitThread(stack, 'First comment on X is up', 0, 20_000);
    await waitThread(stack, 'First comment on Mastodon is up', 0, 20_000);
    const xPost = stack.x.posts.find((p) => p.text === text)!;
    expect(stack.x.posts.filter((p) => p.replyTo === xPost.id).map((p) => p.text)).toEqual(['Details in the notes']);
    const mPost = stack.mastodon.posts.find((p) => p.text === text)!;
    expect(stack.mastodon.posts.filter((p) => p.replyTo === mPost.id).map((p) => p.text)).toEqual(['Questions welcome']);
  });

  it('a first comment too long for its network is said on its own line, the comments kept', async () => {
    await emu().command({ name: 'post', userId: D_AUTHOR, channelId: COMMUNITY });
    let step = await submitCompose(stack, D_AUTHOR, { text: 'Short post' });
    step = await pick(step, [accounts().mastodon, accounts().x]);
    step = await commentsForm(step, { comment_x: 'y'.repeat(300), comment_mastodon: 'fine' });
    const answer = await sendStep(stack, D_AUTHOR, step, [accounts().mastodon, accounts().x]);
    expect(answer.content).toMatch(/^⚠️ Not sent yet/);
    expect(answer.content).toMatch(/\*\*First comment on X:\*\* .*280/);
    expect(JSON.stringify(answer.embeds)).toContain('"name":"First comment on Mastodon","value":"fine"');
    expect(component(answer, 'compose_comments')).toBeDefined();
  });
});
