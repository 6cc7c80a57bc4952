import { describe, expect, it } from 'vitest';
import { blueskyAspectRatio, checkImagesFor, imageRulesFor, megabytes, type MediaFile } from '../../src/domain/media-rules.ts';

const MiB = 1024 * 1024;
const png = (filename: string, bytes: number, width = 1200, height = 1200): MediaFile => ({
  filename,
  contentType: 'image/png',
  bytes,
  width,
  height,
  animated: false,
  alt: 'x',
});
const jpeg = (filename: string, bytes: number, width = 1080, height = 1350): MediaFile => ({
  filename,
  contentType: 'image/jpeg',
  bytes,
  width,
  height,
  animated: false,
  alt: 'x',
});
const gif = (filename: string, bytes: number): MediaFile => ({ filename, contentType: 'image/gif', bytes, width: 480, height: 270, animated: true });
const messages = (plan: { problems: { message: string }[] }) => plan.problems.map((p) => p.message);

describe('megabytes', () => {
  it('says sizes in decimal MB, rounding a file up so that a file over a limit never reads as the limit', () => {
    expect(megabytes(3_400_000)).toBe('3.4 MB');
    expect(megabytes(2_000_000)).toBe('2 MB');
    expect(megabytes(2_000_001)).toBe('2.1 MB');
    expect(megabytes(5 * MiB, 'down')).toBe('5.2 MB');
  });
});

describe('image rules per network', () => {
  it('Bluesky: images up to 2,000,000 bytes, named with the file', () => {
    expect(messages(checkImagesFor('bluesky', [png('team-photo.png', 3_400_000)]))).toEqual(['Bluesky takes images up to 2 MB; team-photo.png is 3.4 MB.']);
    expect(checkImagesFor('bluesky', [png('ok.png', 2_000_000)]).problems).toEqual([]);
    expect(checkImagesFor('bluesky', [png('over.png', 2_000_001)]).problems).toMatchObject([{ network: 'bluesky', filename: 'over.png', code: 'too_large' }]);
  });

  it("Bluesky records each image's aspect ratio", () => {
    expect(blueskyAspectRatio({ width: 1600, height: 900 })).toEqual({ width: 1600, height: 900 });
    expect(blueskyAspectRatio({ width: null, height: 900 })).toBeUndefined();
  });

  it('X: four images of up to 5 MB, or one animated GIF of up to 15 MB alone', () => {
    const four = [1, 2, 3, 4].map((n) => png(`p${n}.png`, 5 * MiB));
    expect(checkImagesFor('x', four).problems).toEqual([]);
    expect(messages(checkImagesFor('x', [...four, png('p5.png', 1000)]))).toEqual(['X takes up to 4 images in a post; this post has 5.']);
    expect(messages(checkImagesFor('x', [png('big.png', 5 * MiB + 1)]))).toEqual(['X takes images up to 5 MB; big.png is 5.3 MB.']);
    expect(checkImagesFor('x', [gif('party.gif', 14 * MiB)]).problems).toEqual([]);
    expect(messages(checkImagesFor('x', [gif('party.gif', 16 * MiB)]))).toEqual(['X takes animated GIFs up to 15 MB; party.gif is 16.8 MB.']);
    expect(messages(checkImagesFor('x', [gif('party.gif', 1000), png('a.png', 1000), png('b.png', 1000)]))).toEqual([
      'X takes an animated GIF only on its own; party.gif is in a post with 2 other files.',
    ]);
  });

  it('Instagram: JPEG only (PNG is converted), 4:5 to 1.91:1, up to 10, 8 MB, and never without an image', () => {
    expect(checkImagesFor('instagram', [jpeg('portrait.jpg', MiB, 1080, 1350), jpeg('wide.jpg', MiB, 1910, 1000)]).problems).toEqual([]);
    expect(checkImagesFor('instagram', [png('team-photo.png', MiB, 1080, 1080)])).toEqual({ problems: [], convertToJpeg: ['team-photo.png'] });
    expect(messages(checkImagesFor('instagram', [jpeg('banner.jpg', MiB, 3000, 1000)]))).toEqual([
      'Instagram takes images from 4:5 (portrait) to 1.91:1 (landscape); banner.jpg is 3000 × 1000 pixels (3:1). Crop it to fit.',
    ]);
    expect(messages(checkImagesFor('instagram', [jpeg('story.jpg', MiB, 1080, 1920)]))[0]).toContain('story.jpg is 1080 × 1920 pixels (0.56:1)');
    expect(messages(checkImagesFor('instagram', [jpeg('huge.jpg', 9 * MiB)]))).toEqual(['Instagram takes images up to 8 MB; huge.jpg is 9.5 MB.']);
    expect(messages(checkImagesFor('instagram', []))).toEqual(['Instagram needs at least one image: it has no text-only posts.']);
    expect(
      messages(
        checkImagesFor(
          'instagram',
          Array.from({ length: 11 }, (_, i) => jpeg(`${i}.jpg`, 1000)),
        ),
      ),
    ).toEqual(['Instagram takes up to 10 images in a post; this post has 11.']);
    expect(messages(checkImagesFor('instagram', [gif('party.gif', 1000)]))).toEqual([
      'Instagram takes no animated GIFs; party.gif is one. Use a still image or a video.',
    ]);
  });

  it("Mastodon: the instance's own limits when known, 16 MB and 4 files otherwise", () => {
    expect(checkImagesFor('mastodon', [png('a.png', 12 * MiB)]).problems).toEqual([]);
    expect(messages(checkImagesFor('mastodon', [png('a.png', 12 * MiB)], { maxBytes: 8 * MiB }))).toEqual([
      'Mastodon takes images up to 8.3 MB; a.png is 12.6 MB.',
    ]);
    expect(
      messages(
        checkImagesFor(
          'mastodon',
          [1, 2, 3].map((n) => png(`${n}.png`, 1000)),
          { maxImages: 2 },
        ),
      ),
    ).toEqual(['Mastodon takes up to 2 images in a post; this post has 3.']);
    expect(messages(checkImagesFor('mastodon', [png('scan.png', 1000, 8000, 6000)]))).toEqual([
      'Mastodon takes images up to 33.1 megapixels; scan.png is 8000 × 6000 pixels (48 megapixels).',
    ]);
    expect(messages(checkImagesFor('mastodon', [{ ...png('a.png', 1000), alt: 'é'.repeat(1501) }]))).toEqual([
      'Mastodon takes alt text up to 1,500 characters; the alt text of a.png has 1,501.',
    ]);
  });

  it('Threads, Facebook and LinkedIn as documented', () => {
    expect(messages(checkImagesFor('threads', [{ ...png('a.gif', 1000), contentType: 'image/gif' }]))).toEqual([
      'Threads takes JPEG and PNG images; a.gif is a GIF file.',
    ]);
    expect(messages(checkImagesFor('threads', [jpeg('a.jpg', 9 * MiB)]))).toEqual(['Threads takes images up to 8 MB; a.jpg is 9.5 MB.']);
    expect(messages(checkImagesFor('facebook', [jpeg('a.jpg', 11 * MiB)]))).toEqual(['Facebook takes images up to 10 MB; a.jpg is 11.6 MB.']);
    expect(messages(checkImagesFor('linkedin', [png('a.png', 1000, 7000, 6000)]))[0]).toMatch(
      /^LinkedIn takes images up to 36.1 megapixels; a.png is 7000 × 6000 pixels/,
    );
    expect(checkImagesFor('linkedin', [{ ...png('a.webp', 1000), contentType: 'image/webp' }]).convertToJpeg).toEqual(['a.webp']);
  });

  it('names a type a network refuses in plain words, and asks for pixel sizes it needs', () => {
    expect(messages(checkImagesFor('x', [{ ...png('logo.tiff', 1000), contentType: 'image/tiff' }]))).toEqual([
      'X takes JPEG, PNG, GIF and WebP images; logo.tiff is a TIFF file.',
    ]);
    expect(messages(checkImagesFor('instagram', [{ ...jpeg('a.jpg', 1000), width: null, height: null }]))).toEqual([
      'Instagram needs to know the size of a.jpg in pixels, and Greenlight could not read it.',
    ]);
  });

  it('has no image rules for webhooks', () => {
    expect(imageRulesFor('webhook')).toBeUndefined();
    expect(checkImagesFor('webhook', [png('a.png', 100 * MiB)]).problems).toEqual([]);
  });
});
