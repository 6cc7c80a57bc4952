import { CARD_ACTIONS, decodeArgs, encodeArgs, FORMS } from '../../workflow/chat-actions.ts';

/**
 * Every command, button and form id the Discord edge handles. manifests/discord-commands.json
 * declares the commands; a test checks that each of them and each id here has a handler.
 * A custom id is `<prefix>:<arg>:<arg>` and never longer than Discord's 100 characters.
 */
export const COMMANDS = { post: 'post', greenlight: 'greenlight', draftFromMessage: 'Draft a post' } as const;

export const GREENLIGHT_SUBCOMMANDS = ['queue', 'accounts', 'connect', 'settings', 'pause', 'resume', 'besttime', 'slots', 'webhooks', 'help'] as const;

export const BUTTONS = {
  ...CARD_ACTIONS,
  composeTargets: 'compose_targets',
  composeSend: 'compose_send',
  composeReopen: 'compose_reopen',
  composeImages: 'compose_images',
  composeVersions: 'compose_versions',
  composeVersionsMore: 'compose_versions_more',
  composeComments: 'compose_comments',
  composeCommentsMore: 'compose_comments_more',
  composeLinkPreview: 'compose_link_preview',
  composeInstagram: 'compose_instagram',
} as const;

/** The shared forms, and Discord's images, versions and first comments forms (they do not fit the compose modal's five inputs). */
export const MODALS = { ...FORMS, composeImages: 'compose_images', composeVersions: 'compose_versions', composeComments: 'compose_comments' } as const;

export type ButtonPrefix = (typeof BUTTONS)[keyof typeof BUTTONS];
export type ModalPrefix = (typeof MODALS)[keyof typeof MODALS];

export function customId(prefix: string, ...args: string[]): string {
  const id = args.length ? `${prefix}:${encodeArgs(...args)}` : prefix;
  if (id.length > 100) throw new Error(`custom id over Discord's 100 characters: ${id.slice(0, 40)}…`);
  return id;
}

/** The prefix and its arguments; undefined when the arguments are not ones we write (a forged id). */
export function parseCustomId(id: string): { prefix: string; args: string[] } | undefined {
  const at = id.indexOf(':');
  if (at < 0) return { prefix: id, args: [] };
  const args = decodeArgs(id.slice(at + 1));
  return args ? { prefix: id.slice(0, at), args } : undefined;
}
