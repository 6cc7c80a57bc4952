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
