import { describe, expect, it } from 'vitest';
import type { DiscordMessage } from '../../emulators/discord.ts';
import { listFirstComments } from '../../src/db/first-comments.ts';
import { findLinkPreview } from '../../src/db/link-previews.ts';
import { COMMUNITY, D_AUTHOR, D_MANAGER, component, dCards, dClick, sendStep, submitCompose, waitThread } from '../helpers/discord-stack.ts';
import { clickOnStep, clickStep, pickShowing, submitStepForm } from '../helpers/discord-step.ts';
import type { Stack } from '../helpers/greenlight.ts';
import { discordSuite } from '../helpers/discord-suite.ts';

/** Issue 16 §3: Discord's compose flow has first comments per network and the "no link preview" choice, as Slack's form. */
describe('Discord first comments and link preview choice', () => {
  let stack: Stack;
  const { emu, accounts } = discordSuite({ discord: 'http' }, (s) => {
    stack = s;
  });

  const pick = (step: DiscordMessage, ids: string[]) => pickShowing(stack, step, ids, 'compose_comments');
  const commentsForm = (step: DiscordMessage, values: Record<string, string>) => submitStepForm(stack, step, 'compose_comments', 'First comments', values);

  it('comments per picked network and no link card go in as Slack’s form sends them; after approval each comment is posted once', async () => {
    const text = 'Our release notes are out: https://example.org/notes';
    await emu().command({ name: 'post', userId: D_AUTHOR, channelId: COMMUNITY });
    let step = await submitCompose(stack, D_AUTHOR, { text });
    step = await pick(step, [accounts().mastodon, accounts().x]);
    const modal = (await clickOnStep(stack, step, 'compose_comments')).response!;
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
    step = await clickStep(stack, step, 'compose_link_preview');
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
