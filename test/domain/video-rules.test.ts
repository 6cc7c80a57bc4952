import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MediaFile } from '../../src/domain/media-rules.ts';
import type { Network } from '../../src/domain/networks.ts';
import { durationText, type VideoFacts } from '../../src/domain/video-facts.ts';
import { checkMediaFor, VIDEO_RULES, type VideoRuleSet, videoProblems, videoRulesFor } from '../../src/domain/video-rules.ts';

const facts = (over: Partial<VideoFacts> = {}): VideoFacts => ({
  container: 'mp4',
  videoCodec: 'h264',
  videoProfile: 'High',
  pixelFormat: 'yuv420p',
  audioCodec: 'aac',
  audioProfile: 'LC',
  audioSampleRate: 44_100,
  audioChannels: 2,
  durationMs: 20_000,
  frameRate: 30,
  bitRate: 5_000_000,
  ...over,
});

/** A phone's vertical clip: 1080 × 1920, 20 s, 30 fps, H.264/AAC MP4, 40 MB. */
const clip = (over: Partial<MediaFile> = {}, video: Partial<VideoFacts> = {}): MediaFile => ({
  filename: 'launch.mp4',
  contentType: 'video/mp4',
  bytes: 40_000_000,
  width: 1080,
  height: 1920,
  animated: false,
  video: facts(video),
  ...over,
});
const image = (name = 'team.jpg'): MediaFile => ({ filename: name, contentType: 'image/jpeg', bytes: 100_000, width: 1080, height: 1080, animated: false });

const NETWORKS: Network[] = ['x', 'bluesky', 'mastodon', 'instagram', 'threads', 'facebook', 'linkedin'];
const messages = (network: Network, files: MediaFile[], options = {}) => checkMediaFor(network, files, options).problems.map((p) => p.message);

describe('video rules per network', () => {
  it("take a phone's 20-second vertical H.264/AAC MP4 everywhere, Instagram as a Reel and as a Story", () => {
    for (const network of NETWORKS) expect(messages(network, [clip()]), network).toEqual([]);
    expect(messages('instagram', [clip()], { instagram: 'stories' })).toEqual([]);
  });

  it('say each network its duration rule with the file’s own length', () => {
    expect(messages('instagram', [clip({}, { durationMs: 134_000 })], { instagram: 'stories' })).toEqual([
      'Instagram Stories need videos of 3 s to 1 min; launch.mp4 is 2 min 14 s.',
    ]);
    expect(messages('instagram', [clip({}, { durationMs: 2_400 })])).toEqual(['Instagram Reels need videos of 3 s to 15 min; launch.mp4 is 2.4 s.']);
    expect(messages('x', [clip({}, { durationMs: 140_400 })])).toEqual(['X needs videos of 0.5 s to 2 min 20 s; launch.mp4 is 2 min 21 s.']);
    expect(messages('threads', [clip({}, { durationMs: 301_000 })])).toEqual(['Threads takes videos up to 5 min; launch.mp4 is 5 min 1 s.']);
    expect(messages('linkedin', [clip({}, { durationMs: 2_950 })])).toEqual(['LinkedIn needs videos of 3 s to 30 min; launch.mp4 is 2.9 s.']);
    expect(messages('bluesky', [clip({}, { durationMs: 11 * 60_000 })])).toEqual(['Bluesky takes videos up to 10 min; launch.mp4 is 11 min.']);
    // Mastodon documents no longest.
    expect(messages('mastodon', [clip({}, { durationMs: 3 * 3_600_000 })])).toEqual([]);
  });

  it('say container, codecs, sound, colour, frame rate, size and shape in words, naming the file', () => {
    expect(
      messages('x', [
        clip({ filename: 'a.webm', contentType: 'video/webm' }, { container: 'webm', videoCodec: 'vp9', audioCodec: 'opus', audioProfile: null }),
      ]),
    ).toEqual([
      'X takes MP4 or MOV videos; a.webm is a WebM video.',
      'X takes H.264 video; a.webm is VP9. Export it again as H.264.',
      'X takes AAC sound; a.webm has Opus sound.',
    ]);
    expect(
      messages('mastodon', [clip({ filename: 'a.webm', contentType: 'video/webm' }, { container: 'webm', videoCodec: 'vp9', audioCodec: 'opus' })]),
    ).toEqual([]);
    expect(messages('bluesky', [clip({ filename: 'a.mov' }, { container: 'mov' })])).toEqual(['Bluesky takes MP4 videos; a.mov is a MOV video.']);
    expect(messages('x', [clip({}, { audioProfile: 'HE-AAC', audioChannels: 6 })])).toEqual([
      'X takes AAC-LC sound; launch.mp4 has HE-AAC sound.',
      'X takes mono or stereo sound; launch.mp4 has 6 channels.',
    ]);
    expect(messages('instagram', [clip({}, { audioSampleRate: 96_000, pixelFormat: 'yuv422p10le', frameRate: 120 })])).toEqual([
      'Instagram Reels take sound up to 48 kHz; launch.mp4 has 96 kHz.',
      'Instagram Reels take video in 4:2:0 colour (yuv420p); launch.mp4 is yuv422p10le. Export it again with standard settings.',
      'Instagram Reels need 23 to 60 frames per second; launch.mp4 has 120.',
    ]);
    expect(messages('threads', [clip({}, { frameRate: 15 })])).toEqual(['Threads needs 23 to 60 frames per second; launch.mp4 has 15.']);
    expect(messages('x', [clip({}, { frameRate: 59.94 })])).toEqual([]);
    expect(messages('instagram', [clip({ width: 3840, height: 2160 })])).toEqual([
      'Instagram Reels take videos up to 1920 pixels wide; launch.mp4 is 3840 × 2160 pixels.',
    ]);
    expect(messages('linkedin', [clip({ width: 720, height: 1920 })])).toEqual([
      'LinkedIn takes videos from 1:2.4 (portrait) to 2.4:1 (landscape); launch.mp4 is 720 × 1920 pixels (0.38:1).',
    ]);
    expect(messages('x', [clip({ width: 20, height: 20 })])).toEqual(['X takes videos at least 32 × 32 pixels; launch.mp4 is 20 × 20 pixels.']);
    expect(messages('bluesky', [clip({ bytes: 312_400_000 })])).toEqual(['Bluesky takes videos up to 300 MB; launch.mp4 is 312.4 MB.']);
    expect(messages('x', [clip({ width: null, height: null })])).toEqual([
      'X needs to know the size of launch.mp4 in pixels, and Greenlight could not read it.',
    ]);
  });

  it('take one video per post and no images beside it, saying why where the network allows more', () => {
    for (const network of NETWORKS) {
      const problems = checkMediaFor(network, [clip(), clip({ filename: 'b.mp4' })]).problems;
      expect(
        problems.map((p) => p.code),
        network,
      ).toContain('too_many_videos');
      const mixed = checkMediaFor(network, [image(), clip()]).problems;
      expect(
        mixed.map((p) => p.code),
        network,
      ).toEqual(['video_alone']);
    }
    expect(messages('x', [image('a.jpg'), image('b.jpg'), clip()])).toEqual(['X takes a video only on its own; launch.mp4 is in a post with 2 images.']);
    expect(messages('threads', [image(), clip()])).toEqual([
      'Threads takes a video only on its own (Greenlight publishes a Threads video as a post of its own); launch.mp4 is in a post with 1 image.',
    ]);
    expect(messages('instagram', [clip(), clip({ filename: 'b.mp4' })])).toEqual(['Instagram Reels take one video in a post; this post has 2.']);
  });

  it("apply a Mastodon server's own limits and say they are the server's", () => {
    const options = { video: { maxBytes: 41_943_040, maxFps: 60, maxPixels: 2_304_000, types: ['video/mp4'] } };
    expect(messages('mastodon', [clip({ width: 2560, height: 1440, bytes: 50_000_000 }, { frameRate: 120 })], options)).toEqual([
      'This Mastodon server takes videos up to 41.9 MB; launch.mp4 is 50 MB.',
      'This Mastodon server takes up to 60 frames per second; launch.mp4 has 120.',
      'This Mastodon server takes videos up to 2,304,000 pixels a frame; launch.mp4 is 2560 × 1440 pixels.',
    ]);
    expect(messages('mastodon', [clip({ filename: 'a.mov' }, { container: 'mov' })], options)).toEqual([
      'This Mastodon server takes MP4 videos; a.mov is a MOV video.',
    ]);
    expect(videoRulesFor('webhook')).toBeUndefined();
  });

  it('leave image-only posts to the image rules', () => {
    expect(checkMediaFor('instagram', [])).toEqual({ problems: [expect.objectContaining({ code: 'required' })], convertToJpeg: [] });
    expect(checkMediaFor('instagram', [{ ...image('a.png'), contentType: 'image/png' }]).convertToJpeg).toEqual(['a.png']);
  });
});

describe('video rules, properties', () => {
  const sets = Object.keys(VIDEO_RULES) as VideoRuleSet[];
  const arbVideo = fc.record({
    durationMs: fc.integer({ min: 1, max: 5 * 3_600_000 }),
    bytes: fc.integer({ min: 1, max: 5e9 }),
    width: fc.integer({ min: 1, max: 8000 }),
    height: fc.integer({ min: 1, max: 8000 }),
    frameRate: fc.double({ min: 1, max: 240, noNaN: true }),
  });

  it('a video is refused for its length exactly when it is outside the range, and the message names the file and its length', () => {
    fc.assert(
      fc.property(fc.constantFrom(...sets), arbVideo, (set, v) => {
        const rules = VIDEO_RULES[set];
        const file = clip({ bytes: v.bytes, width: v.width, height: v.height }, { durationMs: v.durationMs, frameRate: v.frameRate });
        const duration = videoProblems(rules, file).filter((p) => p.code === 'video_duration');
        const outside = (rules.minMs !== undefined && v.durationMs < rules.minMs) || (rules.maxMs !== undefined && v.durationMs > rules.maxMs);
        expect(duration.length).toBe(outside ? 1 : 0);
        for (const p of duration) {
          expect(p.message).toContain('launch.mp4 is ');
          expect(p.message.startsWith(rules.label)).toBe(true);
        }
      }),
    );
  });

  it('a file that breaks a duration limit never reads as equal to it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 36_000_000 }), fc.integer({ min: 1, max: 36_000_000 }), (file, limit) => {
        if (file > limit) expect(durationText(file, 'up')).not.toBe(durationText(limit, 'down'));
        if (file < limit) expect(durationText(file, 'down')).not.toBe(durationText(limit, 'up'));
      }),
    );
  });

  it('every problem message ends with a full stop and names a network', () => {
    fc.assert(
      fc.property(fc.constantFrom(...sets), arbVideo, (set, v) => {
        for (const p of videoProblems(
          VIDEO_RULES[set],
          clip({ bytes: v.bytes, width: v.width, height: v.height }, { durationMs: v.durationMs, frameRate: v.frameRate }),
        )) {
          expect(p.message).toMatch(/^(X|Bluesky|Mastodon|Instagram Reels|Instagram Stories|Threads|Facebook|LinkedIn) .*\.$/);
        }
      }),
    );
  });
});
