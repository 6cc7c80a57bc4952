import { webApi } from '@slack/bolt';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlackFileSource } from '../../src/chat/slack/slack-files.ts';
import { singleTokenClients } from '../../src/chat/slack/workspace-clients.ts';
import { MEDIA_CHUNK_BYTES } from '../../src/db/media-store.ts';
import { handleMediaIntakeJob } from '../../src/workflow/media-copy.ts';
import type { WorkflowDeps } from '../../src/workflow/deps.ts';
import { AUTHOR, draft, type Stack, startStack } from '../helpers/greenlight.ts';
import { engineDeps, findPost, waitUntil } from '../helpers/engine.ts';
import { pngOfSize } from '../helpers/images.ts';

/**
 * The media-intake job is a wake-up call: run twice, or again after a worker died mid-copy, it
 * stores each file once (no second row, no duplicate chunk, nothing orphaned) and the post's hash
 * comes out the same.
 */
let stack: Stack;
let deps: WorkflowDeps;
beforeAll(async () => {
  stack = await startStack();
  const client = new webApi.WebClient(stack.slack.botToken, { slackApiUrl: stack.slack.apiUrl });
  deps = {
    ...engineDeps(stack),
    chatFiles: { slack: createSlackFileSource(singleTokenClients(client), stack.app.db, { apiUrl: stack.slack.apiUrl, maxFileBytes: 10_000_000 }) },
  };
}, 60_000);
afterAll(() => stack?.stop());

const db = () => stack.testDb.db;

async function chunkCounts(postId: string) {
  return db()
    .selectFrom('media')
    .leftJoin('media_chunks', 'media_chunks.media_id', 'media.id')
    .select([
      'media.id',
      'media.bytes',
      sql<number>`count(media_chunks.seq)::int`.as('chunks'),
      sql<number>`coalesce(sum(length(media_chunks.data)), 0)::int`.as('stored'),
    ])
    .where('media.post_id', '=', postId)
    .groupBy('media.id')
    .orderBy('media.position')
    .execute();
}

describe('the media-intake job', () => {
  it('run again after it finished, or after a worker died mid-copy, stores each file once', async () => {
    // Larger than one chunk, so a copy cut short leaves chunks behind.
    const bytes = await pngOfSize(600_000, 11);
    const file = stack.slack.shareFile({ userId: AUTHOR, name: 'big.png', bytes, mimetype: 'image/png' });
    await draft(stack, { text: 'Copied once', accounts: [stack.accounts.mastodon], files: [file], alt: ['A big picture'] });
    const post = await db().selectFrom('posts').selectAll().where('text', '=', 'Copied once').executeTakeFirstOrThrow();
    await waitUntil(
      stack,
      'the file is stored',
      async () => (await db().selectFrom('media').select('state').where('post_id', '=', post.id).executeTakeFirst())?.state === 'ready',
    );
    // The hash with the file is taken once the last file is in.
    await waitUntil(stack, 'the post is hashed with its file', async () => (await findPost(stack, post.id)).content_hash !== post.content_hash);
    const expectedChunks = Math.ceil(bytes.length / MEDIA_CHUNK_BYTES);
    const first = await chunkCounts(post.id);
    expect(first).toEqual([{ id: first[0]!.id, bytes: bytes.length, chunks: expectedChunks, stored: bytes.length }]);
    const hash = (await findPost(stack, post.id)).content_hash;

    // A second run of a finished job: nothing changes.
    await handleMediaIntakeJob(deps, post.id, new AbortController().signal);
    expect(await chunkCounts(post.id)).toEqual(first);
    expect((await findPost(stack, post.id)).content_hash).toBe(hash);

    // A worker killed mid-copy: the row is still preparing with some chunks written and its link kept.
    await db().deleteFrom('media_chunks').where('media_id', '=', first[0]!.id).where('seq', '>', 0).execute();
    await db()
      .updateTable('media')
      .set({ state: 'preparing', ready_at: null, bytes: MEDIA_CHUNK_BYTES, source: JSON.stringify({ chat: 'slack', url: String(file.url_private_download) }) })
      .where('id', '=', first[0]!.id)
      .execute();
    await handleMediaIntakeJob(deps, post.id, new AbortController().signal);
    expect(await chunkCounts(post.id)).toEqual(first);
    const stored = await db().selectFrom('media').selectAll().where('post_id', '=', post.id).execute();
    expect(stored.map((m) => [m.state, m.source, m.alt])).toEqual([['ready', null, 'A big picture']]);
    expect((await findPost(stack, post.id)).content_hash).toBe(hash);
    // Nothing of any file outside its row.
    const orphans = await db()
      .selectFrom('media_chunks')
      .leftJoin('media', 'media.id', 'media_chunks.media_id')
      .select('media_chunks.media_id')
      .where('media.id', 'is', null)
      .execute();
    expect(orphans).toEqual([]);
  });

  it('a post canceled while its files are copied keeps nothing of them', async () => {
    const release = stack.slack.userFiles.hold();
    const file = stack.slack.shareFile({ userId: AUTHOR, name: 'late.png', bytes: await pngOfSize(2000, 12), mimetype: 'image/png' });
    await draft(stack, { text: 'Canceled early', accounts: [stack.accounts.mastodon], files: [file] });
    const post = await db().selectFrom('posts').selectAll().where('text', '=', 'Canceled early').executeTakeFirstOrThrow();
    await db().updateTable('posts').set({ state: 'canceled' }).where('id', '=', post.id).execute();
    release();
    await handleMediaIntakeJob(deps, post.id, new AbortController().signal);
    await waitUntil(
      stack,
      'the files are gone',
      async () => (await db().selectFrom('media').select('id').where('post_id', '=', post.id).execute()).length === 0,
    );
  });
});
