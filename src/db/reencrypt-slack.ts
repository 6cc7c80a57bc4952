import type { Db } from './database.ts';
import { slackTokenAad, type TokenSide } from './slack-installations.ts';
import type { Target } from './reencrypt-target.ts';

const changed = (result: { numUpdatedRows: bigint }) => result.numUpdatedRows > 0n;

/** `keys rotate` for Slack OAuth installs: the bot and the user token envelope of each row. */
function target(side: TokenSide): Target {
  const column = side === 'bot' ? 'bot_token' : 'user_token';
  return {
    table: 'slack_installations',
    rows: async (db: Db) =>
      (await db.selectFrom('slack_installations').select(['installation_key', column]).where(column, 'is not', null).orderBy('installation_key').execute()).map(
        (r) => ({ key: `${r.installation_key} ${side}`, envelope: (r as Record<string, string>)[column]!, aad: slackTokenAad(r.installation_key, side) }),
      ),
    update: async (db: Db, key: string, from: string, to: string) =>
      changed(
        await db
          .updateTable('slack_installations')
          .set({ [column]: to })
          .where('installation_key', '=', key.slice(0, key.lastIndexOf(' ')))
          .where(column, '=', from)
          .executeTakeFirst(),
      ),
  };
}

export const slackInstallationTargets: Target[] = [target('bot'), target('user')];
