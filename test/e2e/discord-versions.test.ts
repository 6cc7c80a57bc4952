import { describe, expect, it } from 'vitest';
import type { DiscordMessage } from '../../emulators/discord.ts';
import { COMMUNITY, D_AUTHOR, component, dCards, sendStep, submitCompose } from '../helpers/discord-stack.ts';
import { clickOnStep, pickShowing, submitStepForm } from '../helpers/discord-step.ts';
import type { Stack } from '../helpers/greenlight.ts';
import { discordSuite } from '../helpers/discord-suite.ts';

/** Issue 16 §3: the Discord compose flow has per-network versions, as Slack's form does. */
describe('Discord per-network versions', () => {
  let stack: Stack;
  const { emu, accounts } = discordSuite({ discord: 'http' }, (s) => {
    stack = s;
  });

  const pick = (step: DiscordMessage, ids: string[]) => pickShowing(stack, step, ids, 'compose_versions');
  const versionsForm = (step: DiscordMessage, values: Record<string, string>) =>
    submitStepForm(stack, step, 'compose_versions', 'Versions per network', values);

  it('a version for X goes to X, the main text to Mastodon; an empty field removes a version', async () => {
    await emu().command({ name: 'post', userId: D_AUTHOR, channelId: COMMUNITY });
    let step = await submitCompose(stack, D_AUTHOR, { text: 'The long community announcement, with every detail for Mastodon.' });
    expect(component(step, 'compose_versions')).toBeUndefined();
    step = await pick(step, [accounts().mastodon, accounts().x]);
    const modal = (await clickOnStep(stack, step, 'compose_versions')).response!;
    // One field per picked network, in Greenlight's order.
    expect(JSON.stringify(modal).match(/variant_\w+/g)).toEqual(['variant_x', 'variant_mastodon']);
    emu().dismissModal(D_AUTHOR);

    step = await versionsForm(step, { variant_x: 'Short for X', variant_mastodon: 'Mastodon text' });
    expect(JSON.stringify(step.embeds)).toContain('"name":"X version","value":"Short for X"');
    step = await versionsForm(step, { variant_x: 'Short for X', variant_mastodon: '' });
    expect(JSON.stringify(step.embeds)).not.toContain('Mastodon version');

    const sent = await sendStep(stack, D_AUTHOR, step, [accounts().mastodon, accounts().x]);
    expect(sent.content).toContain('Sent for approval');
    const card = await emu().waitFor(() => dCards(stack).find((c) => c.embeds.some((e) => e.description === 'Short for X')), { what: 'the card' });
    const shown = card.embeds.map((e) => [e.title, e.description]);
    expect(shown).toContainEqual(['X · @community', 'Short for X']);
    expect(shown).toContainEqual(['Mastodon · @community@mastodon.test', 'The long community announcement, with every detail for Mastodon.']);
  });

  it('a version too long for its network is said on its own line, the form kept', async () => {
    await emu().command({ name: 'post', userId: D_AUTHOR, channelId: COMMUNITY });
    let step = await submitCompose(stack, D_AUTHOR, { text: 'Fine everywhere' });
    step = await pick(step, [accounts().mastodon, accounts().x]);
    step = await versionsForm(step, { variant_x: 'x'.repeat(300), variant_mastodon: '' });
    const answer = await sendStep(stack, D_AUTHOR, step, [accounts().mastodon, accounts().x]);
    expect(answer.content).toMatch(/^⚠️ Not sent yet/);
    expect(answer.content).toMatch(/\*\*X version:\*\* .*280/);
    expect(component(answer, 'compose_versions')).toBeDefined();
  });
});
