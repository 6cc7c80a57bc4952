import { findDeliveryRows } from '../../src/db/delivery-context.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAccount } from '../../src/db/accounts.ts';
import { filesToPublish } from '../../src/workflow/post-files.ts';
import { ADMIN, AUTHOR, CHANNEL, draft, MANAGER, opens, type Stack, startStack } from '../helpers/greenlight.ts';
import { approve, cardOf, findPost, waitForCard, waitForDelivery, waitForPost, waitForReply, waitUntil } from '../helpers/engine.ts';
import { pngOf } from '../helpers/images.ts';

/**
 * Issue 14, the intake through Slack: images dropped into /post are copied into Greenlight's store
 * after the answer (read with the bot token), shown on the card with their alt text, covered by the
 * approval, and every refusal is said where the author is.
 */
let stack: Stack;
let bluesky: string;
beforeAll(async () => {
  // The card's images are signed links (src/crypto/card-image-url.ts): they need a state secret.
  stack = await startStack({ env: () => ({ STATE_SECRET: 'card-images-test-secret-0123456789abcdef' }) });
  const account = await connectAccount(stack.app.db, stack.app.cipher, {
    workspaceId: stack.workspaceId,
    network: 'bluesky',
    externalAccountId: 'did:plc:greenlightdesk',
    displayName: '@desk.test',
    instanceUrl: 'https://pds.example',
    connectedBy: ADMIN,
    credentials: { accessToken: 'unused', refreshToken: 'unused' },
  });
  bluesky = account.id;
}, 60_000);
afterAll(() => stack?.stop());

const share = async (name: string, width: number, height: number, seed: number) =>
  stack.slack.shareFile({ userId: AUTHOR, name, bytes: await pngOf(width, height, seed), mimetype: 'image/png', width, height });

async function postByText(text: string) {
  return stack.testDb.db.selectFrom('posts').selectAll().where('text', '=', text).orderBy('created_at', 'desc').executeTakeFirstOrThrow();
}

function mediaOf(postId: string) {
  return stack.testDb.db.selectFrom('media').selectAll().where('post_id', '=', postId).orderBy('position').execute();
}

type Block = { type: string; image_url?: string; alt_text?: string; elements?: { text?: string }[] };
const blocksOf = (card: { blocks?: unknown[] } | undefined) => (card?.blocks ?? []) as Block[];
const images = (card: { blocks?: unknown[] } | undefined) => blocksOf(card).filter((b) => b.type === 'image');

describe('images attached in Slack', () => {
  it('two PNGs with alt text: the form answers at once, the card says "preparing media", then shows both; approve works and the text publishes', async () => {
    const release = stack.slack.userFiles.hold();
    const a = await share('team.png', 120, 90, 1);
    const b = await share('office.png', 80, 80, 2);
    const res = await draft(stack, { text: 'Meet the team', accounts: [stack.accounts.mastodon], files: [a, b], alt: ['Five people at a desk', ''] });
    expect(res.status).toBe(200);
    expect(res.body).toBeUndefined();
    const post = await postByText('Meet the team');
    // Written with the post, before any byte was read from Slack.
    expect((await mediaOf(post.id)).map((m) => [m.filename, m.state, m.alt])).toEqual([
      ['team.png', 'preparing', 'Five people at a desk'],
      ['office.png', 'preparing', null],
    ]);
    const preparing = await waitForCard(stack, post.id, (c) => JSON.stringify(c.blocks).includes('preparing media'));
    expect(images(preparing)).toEqual([]);

    // Approval waits for the images.
    await stack.slack.clickButton({ userId: MANAGER, actionId: 'approve', channelId: 'C0APPROVALS', messageTs: preparing.ts, value: buttonOf(preparing) });
    await waitUntil(stack, 'the approver is told', async () => stack.slack.ephemerals(MANAGER).find((e) => e.text.includes('Media still preparing')));
    expect((await findPost(stack, post.id)).state).toBe('in_review');

    release();
    const shown = await waitForCard(stack, post.id, (c) => images(c).length === 2);
    const [first, second] = images(shown);
    expect(first!.alt_text).toBe('Five people at a desk');
    expect(second!.alt_text).toBe('office.png (no alt text)');
    expect(JSON.stringify(shown.blocks)).toContain('no alt text');
    // Read from Slack with the bot token only.
    expect(stack.slack.userFiles.downloads.filter((d) => d.fileId === a.id || d.fileId === b.id)).toEqual([
      { fileId: a.id, status: 200, authorized: true },
      { fileId: b.id, status: 200, authorized: true },
    ]);
    // The card's image is Greenlight's own copy, behind a signed link.
    // PUBLIC_URL is not the test server's address (port 0): the same path on the server.
    const local = (url: string) => `${stack.app.url}${new URL(url).pathname}${new URL(url).search}`;
    const served = await fetch(local(first!.image_url!));
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await served.arrayBuffer()).equals(stack.slack.userFiles.get(String(a.id))!.bytes)).toBe(true);
    expect((await fetch(local(first!.image_url!).replace(/sig=[^&]+/, `sig=${'A'.repeat(43)}`))).status).toBe(403);

    const stored = await mediaOf(post.id);
    expect(stored.map((m) => [m.state, m.content_type, m.width, m.height, m.source])).toEqual([
      ['ready', 'image/png', 120, 90, null],
      ['ready', 'image/png', 80, 80, null],
    ]);
    const hashed = await findPost(stack, post.id);
    expect(hashed.content_hash).not.toBe(post.content_hash);

    await approve(stack, post.id);
    await waitForDelivery(stack, post.id, 'mastodon', 'published');
  });

  it('an edit that swaps an image voids the approval and waits for the new copy', async () => {
    const a = await share('before.png', 60, 60, 3);
    await draft(stack, { text: 'Swap me', accounts: [stack.accounts.mastodon], files: [a], alt: ['Old picture'], when: 'tomorrow 9am' });
    const post = await postByText('Swap me');
    await waitForCard(stack, post.id, (c) => images(c).length === 1);
    await approve(stack, post.id);
    await waitForPost(stack, post.id, 'scheduled');
    const approvedHash = (await findPost(stack, post.id)).content_hash;

    const card = (await cardOf(stack, post.id))!;
    const edit = await opens(stack, AUTHOR, () =>
      stack.slack.clickButton({ userId: AUTHOR, actionId: 'edit', channelId: 'C0APPROVALS', messageTs: card.ts, value: post.id }),
    );
    expect(JSON.stringify(edit.blocks)).toContain('Attached: before.png');
    const b = await share('after.png', 64, 48, 4);
    const values = {
      text: { value: { type: 'plain_text_input' as const, value: 'Swap me' } },
      targets: { value: { type: 'checkboxes' as const, selected_options: [{ value: stack.accounts.mastodon }] } },
      when: { value: { type: 'plain_text_input' as const, value: 'tomorrow 9am' } },
      zone: { value: { type: 'plain_text_input' as const, value: 'Europe/Berlin' } },
      files: { value: { type: 'file_input' as const, files: [b] } },
      alt: { value: { type: 'plain_text_input' as const, value: 'New picture' } },
    };
    const res = await stack.slack.submitView({ userId: AUTHOR, viewId: edit.id, values });
    expect(res.body).toBeUndefined();
    const edited = await findPost(stack, post.id);
    expect(edited.state).toBe('in_review');
    const decisions = await stack.testDb.db.selectFrom('decisions').selectAll().where('post_id', '=', post.id).execute();
    expect(decisions.every((d) => d.voided_at !== null)).toBe(true);
    const shown = await waitForCard(stack, post.id, (c) => images(c).length === 1 && images(c)[0]!.alt_text === 'New picture');
    expect(JSON.stringify(shown.blocks)).toContain('after.png');
    expect((await mediaOf(post.id)).map((m) => m.filename)).toEqual(['after.png']);
    expect((await findPost(stack, post.id)).content_hash).not.toBe(approvedHash);
  });

  it('Edit keeps the files when none are picked, and an alt text edit alone changes the hash', async () => {
    const a = await share('keep.png', 50, 50, 5);
    await draft(stack, { text: 'Keep me', accounts: [stack.accounts.mastodon], files: [a], alt: ['First words'], when: 'tomorrow 9am' });
    const post = await postByText('Keep me');
    await waitForCard(stack, post.id, (c) => images(c).length === 1);
    const before = await findPost(stack, post.id);
    const card = (await cardOf(stack, post.id))!;
    const edit = await opens(stack, AUTHOR, () =>
      stack.slack.clickButton({ userId: AUTHOR, actionId: 'edit', channelId: 'C0APPROVALS', messageTs: card.ts, value: post.id }),
    );
    const res = await stack.slack.submitView({
      userId: AUTHOR,
      viewId: edit.id,
      values: {
        text: { value: { type: 'plain_text_input', value: 'Keep me' } },
        targets: { value: { type: 'checkboxes', selected_options: [{ value: stack.accounts.mastodon }] } },
        when: { value: { type: 'plain_text_input', value: 'tomorrow 9am' } },
        zone: { value: { type: 'plain_text_input', value: 'Europe/Berlin' } },
        alt: { value: { type: 'plain_text_input', value: 'Better words' } },
      },
    });
    expect(res.body).toBeUndefined();
    const files = await mediaOf(post.id);
    expect(files.map((m) => [m.id, m.alt, m.state])).toEqual([[(await mediaOf(post.id))[0]!.id, 'Better words', 'ready']]);
    expect(files[0]!.sha256).toBeTruthy();
    const after = await findPost(stack, post.id);
    expect(after.content_hash).not.toBe(before.content_hash);
    await waitForCard(stack, post.id, (c) => images(c)[0]?.alt_text === 'Better words');
  });

  it('Edit with "Remove the attached files" drops every file and voids the approval like any media change', async () => {
    const a = await share('drop-a.png', 40, 40, 14);
    const b = await share('drop-b.png', 30, 30, 15);
    await draft(stack, { text: 'Drop them all', accounts: [stack.accounts.mastodon], files: [a, b], alt: ['One', 'Two'], when: 'tomorrow 9am' });
    const post = await postByText('Drop them all');
    await waitForCard(stack, post.id, (c) => images(c).length === 2);
    await approve(stack, post.id);
    await waitForPost(stack, post.id, 'scheduled');
    const approvedHash = (await findPost(stack, post.id)).content_hash;
    const card = (await cardOf(stack, post.id))!;
    const edit = await opens(stack, AUTHOR, () =>
      stack.slack.clickButton({ userId: AUTHOR, actionId: 'edit', channelId: 'C0APPROVALS', messageTs: card.ts, value: post.id }),
    );
    expect(JSON.stringify(edit.blocks)).toContain('Remove the attached files');
    const res = await stack.slack.submitView({
      userId: AUTHOR,
      viewId: edit.id,
      values: {
        text: { value: { type: 'plain_text_input', value: 'Drop them all' } },
        targets: { value: { type: 'checkboxes', selected_options: [{ value: stack.accounts.mastodon }] } },
        when: { value: { type: 'plain_text_input', value: 'tomorrow 9am' } },
        zone: { value: { type: 'plain_text_input', value: 'Europe/Berlin' } },
        remove_files: { value: { type: 'checkboxes', selected_options: [{ value: 'remove' }] } },
      },
    });
    expect(res.body).toBeUndefined();
    expect(await mediaOf(post.id)).toEqual([]);
    const edited = await findPost(stack, post.id);
    expect(edited.state).toBe('in_review');
    expect(edited.content_hash).not.toBe(approvedHash);
    const decisions = await stack.testDb.db.selectFrom('decisions').selectAll().where('post_id', '=', post.id).execute();
    expect(decisions.every((d) => d.voided_at !== null)).toBe(true);
    await waitForCard(stack, post.id, (c) => images(c).length === 0 && !JSON.stringify(c.blocks).includes('drop-a.png'));
  });

  it('a file too large for Bluesky is a field error naming Bluesky and the file; nothing is stored', async () => {
    const big = stack.slack.shareFile({ userId: AUTHOR, name: 'poster.png', bytes: Buffer.alloc(2_400_000, 1), mimetype: 'image/png' });
    const res = await draft(stack, { text: 'Too big for Bluesky', accounts: [bluesky, stack.accounts.mastodon], files: [big], alt: ['A poster'] });
    expect(res.body).toEqual({ response_action: 'errors', errors: { files: 'Bluesky takes images up to 2 MB; poster.png is 2.4 MB.' } });
    expect(await stack.testDb.db.selectFrom('posts').select('id').where('text', '=', 'Too big for Bluesky').execute()).toEqual([]);
  });

  it('a Slack file gone before the copy: the author is told, naming the file, the post is back with them, nothing half-stored', async () => {
    const gone = await share('deleted.png', 40, 40, 6);
    stack.slack.userFiles.delete(String(gone.id));
    const res = await draft(stack, { text: 'Lost image', accounts: [stack.accounts.mastodon], files: [gone] });
    expect(res.body).toBeUndefined();
    const post = await postByText('Lost image');
    await waitForPost(stack, post.id, 'changes_requested');
    expect(await mediaOf(post.id)).toEqual([]);
    const chunks = await stack.testDb.db
      .selectFrom('media_chunks')
      .leftJoin('media', 'media.id', 'media_chunks.media_id')
      .select('media_chunks.media_id')
      .where('media.id', 'is', null)
      .execute();
    expect(chunks).toEqual([]);
    const told = await waitUntil(stack, 'the author is told', async () =>
      stack.slack.ephemerals(AUTHOR).find((e) => e.channel === CHANNEL && e.text.includes('deleted.png')),
    );
    expect(told.text).toContain('deleted.png is no longer in Slack');
    await waitForReply(stack, post.id, 'the refusal in the thread', (t) => t.includes('deleted.png is no longer in Slack') && t.includes('press Edit'));
    expect((await findPost(stack, post.id)).text).toBe('Lost image');
  });

  it('the real pixels decide: an image too wide for Instagram, whose size Slack did not say, sends the post back naming Instagram and the file', async () => {
    const instagram = await connectAccount(stack.app.db, stack.app.cipher, {
      workspaceId: stack.workspaceId,
      network: 'instagram',
      externalAccountId: '17841400000000001',
      displayName: '@desk',
      connectedBy: ADMIN,
      credentials: { accessToken: 'unused' },
    });
    const wide = stack.slack.shareFile({ userId: AUTHOR, name: 'banner.png', bytes: await pngOf(300, 100, 13), mimetype: 'image/png' });
    const res = await draft(stack, { text: 'A wide banner', accounts: [instagram.id], files: [wide], alt: ['Our banner'] });
    expect(res.body).toBeUndefined();
    const post = await postByText('A wide banner');
    await waitForPost(stack, post.id, 'changes_requested');
    expect(await mediaOf(post.id)).toEqual([]);
    await waitForReply(stack, post.id, 'the refusal', (t) =>
      t.includes('Instagram takes images from 4:5 (portrait) to 1.91:1 (landscape); banner.png is 300 × 100 pixels (3:1)'),
    );
  });

  it('the file link refuses a request without the bot token (Slack sends its sign-in page)', async () => {
    const file = await share('private.png', 20, 20, 7);
    const anonymous = await fetch(String(file.url_private_download), { redirect: 'manual' });
    expect(anonymous.status).toBe(302);
    const followed = await fetch(String(file.url_private_download));
    expect(followed.headers.get('content-type')).toContain('text/html');
  });

  it('"Draft a post" on a message opens the form with its text and files, and the post takes them', async () => {
    const pic = await share('shared.png', 30, 30, 8);
    const message = stack.slack.postUserMessage({ userId: AUTHOR, channelId: CHANNEL, text: 'Our new office is open!', files: [pic] });
    const view = await opens(stack, AUTHOR, () =>
      stack.slack.messageShortcut({ userId: AUTHOR, callbackId: 'draft_from_message', channelId: CHANNEL, messageTs: message.ts }),
    );
    expect(JSON.stringify(view.blocks)).toContain('Our new office is open!');
    expect(JSON.stringify(view.blocks)).toContain('Attached: shared.png');
    const res = await stack.slack.submitView({
      userId: AUTHOR,
      viewId: view.id,
      values: {
        text: { value: { type: 'plain_text_input', value: 'Our new office is open!' } },
        targets: { value: { type: 'checkboxes', selected_options: [{ value: stack.accounts.mastodon }] } },
        alt: { value: { type: 'plain_text_input', value: 'The new office' } },
      },
    });
    expect(res.body).toBeUndefined();
    const post = await postByText('Our new office is open!');
    const card = await waitForCard(stack, post.id, (c) => images(c).length === 1);
    expect(images(card)[0]!.alt_text).toBe('The new office');
  });
});

describe('images and the workspace settings', () => {
  it('alt_text=required (set with /greenlight settings) refuses an image without alt text, in the form', async () => {
    await stack.slack.slashCommand({ command: '/greenlight', text: 'settings alt_text=required', userId: ADMIN, channelId: CHANNEL });
    await waitUntil(
      stack,
      'the setting is stored',
      async () =>
        (await stack.testDb.db.selectFrom('workspaces').select('require_alt_text').where('id', '=', stack.workspaceId).executeTakeFirstOrThrow())
          .require_alt_text,
    );
    const file = await share('bare.png', 20, 20, 9);
    const res = await draft(stack, { text: 'No alt text here', accounts: [stack.accounts.mastodon], files: [file] });
    expect(res.body).toEqual({ response_action: 'errors', errors: { files: 'Add alt text for bare.png: this workspace asks for it on every image.' } });
    const ok = await draft(stack, { text: 'With alt text', accounts: [stack.accounts.mastodon], files: [file], alt: ['A square'] });
    expect(ok.body).toBeUndefined();
    await stack.slack.slashCommand({ command: '/greenlight', text: 'settings alt_text=optional', userId: ADMIN, channelId: CHANNEL });
    await waitUntil(
      stack,
      'the setting is back',
      async () =>
        !(await stack.testDb.db.selectFrom('workspaces').select('require_alt_text').where('id', '=', stack.workspaceId).executeTakeFirstOrThrow())
          .require_alt_text,
    );
  });

  it('with no approvals required, a post with images is approved once they are stored, not before', async () => {
    await stack.testDb.db.updateTable('workspaces').set({ approvals_required: 0 }).where('id', '=', stack.workspaceId).execute();
    try {
      const release = stack.slack.userFiles.hold();
      const file = await share('auto.png', 30, 20, 10);
      await draft(stack, { text: 'No review needed', accounts: [stack.accounts.mastodon], files: [file], when: 'tomorrow 9am' });
      const post = await postByText('No review needed');
      expect(post.state).toBe('in_review');
      release();
      const scheduled = await waitForPost(stack, post.id, 'scheduled');
      expect(scheduled.content_hash).not.toBe(post.content_hash);
    } finally {
      await stack.testDb.db.updateTable('workspaces').set({ approvals_required: 1 }).where('id', '=', stack.workspaceId).execute();
    }
  });

  it("a series shares its first post's images: one approval, once they are stored, schedules every occurrence", async () => {
    const file = await share('weekly.png', 40, 30, 11);
    await draft(stack, {
      text: 'Weekly picture',
      accounts: [stack.accounts.mastodon],
      files: [file],
      alt: ['This week'],
      when: 'tomorrow 9am, every week 3 times',
    });
    const head = await stack.testDb.db.selectFrom('posts').selectAll().where('text', '=', 'Weekly picture').orderBy('publish_at').executeTakeFirstOrThrow();
    await waitForCard(stack, head.id, (c) => images(c).length === 1);
    await approve(stack, head.id);
    await waitUntil(stack, 'every occurrence scheduled', async () => {
      const posts = await stack.testDb.db.selectFrom('posts').select('state').where('text', '=', 'Weekly picture').execute();
      return posts.length === 3 && posts.every((p) => p.state === 'scheduled');
    });
    // One copy in the store for the series: a later occurrence publishes the first post's file.
    const last = await stack.testDb.db
      .selectFrom('posts')
      .select('id')
      .where('text', '=', 'Weekly picture')
      .orderBy('publish_at', 'desc')
      .executeTakeFirstOrThrow();
    expect((await filesToPublish(stack.app.db, last.id)).map((f) => [f.filename, f.alt, f.post_id])).toEqual([['weekly.png', 'This week', head.id]]);
    // And the publish attempt reads that file: the delivery context of the last occurrence carries it.
    const delivery = await stack.testDb.db.selectFrom('deliveries').select('id').where('post_id', '=', last.id).executeTakeFirstOrThrow();
    const [context] = await findDeliveryRows(stack.app.db, [delivery.id]);
    expect(context!.files.map((f) => [f.filename, f.alt, f.post_id])).toEqual([['weekly.png', 'This week', head.id]]);
  });
});

function buttonOf(card: { blocks?: unknown[] }): string {
  for (const block of (card.blocks ?? []) as { elements?: { action_id?: string; value?: string }[] }[]) {
    const button = block.elements?.find((e) => e.action_id === 'approve');
    if (button?.value) return button.value;
  }
  throw new Error('no approve button');
}
