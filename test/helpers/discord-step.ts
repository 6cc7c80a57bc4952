import type { DiscordMessage } from '../../emulators/discord.ts';
import { component, D_AUTHOR, discordOf } from './discord-stack.ts';
import type { Stack } from './stack.ts';

/**
 * The compose flow's account step on Discord, as a person uses it: pick the accounts, press a step
 * button, fill the form it opens (versions, first comments), each time waiting for the step to be redrawn.
 */

/** The account step message once it has been redrawn since `before` (its edited time then). */
function redrawn(stack: Stack, step: DiscordMessage, before: string | null | undefined, what = 'the step again'): Promise<DiscordMessage> {
  const emu = discordOf(stack).emulator;
  return emu.waitFor(() => (emu.message(step.id)!.edited_timestamp !== before ? emu.message(step.id) : undefined), { what });
}

/** Picks the accounts on the account step and waits until the step shows the button `prefix` (the versions, the first comments). */
export async function pickShowing(stack: Stack, step: DiscordMessage, accountIds: string[], prefix: string, user = D_AUTHOR): Promise<DiscordMessage> {
  const emu = discordOf(stack).emulator;
  const select = component(step, 'compose_targets');
  if (!select) throw new Error('no account picker on the step');
  await emu.selectMenu({ customId: String(select.custom_id), values: accountIds, userId: user, channelId: step.channel_id, messageId: step.id });
  return emu.waitFor(() => (component(emu.message(step.id)!, prefix) ? emu.message(step.id) : undefined), { what: `the ${prefix} button` });
}

/** Clicks the step's button `prefix` as `user`; the interaction's result (a form's, when it opens one). */
export async function clickOnStep(stack: Stack, step: DiscordMessage, prefix: string, user = D_AUTHOR) {
  const button = component(step, prefix);
  if (!button) throw new Error(`no ${prefix} button on the step`);
  return discordOf(stack).emulator.clickButton({ customId: String(button.custom_id), userId: user, channelId: step.channel_id, messageId: step.id });
}

/** Clicks the step's button `prefix` and waits for the step to be redrawn. */
export async function clickStep(stack: Stack, step: DiscordMessage, prefix: string, user = D_AUTHOR): Promise<DiscordMessage> {
  const before = discordOf(stack).emulator.message(step.id)!.edited_timestamp;
  await clickOnStep(stack, step, prefix, user);
  return redrawn(stack, step, before);
}

/**
 * Opens the form behind the step's button `prefix` (it must be titled `title`), submits `values` and
 * waits for the step to be redrawn with them.
 */
export async function submitStepForm(
  stack: Stack,
  step: DiscordMessage,
  prefix: string,
  title: string,
  values: Record<string, string>,
  user = D_AUTHOR,
): Promise<DiscordMessage> {
  const emu = discordOf(stack).emulator;
  const opened = await clickOnStep(stack, step, prefix, user);
  const form = opened.response as { type?: number; data?: { title?: string } } | undefined;
  if (form?.type !== 9 || form.data?.title !== title) throw new Error(`${prefix} opened ${JSON.stringify(opened.response)}, not the form "${title}"`);
  const modal = emu.openModal(user)!;
  const before = emu.message(step.id)!.edited_timestamp;
  await emu.submitModal({ customId: modal.custom_id, values, userId: user, channelId: step.channel_id });
  return redrawn(stack, step, before);
}
