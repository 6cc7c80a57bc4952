import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reencryptAll } from '../../src/db/reencrypt.ts';
import { parseKeyring, TokenCipher } from '../../src/crypto/token-cipher.ts';
import { findSlackInstallation, saveSlackInstallation } from '../../src/db/slack-installations.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

const key = () => randomBytes(32).toString('base64');
const KEYS = { old: key(), next: key() };
const OLD = new TokenCipher(parseKeyring(`old:${KEYS.old}`, 'old'));
const BOTH = new TokenCipher(parseKeyring(`old:${KEYS.old},next:${KEYS.next}`, 'next'));
const NEXT = new TokenCipher(parseKeyring(`next:${KEYS.next}`, 'next'));

let testDb: TestDatabase;
beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(async () => {
  await testDb?.drop();
});

describe('keys rotate: Slack installations', () => {
  it('re-encrypts the bot and user token envelopes under the new primary key, bound to their row', async () => {
    const { db } = testDb;
    const base = { enterpriseId: undefined, isEnterpriseInstall: false, workspaceId: undefined, details: { appId: 'A1' } };
    await saveSlackInstallation(db, OLD, { ...base, key: 'team:T0ONE', teamId: 'T0ONE', bot: { token: 'xoxb-one-0123' }, user: { token: 'xoxp-one-0123' } });
    await saveSlackInstallation(db, OLD, { ...base, key: 'team:T0TWO', teamId: 'T0TWO', bot: { token: 'xoxb-two-0123' }, user: undefined });

    const progress: string[] = [];
    const result = await reencryptAll(db, BOTH, (p) => progress.push(`${p.table} ${p.done}/${p.total}`));
    expect(result).toEqual({ reencrypted: 3, current: 0, failed: [] });
    expect(progress).toEqual(['slack_installations 2/2', 'slack_installations 1/1']);
    expect(await reencryptAll(db, BOTH)).toEqual({ reencrypted: 0, current: 3, failed: [] });

    // The old key can go.
    expect(await findSlackInstallation(db, NEXT, 'team:T0ONE')).toMatchObject({ bot: { token: 'xoxb-one-0123' }, user: { token: 'xoxp-one-0123' } });
    expect(await findSlackInstallation(db, NEXT, 'team:T0TWO')).toMatchObject({ bot: { token: 'xoxb-two-0123' }, user: undefined });
    // An envelope moved to another row does not decrypt there.
    const one = await db.selectFrom('slack_installations').select('bot_token').where('installation_key', '=', 'team:T0ONE').executeTakeFirstOrThrow();
    await db.updateTable('slack_installations').set({ bot_token: one.bot_token }).where('installation_key', '=', 'team:T0TWO').execute();
    await expect(findSlackInstallation(db, NEXT, 'team:T0TWO')).rejects.toThrow(/failed authentication/);
  });
});
