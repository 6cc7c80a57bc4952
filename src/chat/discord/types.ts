/**
 * The parts of Discord's interaction wire format the edge reads (https://discord.com/developers/docs/interactions/receiving-and-responding). Payloads
 * are parsed from JSON we did not write, so every field is optional until checked.
 */
export type Json = Record<string, unknown>;

/** Application command types: slash (CHAT_INPUT), user and message context menus. */
export const CommandType = { ChatInput: 1, User: 2, Message: 3 } as const;

export const InteractionType = { Ping: 1, Command: 2, Component: 3, Autocomplete: 4, ModalSubmit: 5 } as const;

export const ResponseType = { Pong: 1, Message: 4, DeferredMessage: 5, DeferredUpdate: 6, UpdateMessage: 7, Autocomplete: 8, Modal: 9 } as const;

/** Message flag: only the person who acted sees the message. */
export const EPHEMERAL = 1 << 6;

export interface CommandOption {
  name: string;
  type: number;
  value?: string | number | boolean;
  options?: CommandOption[];
}

export interface DiscordInteraction {
  id: string;
  application_id: string;
  type: number;
  token: string;
  guild_id?: string;
  channel_id?: string;
  member?: { user?: { id?: string }; roles?: string[] };
  user?: { id?: string };
  message?: { id?: string; flags?: number };
  data?: {
    name?: string;
    /** Application command type (CommandType) on a command interaction. */
    type?: number;
    options?: CommandOption[];
    custom_id?: string;
    component_type?: number;
    values?: string[];
    components?: Json[];
    /** A context-menu command's target (a message id for type 3). */
    target_id?: string;
    /** Objects the options, selects and File Upload components refer to by id. */
    resolved?: { attachments?: Record<string, unknown>; messages?: Record<string, unknown> };
  };
}

export interface InteractionResponse {
  type: number;
  data?: Json;
}

export interface MessagePayload {
  content?: string;
  embeds?: Json[];
  components?: Json[];
  flags?: number;
  allowed_mentions?: { parse: string[] };
}

/** The interaction, if `body` has the shape every interaction has; undefined for anything else. */
export function parseInteraction(body: unknown): DiscordInteraction | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const i = body as Json;
  const idLike = (v: unknown) => typeof v === 'string' && /^\d{1,25}$/.test(v);
  if (!idLike(i.id) || !idLike(i.application_id) || typeof i.type !== 'number') return undefined;
  if (i.type !== InteractionType.Ping && (typeof i.token !== 'string' || i.token.length === 0 || i.token.length > 500)) return undefined;
  if (i.data !== undefined && (typeof i.data !== 'object' || i.data === null)) return undefined;
  return body as DiscordInteraction;
}
