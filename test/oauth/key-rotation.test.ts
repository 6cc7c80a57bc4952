import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAccount, decryptCredentials } from '../../src/db/accounts.ts';
import { findOauthClient, saveOauthClient } from '../../src/db/oauth-clients.ts';
import { insertOauthState, verifierAad } from '../../src/db/oauth-states.ts';
import { insertSubscription, webhookSecretAad } from '../../src/db/webhooks.ts';
import { findOrCreateWorkspace } from '../../src/db/workspaces.ts';
import { parseKeyring, TokenCipher } from '../../src/crypto/token-cipher.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const key = () => randomBytes(32).toString('base64');
const KEYS = { old: key(), next: key(), gone: key() };
const cipher = (spec: string, primary: string) => new TokenCipher(parseKeyring(spec, primary));
const OLD = cipher(`old:${KEYS.old}`, 'old');

let testDb: TestDatabase;
beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(async () => {
  await testDb?.drop();
});

/** `npm run keys -- <args>` as a child process against the test database. */
function runKeys(args: string[], keys: string, primary: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const env = {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      DATABASE_URL: testDb.url,
      ENCRYPTION_KEYS: keys,
      ENCRYPTION_PRIMARY_KEY_ID: primary,
      STATE_SECRET: 's'.repeat(40),
    };
    const child = spawn(process.execPath, ['src/cli/keys.ts', ...args], { cwd: ROOT, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run keys', () => {
  it('generate prints a keyring entry a keyring accepts', async () => {
    const { code, stdout } = await runKeys(['generate', 'k2027'], `old:${KEYS.old}`, 'old');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^k2027:[A-Za-z0-9+/]{43}=\n$/);
    expect(() => parseKeyring(stdout.trim(), 'k2027')).not.toThrow();
    expect((await runKeys(['generate', 'Bad Id'], `old:${KEYS.old}`, 'old')).code).toBe(2);
    expect((await runKeys(['spin'], `old:${KEYS.old}`, 'old')).code).toBe(2);
  });

  it('rotate re-encrypts every stored secret under the new primary key, is idempotent, and reports what it cannot decrypt', async () => {
    const { db } = testDb;
    const workspace = await findOrCreateWorkspace(db, 'slack', 'T0ROTATE');
    const tokens = ['tok-a-0123456789', 'tok-b-0123456789', 'tok-c-0123456789'];
    for (const [i, accessToken] of tokens.entries()) {
      await connectAccount(db, OLD, {
        workspaceId: workspace.id,
        network: 'x',
        externalAccountId: `u${i}`,
        displayName: `@u${i}`,
        connectedBy: 'U1',
        credentials: { accessToken, refreshToken: `${accessToken}-refresh` },
      });
    }
    await insertOauthState(db, {
      nonce: 'n-rotate',
      workspaceId: workspace.id,
      userId: 'U1',
      network: 'x',
      codeVerifier: OLD.encrypt('verifier-0123456789', verifierAad('n-rotate')),
      expiresAt: new Date(Date.now() + 600_000),
    });
    await saveOauthClient(
      db,
      OLD,
      'mastodon',
      'https://m.example',
      { clientId: 'cid', clientSecret: 'client-secret-0123', redirectUri: 'https://g.example/oauth/callback/mastodon' },
      false,
    );
    const hook = await insertSubscription(db, OLD, {
      workspaceId: workspace.id,
      url: 'https://hooks.example/in',
      events: [],
      createdBy: 'U1',
      secret: 'whsec-0123456789',
    });

    const both = `old:${KEYS.old},next:${KEYS.next}`;
    const first = await runKeys(['rotate'], both, 'next');
    expect(first).toMatchObject({ code: 0 });
    expect(first.stdout).toBe('keys: 6 re-encrypted, 0 already under the primary key, 0 failed\n');
    expect(first.stderr).toContain('keys: social_accounts 3/3');
    expect(first.stderr).toContain('keys: oauth_states 1/1');
    expect(first.stderr).toContain('keys: webhook_subscriptions 1/1');
    const again = await runKeys(['rotate'], both, 'next');
    expect(again.stdout).toBe('keys: 0 re-encrypted, 6 already under the primary key, 0 failed\n');

    // The old key can go: everything decrypts with the new one alone.
    const NEXT = cipher(`next:${KEYS.next}`, 'next');
    const accounts = await db.selectFrom('social_accounts').selectAll().orderBy('external_account_id').execute();
    expect(accounts.map((a) => a.credentials.split('.')[1])).toEqual(['next', 'next', 'next']);
    expect(accounts.map((a) => decryptCredentials(NEXT, a).accessToken)).toEqual(tokens);
    const state = await db.selectFrom('oauth_states').selectAll().executeTakeFirstOrThrow();
    expect(NEXT.decrypt(state.code_verifier!, verifierAad('n-rotate'))).toBe('verifier-0123456789');
    expect((await findOauthClient(db, NEXT, 'mastodon', 'https://m.example'))?.clientSecret).toBe('client-secret-0123');
    const hookRow = await db.selectFrom('webhook_subscriptions').select('secret').where('id', '=', hook.id).executeTakeFirstOrThrow();
    expect(NEXT.decrypt(hookRow.secret, webhookSecretAad(hook.id))).toBe('whsec-0123456789');

    // A row under a key that is not configured is listed, left alone, and the exit code says so.
    const GONE = cipher(`gone:${KEYS.gone}`, 'gone');
    const lost = await connectAccount(db, GONE, {
      workspaceId: workspace.id,
      network: 'x',
      externalAccountId: 'lost',
      displayName: '@lost',
      connectedBy: 'U1',
      credentials: { accessToken: 'tok-lost-0123' },
    });
    const failed = await runKeys(['rotate'], both, 'next');
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain(`keys: social_accounts ${lost.id}: token envelope key id "gone" is not configured`);
    expect(failed.stdout).toBe('keys: 0 re-encrypted, 6 already under the primary key, 1 failed\n');
    expect((await db.selectFrom('social_accounts').select('credentials').where('id', '=', lost.id).executeTakeFirstOrThrow()).credentials).toBe(
      lost.credentials,
    );
    expect(failed.stdout + failed.stderr).not.toContain('tok-');
    expect(failed.stdout + failed.stderr).not.toContain('whsec-');
  });
});
