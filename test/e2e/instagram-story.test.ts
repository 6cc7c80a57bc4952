import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InstagramEmulator, startInstagramEmulator } from '../../emulators/instagram.ts';
import { connectAccount } from '../../src/db/accounts.ts';
import { createInstagramAdapter } from '../../src/networks/instagram.ts';
import { approve, cardOf, findPost, waitForCard, waitForDelivery, waitForPost, waitForReply } from '../helpers/engine.ts';
import { ADMIN, AUTHOR, draft, opens, type Stack, startStack } from '../helpers/greenlight.ts';
import { pngOf } from '../helpers/images.ts';
import { makeVideo } from '../helpers/videos.ts';

/**
 * Issue 15, Instagram Reel or Story chosen per post in the Slack form: the choice is stored with the
 * post, covered by the approval, said on the card, checked against that kind's own rules, and the
 * Instagram adapter makes a STORIES container (or a REELS one) pulling the signed link.
 */
let stack: Stack;
let ig: InstagramEmulator;
let instagram: string;
const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

beforeAll(async () => {
  ig = await startInstagramEmulator();
  const wait = { firstMs: 20, maxMs: 100, budgetMs: 10_000 };
  stack = await startStack({
    env: () => ({ STATE_SECRET: 'instagram-story-test-secret-0123456789ab' }),
    adapters: { instagram: createInstagramAdapter({ baseUrl: ig.url, timeoutMs: 5_000, pollMs: 10, videoWait: wait }) },
  });
  const token = ig.issueToken();
  instagram = (
    await connectAccount(stack.app.db, stack.app.cipher, {
      workspaceId: stack.workspaceId,
      network: 'instagram',
      externalAccountId: token.userId,
      displayName: '@desk',
      connectedBy: ADMIN,
      credentials: { accessToken: token.accessToken },
    })
  ).id;
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  await ig?.stop();
});

const postByText = (text: string) =>
  stack.testDb.db.selectFrom('posts').selectAll().where('text', '=', text).orderBy('created_at', 'desc').executeTakeFirstOrThrow();
const cardText = (c: { blocks?: unknown[] } | undefined) => JSON.stringify(c?.blocks ?? []);
const story = { instagram: { value: { type: 'radio_buttons' as const, selected_option: { value: 'stories' } } } };

async function shareClip(name: string, seconds = 4) {
  const clip = await makeVideo({ width: 360, height: 640, seconds });
  return { clip, file: stack.slack.shareFile({ userId: AUTHOR, name, bytes: clip, mimetype: 'video/mp4' }) };
}

describe('Instagram Reel or Story, chosen in the Slack form', () => {
  it('the form offers the choice; a Story is stored, shown on the card, approved and published as media_type=STORIES', async () => {
    const { clip, file } = await shareClip('story.mp4');
    const view = await opens(stack, AUTHOR, () => stack.slack.slashCommand({ command: '/post', text: '', userId: AUTHOR, channelId: 'C0MARKETING' }));
    expect(cardText(view)).toContain('Instagram video as');
    const res = await stack.slack.submitView({
      userId: AUTHOR,
      viewId: view.id,
      values: {
        text: { value: { type: 'plain_text_input', value: 'Behind the scenes, today only' } },
        targets: { value: { type: 'checkboxes', selected_options: [{ value: instagram }] } },
        when: { value: { type: 'plain_text_input', value: 'now' } },
        files: { value: { type: 'file_input', files: [file] } },
        ...story,
      },
    });
    expect(res.body).toBeUndefined();
    const post = await postByText('Behind the scenes, today only');
    expect(post.instagram_kind).toBe('stories');
    const shown = await waitForCard(stack, post.id, (c) => cardText(c).includes('Instagram: Story') && cardText(c).includes('▶ video 4 s'));
    expect(cardText(shown)).not.toContain('Instagram: Reel');
    await approve(stack, post.id);
    await waitForDelivery(stack, post.id, 'instagram', 'published', 60_000);
    const stories = ig.containers.filter((c) => c.mediaType === 'STORIES');
    expect(stories.map((c) => c.video?.sha256)).toEqual([sha(clip)]);
    expect(ig.containers.filter((c) => c.mediaType === 'REELS')).toEqual([]);
  }, 90_000);

  it('Reel is the default, and switching an approved Reel to a Story in Edit voids the approval', async () => {
    const { file } = await shareClip('reel.mp4');
    const res = await draft(stack, { text: 'A reel first', accounts: [instagram], files: [file], when: 'tomorrow 9am' });
    expect(res.body).toBeUndefined();
    const post = await postByText('A reel first');
    expect(post.instagram_kind).toBe('reels');
    await waitForCard(stack, post.id, (c) => cardText(c).includes('Instagram: Reel') && cardText(c).includes('▶ video 4 s'));
    await approve(stack, post.id);
    await waitForPost(stack, post.id, 'scheduled');
    const approvedHash = (await findPost(stack, post.id)).content_hash;

    const card = (await cardOf(stack, post.id))!;
    const edit = await opens(stack, AUTHOR, () =>
      stack.slack.clickButton({ userId: AUTHOR, actionId: 'edit', channelId: 'C0APPROVALS', messageTs: card.ts, value: post.id }),
    );
    const radio = (edit.blocks as { block_id?: string; element?: { initial_option?: { value: string } } }[]).find((b) => b.block_id === 'instagram');
    expect(radio?.element?.initial_option?.value).toBe('reels');
    const saved = await stack.slack.submitView({
      userId: AUTHOR,
      viewId: edit.id,
      values: {
        text: { value: { type: 'plain_text_input', value: 'A reel first' } },
        targets: { value: { type: 'checkboxes', selected_options: [{ value: instagram }] } },
        when: { value: { type: 'plain_text_input', value: 'tomorrow 9am' } },
        zone: { value: { type: 'plain_text_input', value: 'Europe/Berlin' } },
        ...story,
      },
    });
    expect(saved.body).toBeUndefined();
    const edited = await findPost(stack, post.id);
    expect(edited.state).toBe('in_review');
    expect(edited.instagram_kind).toBe('stories');
    expect(edited.content_hash).not.toBe(approvedHash);
    const decisions = await stack.testDb.db.selectFrom('decisions').select('voided_at').where('post_id', '=', post.id).execute();
    expect(decisions.every((d) => d.voided_at !== null)).toBe(true);
    await waitForCard(stack, post.id, (c) => cardText(c).includes('Instagram: Story'));
  }, 90_000);

  it('a Story is checked with the Stories rules: a 70 s video goes back to the author naming Instagram Stories; as a Reel it passes', async () => {
    const { file } = await shareClip('long.mp4', 70);
    await draft(stack, { text: 'Too long for a story', accounts: [instagram], files: [file], when: 'tomorrow 9am' });
    const reel = await postByText('Too long for a story');
    await waitForCard(stack, reel.id, (c) => cardText(c).includes('Instagram: Reel') && cardText(c).includes('1 min 10 s'));

    const view = await opens(stack, AUTHOR, () => stack.slack.slashCommand({ command: '/post', text: '', userId: AUTHOR, channelId: 'C0MARKETING' }));
    await stack.slack.submitView({
      userId: AUTHOR,
      viewId: view.id,
      values: {
        text: { value: { type: 'plain_text_input', value: 'Too long, as a story' } },
        targets: { value: { type: 'checkboxes', selected_options: [{ value: instagram }] } },
        when: { value: { type: 'plain_text_input', value: 'tomorrow 9am' } },
        files: { value: { type: 'file_input', files: [file] } },
        ...story,
      },
    });
    const post = await postByText('Too long, as a story');
    await waitForPost(stack, post.id, 'changes_requested');
    await waitForReply(stack, post.id, 'the Stories rule', (t) => t.includes('Instagram Stories need videos of 3 s to 1 min; long.mp4 is 1 min 10 s.'));
  }, 120_000);

  it('a video written index-last (no faststart) is remuxed at intake, and Instagram fetches the faststart copy', async () => {
    const clip = await makeVideo({ width: 360, height: 640, seconds: 4, faststart: false });
    const file = stack.slack.shareFile({ userId: AUTHOR, name: 'camera.mp4', bytes: clip, mimetype: 'video/mp4' });
    await draft(stack, { text: 'Straight from the camera', accounts: [instagram], files: [file] });
    const post = await postByText('Straight from the camera');
    await waitForCard(stack, post.id, (c) => cardText(c).includes('▶ video 4 s'));
    const rows = await stack.testDb.db.selectFrom('media').selectAll().where('post_id', '=', post.id).execute();
    const original = rows.find((m) => m.variant_of === null)!;
    const copy = rows.find((m) => m.variant_of === original.id && m.content_type === 'video/mp4')!;
    expect([original.sha256, original.video?.moovFirst, copy.video?.moovFirst]).toEqual([sha(clip), false, true]);
    await approve(stack, post.id);
    await waitForDelivery(stack, post.id, 'instagram', 'published', 60_000);
    const reel = ig.containers.filter((c) => c.mediaType === 'REELS' && c.caption === 'Straight from the camera');
    expect(reel.map((c) => c.video?.sha256)).toEqual([copy.sha256]);
    expect(reel[0]!.video?.url).toContain(`/media/${copy.id}?`);
  }, 90_000);

  it('a Story without a video is a field error on the choice; nothing is stored', async () => {
    const png = stack.slack.shareFile({ userId: AUTHOR, name: 'still.png', bytes: await pngOf(80, 100, 1), mimetype: 'image/png', width: 80, height: 100 });
    const view = await opens(stack, AUTHOR, () => stack.slack.slashCommand({ command: '/post', text: '', userId: AUTHOR, channelId: 'C0MARKETING' }));
    const res = await stack.slack.submitView({
      userId: AUTHOR,
      viewId: view.id,
      values: {
        text: { value: { type: 'plain_text_input', value: 'A still story' } },
        targets: { value: { type: 'checkboxes', selected_options: [{ value: instagram }] } },
        files: { value: { type: 'file_input', files: [png] } },
        ...story,
      },
    });
    expect(res.body).toEqual({
      response_action: 'errors',
      errors: {
        instagram: 'Instagram Stories from Greenlight are one video; this post has images only. Attach a video, or choose Reel / feed post for Instagram.',
      },
    });
    expect(await stack.testDb.db.selectFrom('posts').select('id').where('text', '=', 'A still story').execute()).toEqual([]);
  });
});
