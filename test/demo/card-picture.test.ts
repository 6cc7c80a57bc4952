import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { cardPicture, type PictureInput } from './picture/card-picture.ts';
import { plainText, type Reader } from './picture/mrkdwn.ts';
import { pictureProblems, pictureText } from './picture/picture-check.ts';
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

  it('is what the README shows: docs/card.svg was drawn by the demo, not by hand', async () => {
    const svg = await readFile(new URL('../../docs/card.svg', import.meta.url), 'utf8');
    expect(
      await pictureProblems(svg, ['Drawn by npm run demo -- --picture', 'Published · post by @Ana', '10 replies', '@Root asked to retry X.', 'Reconnect X']),
    ).toEqual([]);
  });
});
