import type { REST } from '@discordjs/rest';
import { findOrCreateWorkspace, firstSighting } from '../../db/workspaces.ts';
import type { Logger } from '../../log.ts';
import type { Actor } from '../../workflow/actor.ts';
import type { WorkflowDeps } from '../../workflow/deps.ts';
import type { Outcome } from '../../workflow/outcome.ts';
import { EPHEMERAL, ResponseType, type CommandOption, type DiscordInteraction, type InteractionResponse, type MessagePayload } from './types.ts';

/** What every Discord handler gets: the workflow, the REST client, and who we are. */
export interface DiscordEdge {
  deps: WorkflowDeps;
  rest: REST;
  applicationId: string;
  log: Logger;
}

/** One interaction being handled: the request, the person, and its one initial response. */
export interface Turn {
  edge: DiscordEdge;
  interaction: DiscordInteraction;
  guildId: string;
  userId: string;
  channelId: string;
  /** The initial response (Discord takes exactly one, within 3 s); later words go through the webhook. */
  respond(response: InteractionResponse): Promise<void>;
  readonly responded: boolean;
}

/** The guild becomes our workspace on first contact; the actor is the member who acted. */
export async function actorFor(turn: Turn): Promise<Actor> {
  const workspace = await findOrCreateWorkspace(turn.edge.deps.db, 'discord', turn.guildId);
  return { workspaceId: workspace.id, userId: turn.userId };
}

/**
 * Discord interaction ids are unique: the first sighting acts, a redelivery (a gateway resume
 * replaying an event, a retried request) changes nothing. Called after the acknowledgement.
 */
export function firstTime(turn: Turn): Promise<boolean> {
  return firstSighting(turn.edge.deps.db, 'discord', turn.interaction.id);
}

/** An immediate answer only the person who acted sees. */
export function reply(turn: Turn, content: string, extra: Omit<MessagePayload, 'content' | 'flags'> = {}): Promise<void> {
  return turn.respond({ type: ResponseType.Message, data: { content: clip(content), allowed_mentions: { parse: [] }, ...extra, flags: EPHEMERAL } });
}

/** "Got it", without touching the message the button sits on; words follow as ephemeral follow-ups. */
export function deferUpdate(turn: Turn): Promise<void> {
  return turn.respond({ type: ResponseType.DeferredUpdate });
}

/**
 * "Thinking…", answered later by `editReply`. On our own ephemeral message (an account step) the
 * answer replaces that message; anywhere else (a card) it is a new message only the actor sees.
 */
export function deferEphemeral(turn: Turn): Promise<void> {
  const onEphemeral = ((turn.interaction.message?.flags ?? 0) & EPHEMERAL) !== 0;
  return turn.respond(onEphemeral ? { type: ResponseType.DeferredUpdate } : { type: ResponseType.DeferredMessage, data: { flags: EPHEMERAL } });
}

/** Edits the interaction's original response (after `deferEphemeral`, or the ephemeral message clicked). */
export async function editReply(turn: Turn, payload: MessagePayload): Promise<void> {
  const { applicationId, rest } = turn.edge;
  await rest.patch(`/webhooks/${applicationId}/${turn.interaction.token}/messages/@original`, { body: withoutPings(payload), auth: false });
}

/** A new ephemeral message for the actor, through the interaction's webhook (valid 15 minutes). */
export async function followUp(turn: Turn, content: string): Promise<void> {
  const { applicationId, rest } = turn.edge;
  await rest.post(`/webhooks/${applicationId}/${turn.interaction.token}`, {
    body: { content: clip(content), flags: EPHEMERAL, allowed_mentions: { parse: [] } },
    auth: false,
  });
}

/** The workflow's answer to a click, to the person who clicked (nothing when it has nothing to say). */
export async function tell(turn: Turn, outcome: Outcome): Promise<void> {
  if (outcome.message) await followUp(turn, outcome.ok ? outcome.message : `⚠️ ${outcome.message}`);
}

/** The value of a command option, looked up through subcommands. */
export function optionValue(interaction: DiscordInteraction, name: string): string | undefined {
  const walk = (options: CommandOption[] | undefined): string | undefined => {
    for (const option of options ?? []) {
      if (option.name === name && option.value !== undefined) return String(option.value);
      const inner = walk(option.options);
      if (inner !== undefined) return inner;
    }
    return undefined;
  };
  return walk(interaction.data?.options);
}

/** Discord's message content limit is 2000 characters. */
export function clip(text: string, max = 2000): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function withoutPings(payload: MessagePayload): MessagePayload {
  return { allowed_mentions: { parse: [] }, ...payload };
}
