import { describe, expect, it } from 'vitest';
import { cardMessage, escapeMarkdown } from '../../src/chat/discord/card-embeds.ts';
import type { CardView } from '../../src/workflow/card/card-view.ts';

const base: CardView = {
  postId: '11111111-1111-1111-1111-111111111111',
  contentHash: 'f'.repeat(64),
  state: 'in_review',
  stateLabel: 'Waiting for approval',
  authorId: '42',
  note: null,
  publishAt: new Date('2026-11-24T08:00:00Z'),
  zone: 'Europe/Berlin',
  networks: [],
  media: [],
  files: [],
  approvals: { count: 0, required: 1, approverIds: [] },
  lastComment: undefined,
  deliveries: [],
  reviewOpen: true,
  authorActionsOpen: true,
  held: [],
  holdable: [],
};

/** What Discord counts against 6000: titles, descriptions, footers, field names and values. */
const size = (embeds: Record<string, unknown>[]) =>
  embeds.reduce<number>((sum, e) => {
    const fields = (e.fields as { name: string; value: string }[] | undefined) ?? [];
    const text = [e.title, e.description, (e.footer as { text?: string } | undefined)?.text, ...fields.flatMap((f) => [f.name, f.value])];
    return sum + text.reduce<number>((n, t) => n + (typeof t === 'string' ? t.length : 0), 0);
  }, 0);

describe('cardMessage', () => {
  it('shows the time as a Discord timestamp and each network with its count', () => {
    const card = {
      ...base,
      networks: [{ network: 'x' as const, label: 'X', accountName: '@acme', parts: [{ text: 'Hello *world*', count: 13, limit: 280 }] }],
    };
    const message = cardMessage(card);
    expect(message.content).toBe('**Waiting for approval** · post by <@42> · publishes <t:1795507200:F> (<t:1795507200:R>)');
    expect(message.embeds?.[0]).toMatchObject({ title: 'X · @acme', description: 'Hello \\*world\\*', footer: { text: '13/280 characters' } });
    expect(message.allowed_mentions).toEqual({ parse: [] });
  });

  it("stays within Discord's 6000 embed characters with long texts on every network and long details", () => {
    const long = '-*_'.repeat(1333);
    const networks = (['x', 'linkedin', 'bluesky', 'mastodon', 'facebook', 'instagram', 'threads'] as const).map((network) => ({
      network,
      label: network,
      accountName: 'a'.repeat(100),
      parts: [
        { text: long, count: 3999, limit: 3000 },
        { text: long, count: 3999, limit: 3000 },
      ],
    }));
    const card = {
      ...base,
      networks,
      note: 'n'.repeat(1000),
      lastComment: { actorId: '7', kind: 'reject' as const, comment: 'c'.repeat(1000) },
      media: Array.from({ length: 20 }, (_, i) => `https://example.com/${'m'.repeat(60)}${i}`),
    };
    const embeds = cardMessage(card).embeds!;
    expect(embeds).toHaveLength(8);
    expect(size(embeds)).toBeLessThan(6000);
    for (const e of embeds) if (e.description) expect(String(e.description).length).toBeLessThanOrEqual(4096);
  });

  it('escapes markdown and mentions so the text reads as typed', () => {
    expect(escapeMarkdown('# Big <@1> [x](y) `code` ~~s~~ a-b')).toBe('\\# Big \\<@1\\> \\[x\\](y) \\`code\\` \\~\\~s\\~\\~ a\\-b');
  });
});

describe('cardMessage with images', () => {
  // The workflow signs each ready file's card link (CardFile.url); a preparing file has none.
  const linkOf = (n: number) => `https://greenlight.example/card-image/00000000-0000-4000-8000-00000000000${n}?exp=1&sig=s${n}`;
  const file = (n: number, state: 'preparing' | 'ready', alt: string | null) => ({
    mediaId: `00000000-0000-4000-8000-00000000000${n}`,
    url: state === 'ready' ? linkOf(n) : undefined,
    filename: `photo${n}.png`,
    alt,
    state,
    width: 1200,
    height: 800,
  });
  const networks = (['x', 'bluesky'] as const).map((network) => ({
    network,
    label: network,
    accountName: '@acme',
    parts: [{ text: 'Hi', count: 2, limit: 280 }],
  }));

  it('says "preparing media" and shows no image while files are copied', () => {
    const message = cardMessage({ ...base, networks, files: [file(1, 'ready', 'A cat'), file(2, 'preparing', null)] });
    const details = message.embeds!.at(-1)!;
    const field = (details.fields as { name: string; value: string }[]).find((f) => f.name.startsWith('Images'))!;
    expect(field.name).toBe('Images · ⏳ preparing media (1 of 2 ready)');
    expect(field.value).toBe('1. photo1.png (1200×800) · alt: “A cat”\n2. photo2.png (1200×800) · ⏳ preparing · ⚠️ no alt text');
    // Only the ready file is shown, on the details embed.
    expect(message.embeds).toHaveLength(3);
    expect((details.image as { url: string }).url).toBe(linkOf(1));
  });

  it('shows ready images as one gallery: embeds sharing a url, the signed card links the workflow made', () => {
    const message = cardMessage({ ...base, networks, files: [1, 2, 3].map((n) => file(n, 'ready', n === 2 ? null : `Alt ${n}`)) });
    const [, , details, second, third] = message.embeds!;
    const urls = [details, second, third].map((e) => (e!.image as { url: string }).url);
    expect(new Set(urls).size).toBe(3);
    expect([details, second, third].map((e) => e!.url)).toEqual([urls[0], urls[0], urls[0]]);
    expect(second).toEqual({ url: urls[0], image: { url: urls[1] } });
    expect(urls).toEqual([linkOf(1), linkOf(2), linkOf(3)]);
    expect(JSON.stringify(details)).toContain('2. photo2.png (1200×800) · ⚠️ no alt text');
  });

  it('keeps within ten embeds with seven networks, and shows no image without a signed link', () => {
    const seven = (['x', 'linkedin', 'bluesky', 'mastodon', 'facebook', 'instagram', 'threads'] as const).map((network) => ({ ...networks[0]!, network }));
    const many = [1, 2, 3, 4, 5].map((n) => file(n, 'ready', 'alt'));
    expect(cardMessage({ ...base, networks: seven, files: many }).embeds).toHaveLength(10);
    const without = cardMessage({ ...base, networks, files: [1, 2, 3, 4, 5].map((n) => ({ ...file(n, 'ready', 'alt'), url: undefined })) });
    expect(without.embeds).toHaveLength(3);
    expect(JSON.stringify(without.embeds)).not.toContain('/card-image/');
  });
});
