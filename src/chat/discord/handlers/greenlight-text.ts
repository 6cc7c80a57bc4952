import type { Workspace } from '../../../db/schema.ts';
import { NETWORKS } from '../../../domain/networks.ts';
import { SETTINGS_HELP } from '../../settings-args.ts';
import { type AnswerFormat, settingsText as sharedSettingsText } from '../../../workflow/chat-texts.ts';
import { escapeMarkdown } from '../card-embeds.ts';

/** What `/greenlight` says, in Discord's markdown (times as `<t:…>`, shown in each reader's zone). */
export const HELP = [
  '**Greenlight**: draft with `/post`, approve on the card, published on time with receipts in the thread.',
  '`/greenlight queue`: what is scheduled this week, and what failed',
  '`/greenlight queue week:next` (or `prev`, `+2`, a date): a week as a calendar, with free slots',
  '`/greenlight slots [add|remove|suggest]`: weekly posting slots that "next slot" books (admins change)',
  '`/greenlight accounts`: connected social accounts and their health',
  '`/greenlight connect <network>`: connect an account (admins; ' + NETWORKS.join(', ') + ')',
  '`/greenlight settings [key=value ...]`: show or change settings (admins)',
  '`/greenlight pause` / `/greenlight resume`: hold every queued delivery / let them go (admins)',
  '`/greenlight besttime [network]`: the best times to post, from how earlier posts did',
  '`/greenlight webhooks add <url> [events] | list | remove <id>`: send events to your own URL, signed (admins)',
  '`/greenlight help`: this text',
].join('\n');

const stamp = (at: Date, style: 'f' | 't') => `<t:${Math.floor(at.getTime() / 1000)}:${style}>`;

/** Discord's markdown for the shared answers: times as `<t:…>`, shown in each reader's zone. */
export const ANSWER_FORMAT: AnswerFormat = {
  bold: (t) => `**${t}**`,
  escape: escapeMarkdown,
  mention: (u) => `<@${u}>`,
  time: (at) => stamp(at, 't'),
  stamp: (at) => stamp(at, 'f'),
  separator: ' · ',
  healthSeparator: ': ',
  weekExamples: '`next`, `prev`, `+2`',
  connectCommand: '`/greenlight connect`',
};

export function settingsText(workspace: Workspace): string {
  return sharedSettingsText(
    workspace,
    { channel: (id) => `<#${id}>`, group: (id) => `<@&${id}>` },
    SETTINGS_HELP.replace('approver_group=@group', 'approver_group=@Role'),
  );
}
