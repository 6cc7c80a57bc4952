import { describe, expect, it } from 'vitest';
import { MANAGER, card, click, draft, thread, type Stack } from '../helpers/greenlight.ts';
import { discordSuite } from '../helpers/discord-suite.ts';
import { D_MANAGER, dCard, dClick, dDraft, dThread, discordOf, waitThread } from '../helpers/discord-stack.ts';

let stack: Stack;
discordSuite({ discord: 'http' }, (s) => {
  stack = s;
});

/**
 * One process with both chats. A post drafted in Slack and one drafted in Discord go through the
 * same workflow functions: the same rows, events and decisions, the same states, published once
 * each at the same network, each with its receipts in its own chat's thread.
 */
describe('Slack and Discord share one workflow', () => {
  it('takes a Slack draft and a Discord draft through the very same states, events and decisions', async () => {
    const discord = discordOf(stack);
    await draft(stack, { text: 'Drafted in Slack', accounts: [stack.accounts.mastodon] });
    await dDraft(stack, { text: 'Drafted in Discord', accounts: [discord.accounts.mastodon] });
    await stack.slack.waitFor(() => card(stack), { what: 'the Slack card' });
    await discord.emulator.waitFor(() => dCard(stack), { what: 'the Discord card' });

    await Promise.all([click(stack, MANAGER, 'approve'), dClick(stack, D_MANAGER, 'approve')]);
    await stack.slack.waitFor(() => thread(stack).find((t) => t.startsWith('Published to Mastodon')), { what: 'the Slack receipt', timeoutMs: 10_000 });
    await waitThread(stack, 'Published to Mastodon');

    expect(stack.mastodon.posts.map((p) => p.text).sort()).toEqual(['Drafted in Discord', 'Drafted in Slack']);
    const posts = await stack.app.db
      .selectFrom('posts')
      .innerJoin('workspaces', 'workspaces.id', 'posts.workspace_id')
      .select(['posts.id', 'posts.state', 'posts.version', 'workspaces.chat'])
      .orderBy('workspaces.chat')
      .execute();
    expect(posts.map((p) => [p.chat, p.state, p.version])).toEqual([
      ['discord', 'published', 1],
      ['slack', 'published', 1],
    ]);

    const trail = async (postId: string) => {
      const [events, decisions, deliveries, message] = await Promise.all([
        stack.app.db.selectFrom('events').select(['kind', 'actor']).where('post_id', '=', postId).orderBy('id').execute(),
        stack.app.db.selectFrom('decisions').select(['kind', 'actor_id', 'voided_at']).where('post_id', '=', postId).execute(),
        stack.app.db.selectFrom('deliveries').select(['network', 'state', 'attempts']).where('post_id', '=', postId).execute(),
        stack.app.db.selectFrom('chat_messages').select(['chat', 'channel_id', 'thread_id']).where('post_id', '=', postId).executeTakeFirstOrThrow(),
      ]);
      return { events: events.map((e) => e.kind), actors: events.map((e) => e.actor), decisions, deliveries, message };
    };
    const [inDiscord, inSlack] = await Promise.all(posts.map((p) => trail(p.id)));
    expect(inDiscord!.events).toEqual(inSlack!.events);
    expect(inSlack!.events).toEqual(['submitted', 'approved', 'scheduled', 'delivery_published']);
    expect(inDiscord!.deliveries).toEqual(inSlack!.deliveries);
    expect(inDiscord!.decisions).toEqual([{ kind: 'approve', actor_id: D_MANAGER, voided_at: null }]);
    expect(inSlack!.decisions).toEqual([{ kind: 'approve', actor_id: MANAGER, voided_at: null }]);

    // Each chat's receipts went to its own thread, with the same words from the same receipt code.
    expect(inSlack!.message.chat).toBe('slack');
    expect(inDiscord!.message).toMatchObject({ chat: 'discord', thread_id: dCard(stack)!.id });
    const shape = (texts: string[]) => texts.map((t) => t.replace(/<@\w+>/g, '<@someone>').replace(/\d{1,2}:\d{2}.*$/, '<time>'));
    expect(shape(dThread(stack))).toEqual(shape(thread(stack)));
    expect(dThread(stack).some((t) => t.includes('Drafted in Slack'))).toBe(false);
  });
});
