import { afterAll, beforeAll } from 'vitest';
import type { DiscordEmulator } from '../../emulators/discord.ts';
import { discordOf, type DiscordSide, registerGuildCommands } from './discord-stack.ts';
import { startStack, type Stack, type StackOptions } from './greenlight.ts';

/**
 * The set-up the Discord end-to-end suites share: one stack with Discord, started before the tests of
 * the file (or of the describe it is called in) and stopped after them; `commands`: Greenlight's commands
 * are registered in the guild first (for /post with options). `started` gets the stack once it is up
 * (the suite keeps it in its own variable, and may prepare it there). `emu` and `accounts` are for the
 * tests, once the stack is up.
 */
export function discordSuite(
  options: StackOptions & { discord: 'http' | 'gateway'; commands?: boolean },
  started: (stack: Stack) => void | Promise<void>,
): { emu: () => DiscordEmulator; accounts: () => DiscordSide['accounts'] } {
  let stack: Stack | undefined;
  const running = (): Stack => {
    if (!stack) throw new Error('the Discord stack is not started yet');
    return stack;
  };
  beforeAll(async () => {
    stack = await startStack(options);
    if (options.commands) await registerGuildCommands(stack);
    await started(stack);
  });
  afterAll(async () => {
    await stack?.stop();
  });
  return { emu: () => discordOf(running()).emulator, accounts: () => discordOf(running()).accounts };
}
