import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, draft } from '../helpers/greenlight.ts';
import { approve, engineDeps, waitForCard, waitForDelivery } from '../helpers/engine.ts';
import { refreshInstanceLimits } from '../../src/workflow/instance-limits.ts';
import { startMastodonEmulator, type MastodonEmulator } from '../../emulators/mastodon.ts';
import { browse, chatLink, formToken, oauthStack, submitForm } from './oauth-stack.ts';

/**
 * A Mastodon instance sets its own post length (`configuration.statuses.max_characters`): Greenlight reads
 * it when the account connects and holds the compose form, the card's count and the last check before
 * publishing to that number instead of Mastodon's default 500.
 */
let stack: Awaited<ReturnType<typeof oauthStack>>;
let small: MastodonEmulator;

beforeAll(async () => {
  [stack, small] = await Promise.all([oauthStack(), startMastodonEmulator({ maxCharacters: 500 })]);
  stack.mastodon.maxCharacters = 1000;
});
afterAll(async () => {
  await Promise.all([stack?.stop(), small?.stop()]);
});

/** Connects a new account on `instance` through the chat link, the form and the instance's OAuth; returns the account row. */
async function connectOn(instance: MastodonEmulator, username: string) {
  instance.consent = { accountId: instance.createAccount(username).accountId };
  const t = formToken((await browse(await chatLink(stack, ADMIN, 'mastodon'))).body);
  const page = await submitForm(`${stack.publicUrl}/connect/mastodon`, { t, instance: instance.url });
  expect(page.body).toContain(`Connected Mastodon as @${username}@`);
  return stack.testDb.db
    .selectFrom('social_accounts')
    .selectAll()
    .where('instance_url', '=', instance.url)
    .where('display_name', 'like', `@${username}@%`)
    .executeTakeFirstOrThrow();
}

const long = `${'Long form news from the desk. '.repeat(31).slice(0, 899)}!`;

describe('a Mastodon instance with its own character limit', () => {
  it('stores 1000 at connect and publishes a 900-character post there, counted against 1000 on the card', async () => {
    const account = await connectOn(stack.mastodon, 'longform');
    expect(account.max_characters).toBe(1000);
    expect(long).toHaveLength(900);

    const res = await draft(stack, { text: long, accounts: [account.id] });
    expect(res.body).toBeUndefined();
    const post = await stack.testDb.db.selectFrom('posts').select('id').where('text', '=', long).executeTakeFirstOrThrow();
    const card = await waitForCard(stack, post.id);
    expect(JSON.stringify(card.blocks)).toContain('900/1000');
    await approve(stack, post.id);
    await waitForDelivery(stack, post.id, 'mastodon', 'published');
    expect(stack.mastodon.posts.filter((p) => p.accountId === account.external_account_id).map((p) => p.text)).toEqual([long]);
  });

  it('refuses the same text in the compose form for an account on a 500-character instance', async () => {
    const account = await connectOn(small, 'shortform');
    expect(account.max_characters).toBe(500);
    const res = await draft(stack, { text: long, accounts: [account.id] });
    expect(res.body).toMatchObject({ response_action: 'errors', errors: { text: 'The text is 900/500 characters on Mastodon.' } });
    expect(small.posts).toEqual([]);
  });

  it('counts as the Mastodon server does in the compose form: a mention glued to a word is not shortened', async () => {
    const account = await stack.testDb.db.selectFrom('social_accounts').selectAll().where('display_name', 'like', '@shortform@%').executeTakeFirstOrThrow();
    // Mastodon's MENTION_RE does not match after a letter, so the whole `é@ana@mastodon.social` counts: 479 + 1 + 21.
    const text = `${'a'.repeat(479)} é@ana@mastodon.social`;
    const res = await draft(stack, { text, accounts: [account.id] });
    expect(res.body).toMatchObject({ response_action: 'errors', errors: { text: 'The text is 501/500 characters on Mastodon.' } });
  });

  it('checks again before publishing, against the limit stored with the account then', async () => {
    const account = await stack.testDb.db.selectFrom('social_accounts').selectAll().where('display_name', 'like', '@longform@%').executeTakeFirstOrThrow();
    const text = `${long.slice(0, -1)}?`;
    expect((await draft(stack, { text, accounts: [account.id] })).body).toBeUndefined();
    // The instance lowered its limit and the account was reconnected meanwhile.
    await stack.testDb.db.updateTable('social_accounts').set({ max_characters: 800 }).where('id', '=', account.id).execute();
    const post = await stack.testDb.db.selectFrom('posts').select('id').where('text', '=', text).executeTakeFirstOrThrow();
    await approve(stack, post.id);
    const failed = await waitForDelivery(stack, post.id, 'mastodon', 'failed');
    expect(failed.last_error).toMatchObject({ class: 'permanent', message: 'The text is 900/800 characters on Mastodon.' });
  });

  it('the daily job reads each instance again: a limit raised since the connect is stored for its accounts, one read per instance', async () => {
    small.maxCharacters = 1200;
    const reads = () => small.requests.filter((r) => r.path === '/api/v2/instance').length;
    const before = reads();
    const summary = await refreshInstanceLimits(engineDeps(stack), new AbortController().signal);
    // Two accounts change: @shortform (500 → 1200) and @longform, whose 800 (set by the test above) is
    // back to its instance's 1000.
    expect(summary).toMatchObject({ changed: 2, failed: 0 });
    expect(reads() - before).toBe(1);
    const account = await stack.testDb.db.selectFrom('social_accounts').selectAll().where('display_name', 'like', '@shortform@%').executeTakeFirstOrThrow();
    expect(account.max_characters).toBe(1200);
    const longform = await stack.testDb.db
      .selectFrom('social_accounts')
      .select('max_characters')
      .where('display_name', 'like', '@longform@%')
      .executeTakeFirstOrThrow();
    expect(longform.max_characters).toBe(1000);
    expect((await draft(stack, { text: long, accounts: [account.id] })).body).toBeUndefined();
    // Nothing changed since: nothing is written.
    expect(await refreshInstanceLimits(engineDeps(stack), new AbortController().signal)).toMatchObject({ changed: 0 });
  });
});
