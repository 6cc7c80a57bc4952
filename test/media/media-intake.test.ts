import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findMedia, listPostMedia, readMedia } from '../../src/db/media-store.ts';
import { findOrCreateWorkspace } from '../../src/db/workspaces.ts';
import { checkImagesFor } from '../../src/domain/media-rules.ts';
import { faststartFor, jpegFor, mediaFileOf, posterOf, storeFile, storeImage } from '../../src/workflow/media-intake.ts';
import { createTestDatabase, insertBarePost, type TestDatabase } from '../helpers/db.ts';
import { animatedGif, inPieces, jpegOf, pngOf } from '../helpers/images.ts';
import { makeVideo } from '../helpers/videos.ts';

let testDb: TestDatabase;
beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(async () => {
  await testDb.drop();
});

const deps = () => ({ db: testDb.db, media: { quotaBytes: 1e9, maxFileBytes: 20e6 } });

async function setup() {
  const ws = await findOrCreateWorkspace(testDb.db, 'slack', `T${Math.random().toString(36).slice(2)}`);
  const post = await insertBarePost(testDb.db, ws.id, 'scheduled');
  return { ws, post };
}

async function collect(source: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of source) parts.push(part);
  return Buffer.concat(parts);
}

describe('storeImage', () => {
  it("stores and probes an image, and says a refusal in the author's words", async () => {
    const { ws } = await setup();
    const ok = await storeImage(deps(), { workspaceId: ws.id, filename: 'team.jpg', alt: 'The team' }, inPieces(await jpegOf(800, 600)));
    expect(ok).toMatchObject({ ok: true, media: { content_type: 'image/jpeg', width: 800, height: 600 } });
    expect(
      await storeImage(
        { ...deps(), media: { quotaBytes: 1e9, maxFileBytes: 1000 } },
        { workspaceId: ws.id, filename: 'team.jpg' },
        inPieces(await jpegOf(800, 600)),
      ),
    ).toEqual({ ok: false, message: 'team.jpg is larger than 0.1 MB, the most Greenlight takes for one file.' });
    expect(await storeImage(deps(), { workspaceId: ws.id, filename: 'notes.txt' }, inPieces(Buffer.from('hello there')))).toEqual({
      ok: false,
      message: 'notes.txt is not an image or a video Greenlight can take (JPEG, PNG, GIF or WebP images; MP4, MOV or WebM videos).',
    });
  });
});

describe('jpegFor (Instagram takes only JPEG)', () => {
  it("converts a PNG once, stores the copy beside it for the same post, and the copy passes Instagram's rules", async () => {
    const { ws, post } = await setup();
    const png = await pngOf(1080, 1080, 9);
    const stored = await storeImage(deps(), { workspaceId: ws.id, filename: 'team-photo.png', alt: 'The team', postId: post.id, position: 0 }, inPieces(png));
    if (!stored.ok) throw new Error(stored.message);
    expect(checkImagesFor('instagram', [mediaFileOf(stored.media)]).convertToJpeg).toEqual(['team-photo.png']);

    const converted = await jpegFor(deps(), stored.media);
    if (!converted.ok) throw new Error(converted.message);
    expect(converted.media).toMatchObject({
      filename: 'team-photo.jpg',
      content_type: 'image/jpeg',
      width: 1080,
      height: 1080,
      alt: 'The team',
      post_id: post.id,
      variant_of: stored.media.id,
    });
    expect(checkImagesFor('instagram', [mediaFileOf(converted.media)])).toEqual({ problems: [], convertToJpeg: [] });
    const bytes = await collect(readMedia(testDb.db, converted.media));
    expect((await sharp(bytes).metadata()).format).toBe('jpeg');

    const again = await jpegFor(deps(), stored.media);
    expect(again.ok && again.media.id).toBe(converted.media.id);
    // The card shows the post's own files, not the copies.
    expect((await listPostMedia(testDb.db, post.id)).map((m) => m.filename)).toEqual(['team-photo.png']);
  });

  it('hands back a JPEG as it is, refuses an animated GIF, and removes copies with their original', async () => {
    const { ws, post } = await setup();
    const jpeg = await storeImage(deps(), { workspaceId: ws.id, filename: 'a.jpg', postId: post.id }, inPieces(await jpegOf(100, 100)));
    if (!jpeg.ok) throw new Error(jpeg.message);
    expect(await jpegFor(deps(), jpeg.media)).toEqual({ ok: true, media: jpeg.media });
    const gif = await storeImage(deps(), { workspaceId: ws.id, filename: 'party.gif', postId: post.id }, inPieces(await animatedGif(50, 50, 3)));
    if (!gif.ok) throw new Error(gif.message);
    expect(await jpegFor(deps(), gif.media)).toEqual({
      ok: false,
      message: 'party.gif is an animated image; Greenlight cannot turn it into a still JPEG faithfully.',
    });

    const png = await storeImage(deps(), { workspaceId: ws.id, filename: 'b.png', postId: post.id }, inPieces(await pngOf(100, 100)));
    if (!png.ok) throw new Error(png.message);
    const copy = await jpegFor(deps(), png.media);
    if (!copy.ok) throw new Error(copy.message);
    await testDb.db.deleteFrom('media').where('id', '=', png.media.id).execute();
    expect(await findMedia(testDb.db, copy.media.id)).toBeUndefined();
  });
});

describe('storeFile with a video (issue 15)', () => {
  it('stores the video with its facts and a poster frame beside it; the card lists the video alone', async () => {
    const { ws, post } = await setup();
    const clip = await makeVideo({ width: 320, height: 240, seconds: 2 });
    const stored = await storeFile(deps(), { workspaceId: ws.id, filename: 'launch.mp4', alt: 'Our launch', postId: post.id, position: 0 }, inPieces(clip));
    if (!stored.ok) throw new Error(stored.message);
    expect(stored.media).toMatchObject({
      content_type: 'video/mp4',
      width: 320,
      height: 240,
      animated: false,
      video: { videoCodec: 'h264', audioCodec: 'aac' },
    });
    expect(Number(stored.media.bytes)).toBe(clip.length);
    expect(await collect(readMedia(testDb.db, { id: stored.media.id, bytes: clip.length }))).toEqual(clip);
    const again = await findMedia(testDb.db, stored.media.id);
    expect(again?.video?.durationMs).toBeGreaterThan(1900);
    expect(mediaFileOf(stored.media).video?.container).toBe('mp4');

    const poster = await posterOf({ db: testDb.db }, stored.media);
    expect(poster).toMatchObject({
      filename: 'launch-poster.jpg',
      content_type: 'image/jpeg',
      width: 320,
      height: 240,
      variant_of: stored.media.id,
      post_id: post.id,
    });
    if (!poster) throw new Error('no poster');
    expect((await sharp(await collect(readMedia(testDb.db, { id: poster.id, bytes: Number(poster.bytes) }))).metadata()).format).toBe('jpeg');
    expect((await listPostMedia(testDb.db, post.id)).map((m) => m.filename)).toEqual(['launch.mp4']);
  });

  it('faststartFor: an index-last MP4 gets one remuxed copy (streams copied, index first) stored beside it; a faststart one is used as it is', async () => {
    const { ws, post } = await setup();
    const late = await makeVideo({ width: 320, height: 240, seconds: 2, faststart: false });
    const stored = await storeFile(
      deps(),
      { workspaceId: ws.id, filename: 'camera.mp4', alt: 'From the camera', postId: post.id, position: 0 },
      inPieces(late),
    );
    if (!stored.ok) throw new Error(stored.message);
    expect(stored.media.video?.moovFirst).toBe(false);
    const copy = await faststartFor(deps(), stored.media);
    if (!copy.ok) throw new Error(copy.message);
    expect(copy.media.id).not.toBe(stored.media.id);
    expect(copy.media).toMatchObject({
      variant_of: stored.media.id,
      post_id: post.id,
      content_type: 'video/mp4',
      width: 320,
      height: 240,
      alt: 'From the camera',
    });
    // The same streams, only moved: codecs, length and frame rate as the original's; the bytes differ in order only.
    const { moovFirst: before, bitRate: _b1, ...original } = stored.media.video!;
    const { moovFirst: after, bitRate: _b2, ...remuxed } = copy.media.video!;
    expect([before, after]).toEqual([false, true]);
    expect(remuxed).toEqual(original);
    expect(Math.abs(Number(copy.media.bytes) - late.length)).toBeLessThan(1024);
    // Made once: a second call finds it.
    const again = await faststartFor(deps(), stored.media);
    expect(again.ok && again.media.id).toBe(copy.media.id);
    // The post still lists the video alone (the copy and the poster are variants).
    expect((await listPostMedia(testDb.db, post.id)).map((m) => m.filename)).toEqual(['camera.mp4']);

    const fast = await storeFile(deps(), { workspaceId: ws.id, filename: 'edited.mp4' }, inPieces(await makeVideo({ seconds: 1 })));
    if (!fast.ok) throw new Error(fast.message);
    const same = await faststartFor(deps(), fast.media);
    expect(same.ok && same.media.id).toBe(fast.media.id);
  });

  it('refuses a file too large for the store before probing it, and keeps nothing', async () => {
    const { ws } = await setup();
    const clip = await makeVideo({ seconds: 1 });
    const refused = await storeFile(
      { ...deps(), media: { quotaBytes: 1e9, maxFileBytes: 10_000 } },
      { workspaceId: ws.id, filename: 'big.mp4' },
      inPieces(clip),
    );
    expect(refused).toEqual({ ok: false, message: 'big.mp4 is larger than 0.1 MB, the most Greenlight takes for one file.' });
    const left = await testDb.db.selectFrom('media').select('id').where('workspace_id', '=', ws.id).execute();
    expect(left).toEqual([]);
  });
});
