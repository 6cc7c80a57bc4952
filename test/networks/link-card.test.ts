import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OG_ARTICLE, startOgSite, type OgSite } from '../../emulators/og-site.ts';
import { parseCardTags, readCardImage, readPageCard } from '../../src/networks/link-card.ts';
import type { OutboundPolicy } from '../../src/networks/outbound.ts';

const emulators: OutboundPolicy = { httpsOnly: false, allowPrivate: ['127.0.0.0/8'] };
const strict: OutboundPolicy = { httpsOnly: false, allowPrivate: [] };

let site: OgSite;
beforeAll(async () => {
  site = await startOgSite();
});
afterAll(async () => {
  await site.stop();
});

const read = (path: string, extra: { timeoutMs?: number; guard?: OutboundPolicy } = {}) =>
  readPageCard(`${site.url}${path}`, { signal: new AbortController().signal, timeoutMs: extra.timeoutMs ?? 5000, guard: extra.guard ?? emulators });

describe('readPageCard against the Open Graph test site', () => {
  it('reads an Open Graph card: first tag wins, entities decoded, tag and attribute case ignored', async () => {
    const r = await read('/article');
    expect(r).toEqual({ ok: true, card: { url: `${site.url}/article`, ...OG_ARTICLE, imageUrl: `${site.url}/img/card.png` } });
  });

  it('falls back to Twitter-card tags (relative image resolved) and then to <title> and the description meta', async () => {
    expect(await read('/twitter')).toEqual({
      ok: true,
      card: { url: `${site.url}/twitter`, title: 'Only a Twitter card', description: 'Described for X.', imageUrl: `${site.url}/img/card.png` },
    });
    expect(await read('/plain')).toEqual({
      ok: true,
      card: { url: `${site.url}/plain`, title: 'A plain page', description: 'Just a page.', imageUrl: undefined },
    });
  });

  it('follows a redirect but keeps the address the author typed', async () => {
    const r = await read('/redirect');
    expect(r).toMatchObject({ ok: true, card: { url: `${site.url}/redirect`, title: OG_ARTICLE.title } });
  });

  it('says why a page gives no card: no title, 404, not HTML, redirect loop', async () => {
    expect(await read('/untitled')).toEqual({ ok: false, reason: 'the page has no title for a card' });
    expect(await read('/missing')).toEqual({ ok: false, reason: 'the page answered HTTP 404' });
    expect(await read('/pdf')).toEqual({ ok: false, reason: 'the link is not a web page (application/pdf)' });
    expect(await read('/redirect-loop')).toEqual({ ok: false, reason: 'the page redirects more than 5 times' });
  });

  it('refuses private addresses, also behind a redirect, before any byte goes there', async () => {
    const before = site.requests.length;
    const direct = await read('/article', { guard: strict });
    expect(direct).toEqual({ ok: false, reason: expect.stringContaining('points to a loopback address') });
    expect(site.requests.length).toBe(before);
    const hop = await read('/redirect-private');
    expect(hop).toEqual({ ok: false, reason: expect.stringContaining('points to a private network address') });
  });

  it('reads only the head of a huge page', async () => {
    const r = await read('/huge');
    expect(r).toMatchObject({ ok: true, card: { title: 'A very long page' } });
  });

  it('gives up on a slow page at its deadline', async () => {
    const r = await read('/slow', { timeoutMs: 300 });
    expect(r).toEqual({ ok: false, reason: 'the page did not answer within 300 ms' });
  });
});

describe('readCardImage', () => {
  const opts = { signal: new AbortController().signal, timeoutMs: 5000, guard: emulators, maxBytes: 5_000_000 };
  it('downloads the image, and says why when it cannot', async () => {
    const ok = await readCardImage(`${site.url}/img/card.png`, opts);
    expect(ok).toMatchObject({ contentType: 'image/png' });
    expect((ok as { bytes: Buffer }).bytes.equals(site.cardImage)).toBe(true);
    expect(await readCardImage(`${site.url}/img/none.png`, opts)).toEqual({ problem: expect.stringContaining('HTTP 404') });
    expect(await readCardImage(`${site.url}/img/huge.png`, opts)).toEqual({ problem: 'the image is too large' });
  });
});

describe('parseCardTags', () => {
  const base = new URL('https://blog.example/post/1');
  it('ignores tags after the head and non-web image addresses', () => {
    const tags = parseCardTags(
      '<head><meta property="og:image" content="javascript:alert(1)"><title>T</title></head><body><meta property="og:title" content="late"></body>',
      base,
    );
    expect(tags).toEqual({ title: 'T', description: '', imageUrl: undefined });
  });
  it('cuts long titles', () => {
    const tags = parseCardTags(`<meta property="og:title" content="${'a'.repeat(400)}">`, base);
    expect(tags.title).toHaveLength(300);
    expect(tags.title.endsWith('…')).toBe(true);
  });
});
