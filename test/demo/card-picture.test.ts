import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { pngOf } from '../helpers/images.ts';
import { svgToPng as svgPng } from '../../src/workflow/digest/chart-png.ts';
import { DEMO_IMAGE, demoImage } from './demo-image.ts';
import { cardPicture, type PictureInput } from './picture/card-picture.ts';
import { plainText, type Reader } from './picture/mrkdwn.ts';
import { pictureImages, pictureProblems, pictureText } from './picture/picture-check.ts';
import { textWidth, wrapSpans } from './picture/wrap.ts';

const reader: Reader = { names: { U0ANA: 'Ana', U0MARTA: 'Marta' }, zone: 'Europe/Berlin', now: new Date('2026-11-23T09:40:00Z') };
const at = Date.parse('2026-11-23T09:34:00Z') / 1000;
const url = 'https://bsky.app/profile/did:plc:gb4oabcdefghijklmnop/post/3mmdqrstuvwxyz0123456789';

/** Messages in the shapes Greenlight posts and the Slack emulator keeps: a card, then receipts. */
function input(replies = REPLIES): PictureInput {
  return {
    channel: 'approvals',
    app: 'Greenlight',
    card: {
      ts: `${at}.000100`,
      text: 'Published: post by <@U0ANA> for X',
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text: '*Published* · post by <@U0ANA>' } },
        {
          type: 'context',
          elements: [
            {
              type: 'mrkdwn',
              text: `Publish <!date^${at}^{date_short_pretty} at {time}|2026-11-23T09:34:00Z> (author's zone: Europe/Berlin) · 1 of 1 approvals (<@U0MARTA>)`,
            },
          ],
        },
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text: '*X* · @greenlight\n_Part 1 of 2 · 83/280_\n> Greenlight 1.0 is out: draft in Slack, approve with a button, publish everywhere.\n_Part 2 of 2 · 290/280 ⚠️ too long_\n> Tom &amp; Jerry say &lt;hi&gt;',
          },
        },
        { type: 'context', elements: [{ type: 'mrkdwn', text: `✅ X: <${url}|published>\n❌ Mastodon: failed — Unauthorized` }] },
      ],
    },
    replies,
    reader,
    caption: 'Drawn in a test.',
  };
}

const REPLIES = [
  { ts: `${at + 10}.000200`, text: '<@U0MARTA> requested changes: “Please mention it is free to self-host.”' },
  { ts: `${at + 20}.000300`, text: `Published to Bluesky at 10:34 (3 parts): ${url}` },
  {
    ts: `${at + 30}.000400`,
    text: 'X failed: Unauthorized. Reconnect X, then retry.',
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: 'X failed: Unauthorized. Reconnect X, then retry.' } },
      {
        type: 'actions',
        elements: [
          { type: 'button', text: { type: 'plain_text', text: 'Reconnect X' }, url: 'http://x.test/connect' },
          { type: 'button', text: { type: 'plain_text', text: 'Retry X' }, style: 'primary' },
        ],
      },
    ],
  },
  // As Slack holds text: its three control characters escaped.
  { ts: `${at + 40}.000500`, text: 'Say "&lt;b&gt;" &amp; it\'s fine' },
];

describe('the card picture', () => {
  it('is an SVG that parses and shows the card, its context, its thread and the buttons', async () => {
    const svg = cardPicture(input());
    const texts = [
      'Published · post by @Ana',
      "Publish today at 10:34 (author's zone: Europe/Berlin) · 1 of 1 approvals (@Marta)",
      'Greenlight 1.0 is out: draft in Slack, approve with a button, publish everywhere.',
      'Tom & Jerry say <hi>',
      'Part 2 of 2 · 290/280 ⚠ too long',
      '✔ X: published',
      '✘ Mastodon: failed — Unauthorized',
      'Reconnect X',
      'Retry X',
      '4 replies',
      ...REPLIES.map((r) => plainText(r.text, reader)),
    ];
    expect(await pictureProblems(svg, texts)).toEqual([]);
    expect(plainText(REPLIES[0]!.text, reader)).toBe('@Marta requested changes: “Please mention it is free to self-host.”');
    expect(svg).not.toContain('<b>'); // message text is escaped, never markup
    expect(svg).toContain('Say &quot;&lt;b&gt;&quot; &amp; it&apos;s fine');
    expect(cardPicture(input())).toBe(svg); // the same messages draw the same bytes
  });

  it('reports a reply the picture leaves out, and a picture that does not parse', async () => {
    const withoutOne = cardPicture(input(REPLIES.filter((_, i) => i !== 1)));
    expect(
      await pictureProblems(
        withoutOne,
        REPLIES.map((r) => plainText(r.text, reader)),
      ),
    ).toEqual([`not in the picture: Published to Bluesky at 10:34 (3 parts): ${url}`]);
    const [problem] = await pictureProblems(withoutOne.replace('</svg>', ''), []);
    expect(problem).toMatch(/^the SVG does not parse/);
  });

  it('keeps every row inside its column and cuts a long URL only when it must', () => {
    const rows = wrapSpans([{ text: 'Published to Bluesky at 10:34 (3 parts): ' }, { text: url, link: true }], 300, 13);
    for (const row of rows) expect(row.reduce((w, s) => w + textWidth(s.text, 13, s.bold), 0)).toBeLessThanOrEqual(300);
    expect(rows.length).toBeGreaterThan(2);
    expect(rows[0]!.map((s) => s.text).join('')).toBe('Published to Bluesky at 10:34 (3 parts):');
    expect(
      rows
        .slice(1)
        .flat()
        .map((s) => s.text)
        .join(''),
    ).toBe(url);
    expect(pictureText('<svg><text x="1">a &amp; <tspan>b</tspan></text></svg>')).toBe('a & b');
  });

  it('embeds the image of an image block, scaled to the message width, with its alt text under it, or "no alt text"', async () => {
    const png = await pngOf(200, 100, 7);
    const withAlt = 'https://greenlight.test/card-image/1?exp=1&sig=a';
    const without = 'https://greenlight.test/card-image/2?exp=1&sig=b';
    const blocks = [
      ...(input().card.blocks ?? []),
      { type: 'image', image_url: withAlt, alt_text: 'A "green" cake & one candle', title: { type: 'plain_text', text: '1/2 · cake.png · 200×100' } },
      // As the card has it: the alt text said again under the image, as a context line (drawn once).
      { type: 'context', elements: [{ type: 'plain_text', text: 'Alt text: A "green" cake & one candle' }] },
      { type: 'image', image_url: without, alt_text: '', title: { type: 'plain_text', text: '2/2 · team.png · ⚠️ no alt text' } },
    ];
    const images = { [withAlt]: { png, width: 200, height: 100 }, [without]: { png, width: 200, height: 100 } };
    const svg = cardPicture({ ...input(), card: { ...input().card, blocks }, images });
    expect(
      await pictureProblems(svg, ['1/2 · cake.png · 200×100', 'Alt text: A "green" cake & one candle', '2/2 · team.png', 'no alt text'], { images: 2 }),
    ).toEqual([]);
    expect(pictureText(svg).split('Alt text: A "green" cake').length - 1).toBe(1);
    // The very bytes, as a data: URI: the picture links to nothing outside itself (the signed URLs change every day).
    expect(svg).toContain(`href="data:image/png;base64,${png.toString('base64')}"`);
    expect(svg).not.toContain('greenlight.test');
    expect(pictureImages(svg)).toEqual([
      { width: 200, height: 100 },
      { width: 200, height: 100 },
    ]);
    // Across the message's width (the left column less the avatar), its proportions kept.
    const placed = [...svg.matchAll(/<image x="(\d+)" y="([\d.]+)" width="(\d+)" height="(\d+)"/g)].map((m) => m.slice(1).map(Number));
    expect(placed.map(([, , w, h]) => [w, h])).toEqual([
      [402, 201],
      [402, 201],
    ]);
    // Rendered, the image's region holds its own pixels (noise: a mean near the source's), not a box.
    const [x, y, w, h] = placed[0]!;
    const cropped = await sharp(await svgPng(svg))
      .extract({ left: Math.ceil(x!) + 4, top: Math.ceil(y!) + 4, width: w! - 8, height: h! - 8 })
      .png()
      .toBuffer();
    const region = await sharp(cropped).stats(); // stats() reads its input, not the pipeline: crop first
    const source = await sharp(png).stats();
    for (const c of [0, 1, 2]) expect(Math.abs(region.channels[c]!.mean - source.channels[c]!.mean)).toBeLessThan(10);
    expect(cardPicture({ ...input(), card: { ...input().card, blocks }, images })).toBe(svg);

    // An image the picture was not given is a grey box, and the check says it is missing.
    const missing = cardPicture({ ...input(), card: { ...input().card, blocks }, images: { [withAlt]: images[withAlt] } });
    expect(pictureText(missing)).toContain('(image not loaded)');
    expect(await pictureProblems(missing, [], { images: 2 })).toEqual(['the picture draws 1 image, not 2']);
    // And an image that is not an embedded PNG is refused.
    const linked = svg.replace(/href="data:image\/png;base64,[^"]+"/, 'href="https://greenlight.test/card-image/1"');
    expect(await pictureProblems(linked, [])).toEqual(['image 1 is not a PNG embedded in the picture']);
  });

  it('is what the README shows: docs/card.svg was drawn by the demo, not by hand, with the picture Ana attached', async () => {
    const svg = await readFile(new URL('../../docs/card.svg', import.meta.url), 'utf8');
    expect(
      await pictureProblems(
        svg,
        [
          'Drawn by npm run demo -- --picture',
          'Published · post by @Ana',
          '10 replies',
          '@Root asked to retry X.',
          'Reconnect X',
          `1/1 · ${DEMO_IMAGE.filename} · ${DEMO_IMAGE.width}×${DEMO_IMAGE.height}`,
          `Alt text: ${DEMO_IMAGE.alt}`,
        ],
        { images: 1 },
      ),
    ).toEqual([]);
    expect(svg).toContain(`href="data:image/png;base64,${(await demoImage()).toString('base64')}"`);
  });
});
