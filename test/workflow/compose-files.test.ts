import { describe, expect, it } from 'vitest';
import type { SocialAccount } from '../../src/db/schema.ts';
import type { Network } from '../../src/domain/networks.ts';
import { type ComposeFile, hashOf, validateCompose } from '../../src/workflow/compose.ts';

/** The compose form's files against each chosen network's rules, on the facts the chat declared. */
const account = (network: Network): SocialAccount => ({ id: `acc-${network}`, network, max_characters: null }) as unknown as SocialAccount;
const now = new Date('2026-12-06T10:00:00Z');
const png = (filename: string, bytes: number, extra: Partial<ComposeFile> = {}): ComposeFile => ({
  source: { chat: 'slack', url: `https://files.slack.com/files-pri/T1-F1/download/${filename}` },
  filename,
  contentType: 'image/png',
  bytes,
  ...extra,
});
const form = (files: ComposeFile[], networks: Network[]) => ({
  text: 'Launch day',
  accountIds: networks.map((n) => `acc-${n}`),
  variants: {},
  media: [],
  files,
  when: 'now',
  zone: 'UTC',
  note: null,
});

describe('validateCompose with attached files', () => {
  it('a file too large for Bluesky is an error on the files field naming Bluesky and the file', () => {
    const result = validateCompose(form([png('team.png', 2_400_000, { alt: 'The team' })], ['bluesky', 'x']), [account('bluesky'), account('x')], now);
    expect(result).toEqual({ ok: false, errors: { files: 'Bluesky takes images up to 2 MB; team.png is 2.4 MB.' } });
  });

  it('takes two PNGs within every chosen network, alt text trimmed and kept in order', () => {
    const result = validateCompose(
      form([png('a.png', 300_000, { alt: ' first ' }), png('b.png', 200_000)], ['bluesky', 'mastodon']),
      [account('bluesky'), account('mastodon')],
      now,
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.files.map((f) => [f.filename, f.alt])).toEqual([
      ['a.png', 'first'],
      ['b.png', undefined],
    ]);
  });

  it('refuses more than 10 files, a file that is no image, and a missing alt text where the workspace requires it', () => {
    const eleven = Array.from({ length: 11 }, (_, i) => png(`p${i}.png`, 1000, { alt: 'x' }));
    const many = validateCompose(form(eleven, ['facebook']), [account('facebook')], now);
    expect(many.ok === false && many.errors.files).toContain('A post takes up to 10 files; this one has 11.');
    const pdf = validateCompose(form([png('deck.pdf', 1000, { contentType: 'application/pdf', alt: 'x' })], ['x']), [account('x')], now);
    expect(pdf.ok === false && pdf.errors.files).toBe(
      'deck.pdf is not an image or a video Greenlight can take (JPEG, PNG, GIF or WebP images; MP4, MOV or WebM videos).',
    );
    const noAlt = validateCompose(form([png('a.png', 1000)], ['x']), [account('x')], now, { requireAlt: true });
    expect(noAlt.ok === false && noAlt.errors.files).toBe('Add alt text for a.png: this workspace asks for it on every image.');
    expect(validateCompose(form([png('a.png', 1000)], ['x']), [account('x')], now).ok).toBe(true);
  });

  it('too many files for a network is said once, in the files field', () => {
    const five = Array.from({ length: 5 }, (_, i) => png(`p${i}.png`, 1000));
    expect(validateCompose(form(five, ['mastodon']), [account('mastodon')], now)).toEqual({
      ok: false,
      errors: { files: 'Mastodon takes up to 4 images in a post; this post has 5.' },
    });
  });

  it('Instagram: the declared pixels are checked where the chat says them, and a size not said waits for the copy', () => {
    const wide = validateCompose(form([png('wide.png', 1000, { width: 3000, height: 1000 })], ['instagram']), [account('instagram')], now);
    expect(wide.ok === false && wide.errors.files).toContain(
      'Instagram takes images from 4:5 (portrait) to 1.91:1 (landscape); wide.png is 3000 × 1000 pixels',
    );
    expect(validateCompose(form([png('unsaid.png', 1000)], ['instagram']), [account('instagram')], now).ok).toBe(true);
  });
});

describe('hashOf with stored files', () => {
  const targets = [{ accountId: 'a', network: 'x' as const }];
  const at = new Date('2026-12-07T09:00:00Z');
  const file = (sha: string, alt: string | null) => ({ sha256: sha.repeat(64), alt });
  it('is the old hash without files, and changes with a swapped image or a new alt text', () => {
    const plain = hashOf('t', targets, {}, [], at);
    expect(hashOf('t', targets, {}, [], at, [])).toBe(plain);
    const one = hashOf('t', targets, {}, [], at, [file('a', 'alt')]);
    expect(one).not.toBe(plain);
    expect(hashOf('t', targets, {}, [], at, [file('b', 'alt')])).not.toBe(one);
    expect(hashOf('t', targets, {}, [], at, [file('a', 'other')])).not.toBe(one);
  });
});

describe('validateCompose with an attached video (issue 15)', () => {
  const mp4 = (filename: string, bytes: number): ComposeFile => ({ ...png(filename, bytes), contentType: 'video/mp4' });

  it('takes a video for every network on what the chat declared; its length and codecs are checked once probed', () => {
    const networks: Network[] = ['x', 'bluesky', 'mastodon', 'instagram', 'threads', 'facebook', 'linkedin'];
    const result = validateCompose(form([mp4('launch.mp4', 20_000_000)], networks), networks.map(account), now);
    expect(result.ok).toBe(true);
  });

  it('says in the form a video too large for a network, and a video beside an image, naming the network and the file', () => {
    const big = validateCompose(form([mp4('launch.mp4', 312_400_000)], ['bluesky']), [account('bluesky')], now);
    expect(big).toEqual({ ok: false, errors: { files: 'Bluesky takes videos up to 300 MB; launch.mp4 is 312.4 MB.' } });
    const mixed = validateCompose(form([png('team.png', 100_000), mp4('launch.mp4', 1_000_000)], ['x']), [account('x')], now);
    expect(mixed).toEqual({ ok: false, errors: { files: 'X takes a video only on its own; launch.mp4 is in a post with 1 image.' } });
  });

  it('refuses a file that is neither an image nor a video Greenlight takes', () => {
    const avi = validateCompose(form([{ ...png('old.avi', 1000), contentType: 'video/x-msvideo' }], ['x']), [account('x')], now);
    expect(avi).toMatchObject({ ok: false, errors: { files: expect.stringContaining('old.avi is not an image or a video Greenlight can take') } });
  });
});
