import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { factsOf, probeVideo, VideoProbeError } from '../../src/media/video-probe.ts';
import { inPieces } from '../helpers/images.ts';
import { makeVideo } from '../helpers/videos.ts';

const temporaryCopies = async () => (await readdir(tmpdir())).filter((name) => name.startsWith('greenlight-video-')).length;

describe('probeVideo (ffprobe and ffmpeg shipped in npm packages)', () => {
  it('reads an H.264/AAC MP4: container, codecs, duration, size, frame rate, and a JPEG poster frame', async () => {
    const clip = await makeVideo({ width: 320, height: 240, seconds: 2, fps: 25 });
    const before = await temporaryCopies();
    const probed = await probeVideo('clip.mp4', () => inPieces(clip, 10_000));
    expect(probed).toMatchObject({
      contentType: 'video/mp4',
      width: 320,
      height: 240,
      video: {
        container: 'mp4',
        videoCodec: 'h264',
        pixelFormat: 'yuv420p',
        audioCodec: 'aac',
        audioProfile: 'LC',
        audioSampleRate: 44100,
        audioChannels: 1,
        frameRate: 25,
      },
    });
    expect(probed.video.durationMs).toBeGreaterThanOrEqual(1950);
    expect(probed.video.durationMs).toBeLessThanOrEqual(2100);
    const poster = await sharp(probed.poster).metadata();
    expect(poster).toMatchObject({ format: 'jpeg', width: 320, height: 240 });
    // The temporary copy on disk is gone once the probe is done.
    expect(await temporaryCopies()).toBe(before);
  });

  it('tells a QuickTime movie from an MP4 by its brand, and applies a phone’s rotation to the size and the poster', async () => {
    const clip = await makeVideo({ width: 320, height: 240, format: 'mov', rotate: 90 });
    const probed = await probeVideo('portrait.mov', () => inPieces(clip));
    expect(probed).toMatchObject({ contentType: 'video/quicktime', width: 240, height: 320, video: { container: 'mov' } });
    expect(await sharp(probed.poster).metadata()).toMatchObject({ width: 240, height: 320 });
  });

  it('reads from ffprobe whether the index (moov) comes first: true for a faststart MP4, false for one written index-last, null for WebM', async () => {
    const fast = await probeVideo('fast.mp4', async function* () {
      yield await makeVideo({ seconds: 1 });
    });
    const late = await probeVideo('late.mp4', async function* () {
      yield await makeVideo({ seconds: 1, faststart: false });
    });
    const lateMov = await probeVideo('late.mov', async function* () {
      yield await makeVideo({ seconds: 1, format: 'mov', faststart: false });
    });
    const webm = await probeVideo('clip.webm', async function* () {
      yield await makeVideo({ format: 'webm', codec: 'libvpx-vp9', audio: 'none', seconds: 1 });
    });
    expect([fast.video.moovFirst, late.video.moovFirst, lateMov.video.moovFirst, webm.video.moovFirst]).toEqual([true, false, false, null]);
  });

  it('reads a silent VP9 WebM', async () => {
    const clip = await makeVideo({ format: 'webm', codec: 'libvpx-vp9', audio: 'none', seconds: 1 });
    const probed = await probeVideo('clip.webm', () => inPieces(clip));
    expect(probed).toMatchObject({ contentType: 'video/webm', video: { container: 'webm', videoCodec: 'vp9', audioCodec: null, audioSampleRate: null } });
  });

  it('refuses a file that is not a video, naming it, and leaves no temporary copy', async () => {
    const before = await temporaryCopies();
    await expect(probeVideo('notes.txt', () => inPieces(Buffer.from('hello, not a video at all')))).rejects.toThrow(
      new VideoProbeError('notes.txt is not a video Greenlight can read (MP4, MOV or WebM).'),
    );
    // A truncated MP4 (the first 2 KB of a real one) has no index to read.
    const clip = await makeVideo({ seconds: 1 });
    await expect(probeVideo('cut.mp4', () => inPieces(clip.subarray(0, 2048)))).rejects.toBeInstanceOf(VideoProbeError);
    expect(await temporaryCopies()).toBe(before);
  });

  it('refuses answers without a video stream, a container it does not take, or a length', () => {
    const h264 = { codec_type: 'video', codec_name: 'h264', width: 10, height: 10 };
    expect(() =>
      factsOf('song.m4a', { streams: [{ codec_type: 'audio', codec_name: 'aac' }], format: { format_name: 'mov,mp4,m4a,3gp,3g2,mj2', duration: '3' } }),
    ).toThrow('song.m4a is not a video Greenlight can take (MP4, MOV or WebM).');
    expect(() =>
      factsOf('photo.heic', {
        streams: [{ ...h264, codec_name: 'hevc' }],
        format: { format_name: 'mov,mp4,m4a,3gp,3g2,mj2', duration: '1', tags: { major_brand: 'heic' } },
      }),
    ).toThrow('photo.heic is not a video');
    expect(() => factsOf('old.avi', { streams: [h264], format: { format_name: 'avi', duration: '3' } })).toThrow('old.avi is not a video Greenlight can take');
    expect(() => factsOf('cover.mp4', { streams: [{ ...h264, disposition: { attached_pic: 1 } }], format: { format_name: 'mov,mp4', duration: '3' } })).toThrow(
      'is not a video',
    );
    expect(() => factsOf('live.mp4', { streams: [h264], format: { format_name: 'mov,mp4' } })).toThrow('live.mp4 has no length Greenlight can read');
    expect(
      factsOf('ntsc.mp4', {
        streams: [{ ...h264, avg_frame_rate: '30000/1001', tags: { rotate: '270' } }],
        format: { format_name: 'mov,mp4', duration: '1.5' },
      }),
    ).toMatchObject({ width: 10, height: 10, video: { frameRate: 29.97, durationMs: 1500, audioCodec: null } });
  });
});
