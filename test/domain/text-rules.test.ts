import { describe, expect, it } from 'vitest';
import { NETWORKS } from '../../src/domain/networks.ts';
import { NETWORK_RULES, countCharacters, validateContent } from '../../src/domain/text-rules.ts';

const FAMILY = '👨‍👩‍👧‍👦'; // four people joined by zero-width joiners: one grapheme
const E_COMBINING = 'e\u0301'; // e + combining acute accent
const LONG_URL = `https://example.com/${'path/'.repeat(20)}`;

const count = (network: Parameters<typeof countCharacters>[0], text: string) => countCharacters(network, text).count;

describe('X weighted count', () => {
  it.each([
    ['plain ASCII', 'hello', 5],
    ['an emoji', '😀', 2],
    ['a ZWJ family', FAMILY, 2],
    ['CJK characters', '世界', 4],
    ['a combining mark (normalised)', E_COMBINING, 1],
    ['a long URL', LONG_URL, 23],
    ['a URL without scheme', 'see example.com', 27],
  ])('%s', (_name, text, expected) => {
    expect(count('x', text)).toBe(expected);
  });

  it('allows exactly 280 and refuses 281', () => {
    expect(validateContent('x', { text: 'a'.repeat(280), media: [] })).toEqual([]);
    expect(validateContent('x', { text: 'a'.repeat(281), media: [] })).toEqual([{ field: 'text', message: 'The text is 281/280 characters on X.' }]);
  });

  it('counts 141 CJK characters as 282', () => {
    expect(countCharacters('x', '世'.repeat(141))).toEqual({ count: 282, limit: 280 });
    expect(validateContent('x', { text: '世'.repeat(140), media: [] })).toEqual([]);
  });
});

describe('Bluesky graphemes', () => {
  it.each([
    ['a ZWJ family', FAMILY, 1],
    ['a combining mark', E_COMBINING, 1],
    ['stacked combining marks', 'a\u0301\u0302\u0303', 1],
    ['a flag', '🇩🇪', 1],
    ['an emoji with skin tone', '👍🏽', 1],
    ['CJK', '世界', 2],
    ['a URL, counted in full', 'https://example.com/abc', 23],
  ])('%s', (_name, text, expected) => {
    expect(count('bluesky', text)).toBe(expected);
  });

  it('allows 300 graphemes and refuses 301', () => {
    const text = 'é'.repeat(300);
    expect(validateContent('bluesky', { text, media: [] })).toEqual([]);
    expect(validateContent('bluesky', { text: text + 'a', media: [] })[0]?.message).toBe('The text is 301/300 characters on Bluesky.');
  });

  // The post lexicon also caps the text at 3,000 UTF-8 bytes (bluesky-social/atproto
  // lexicons/app/bsky/feed/post.json: maxLength 3000, maxGraphemes 300). A ZWJ family is one grapheme of 25 bytes.
  it('refuses 300 family emoji (7,500 bytes), which pass the grapheme check', () => {
    expect(validateContent('bluesky', { text: FAMILY.repeat(120), media: [] })).toEqual([]);
    expect(validateContent('bluesky', { text: FAMILY.repeat(121), media: [] })).toEqual([
      {
        field: 'text',
        message: 'The text is 3025/3000 bytes on Bluesky, which also limits the size in UTF-8 (an emoji takes 4 bytes or more).',
      },
    ]);
    expect(validateContent('bluesky', { text: FAMILY.repeat(300), media: [] }).map((issue) => issue.message)).toEqual([
      'The text is 7500/3000 bytes on Bluesky, which also limits the size in UTF-8 (an emoji takes 4 bytes or more).',
    ]);
  });
});

describe('Mastodon', () => {
  it('counts every http(s) URL as 23 characters', () => {
    expect(count('mastodon', LONG_URL)).toBe(23);
    expect(count('mastodon', `a ${LONG_URL} b http://x.io`)).toBe(2 + 23 + 3 + 23);
  });

  it('counts a URL without scheme as plain text', () => {
    expect(count('mastodon', 'example.com')).toBe(11);
  });

  it('counts a remote mention without its domain', () => {
    expect(count('mastodon', 'hi @ana@mastodon.social!')).toBe('hi @ana!'.length);
  });

  it('counts graphemes', () => {
    expect(count('mastodon', `${FAMILY}${E_COMBINING}`)).toBe(2);
  });

  it('uses the instance limit when given', () => {
    const text = 'a'.repeat(600);
    expect(countCharacters('mastodon', text, { limit: 1000 })).toEqual({ count: 600, limit: 1000 });
    expect(validateContent('mastodon', { text, media: [] }, { limit: 1000 })).toEqual([]);
    expect(validateContent('mastodon', { text, media: [] })).toHaveLength(1);
  });
});

describe('other networks', () => {
  it('Threads counts an emoji as its UTF-8 bytes', () => {
    expect(count('threads', 'hi 😀')).toBe(3 + 4);
    expect(count('threads', '❤️')).toBe(6);
    expect(count('threads', '🇩🇪')).toBe(8);
    expect(count('threads', 'héllo')).toBe(5);
  });

  it.each(['linkedin', 'facebook', 'instagram'] as const)('%s counts UTF-16 code units', (network) => {
    expect(count(network, 'a😀')).toBe(3);
  });

  it.each([
    ['x', 280],
    ['linkedin', 3000],
    ['bluesky', 300],
    ['mastodon', 500],
    ['facebook', 63206],
    ['instagram', 2200],
    ['threads', 500],
  ] as const)('%s allows %i characters', (network, limit) => {
    expect(countCharacters(network, '').limit).toBe(limit);
    expect(validateContent(network, { text: 'a'.repeat(limit), media: ['m'] })).toEqual([]);
    expect(validateContent(network, { text: 'a'.repeat(limit + 1), media: ['m'] })).toHaveLength(1);
  });
});

describe('validateContent', () => {
  it('names the thread part that is too long', () => {
    const text = ['short', 'a'.repeat(301), 'also short'].join('\n---\n');
    expect(validateContent('x', { text, media: [] })).toEqual([{ field: 'text', message: 'Part 2 of 3 is 301/280 characters on X.' }]);
  });

  it('reports every part that is too long', () => {
    const text = `${'a'.repeat(301)}\n---\n${'b'.repeat(302)}`;
    expect(validateContent('bluesky', { text, media: [] }).map((i) => i.message)).toEqual([
      'Part 1 of 2 is 301/300 characters on Bluesky.',
      'Part 2 of 2 is 302/300 characters on Bluesky.',
    ]);
  });

  it.each(NETWORKS.filter((n) => NETWORK_RULES[n].threads))('accepts a thread on %s', (network) => {
    expect(validateContent(network, { text: 'One\n---\nTwo', media: [] })).toEqual([]);
  });

  it.each(NETWORKS.filter((n) => !NETWORK_RULES[n].threads))('refuses a thread on %s', (network) => {
    const issues = validateContent(network, { text: 'One\n---\nTwo', media: ['m'] });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ field: 'text', message: expect.stringContaining('does not support threads') });
  });

  it.each(NETWORKS)('refuses empty text on %s', (network) => {
    expect(validateContent(network, { text: ' \n---\n ', media: ['m'] })).toContainEqual({
      field: 'text',
      message: expect.stringContaining('Write some text'),
    });
  });

  it('needs media on Instagram only', () => {
    expect(validateContent('instagram', { text: 'Hi', media: [] })).toEqual([{ field: 'media', message: 'Instagram needs at least one image or video.' }]);
    expect(validateContent('linkedin', { text: 'Hi', media: [] })).toEqual([]);
  });

  it('refuses more media than the network allows', () => {
    expect(validateContent('x', { text: 'Hi', media: ['1', '2', '3', '4'] })).toEqual([]);
    expect(validateContent('x', { text: 'Hi', media: ['1', '2', '3', '4', '5'] })).toEqual([
      { field: 'media', message: 'X allows at most 4 images or videos; this post has 5.' },
    ]);
  });

  it('reports text and media problems together', () => {
    const issues = validateContent('instagram', { text: '', media: [] });
    expect(issues.map((i) => i.field)).toEqual(['text', 'media']);
  });
});

// Expected values follow Mastodon's server: app/validators/status_length_validator.rb, app/lib/extractor.rb,
// app/models/account.rb (MENTION_RE) and config/initializers/twitter_regex.rb (its URL rules), worked by hand.
describe('Mastodon, exactly as its server counts', () => {
  it.each([
    // Links: Mastodon's own path and query rules.
    ['a non-ASCII path', 'https://example.com/日本語', 23],
    ['an IDN host with a non-ASCII path', 'https://ドメイン名例.jp/パス', 23],
    ['^ in the query', 'https://example.com/?a=b^c', 23],
    ['Unicode in the query', 'https://example.com/?q=日本', 23],
    ['^ and braces in the path', 'https://example.com/a^b{c}', 23],
    ['a trailing = is not part of the link', 'https://example.com/a=', 24],
    ['a trailing full stop is not part of the link', 'see https://example.com/foo.', 4 + 23 + 1],
    ['a gemini link', 'gemini://example.com/a/long/path', 23],
    ['an ipfs link', 'ipfs://example.com/abcdefghijklmnop', 23],
    ['an upper-case scheme', 'HTTPS://EXAMPLE.COM/ABCDEFGHIJKLMNOPQRSTUVWXYZ', 23],
    ['an xmpp URI is plain text', 'xmpp:someone@example.com', 24],
    // Mentions: Account::MENTION_RE.
    ['a username with a dot', '@alice.b@mastodon.social', '@alice.b'.length],
    ['a username with a dash', '@al-ice@mastodon.social', '@al-ice'.length],
    ['an IDN instance domain', '@ana@bücher.de', '@ana'.length],
    ['a mention glued to a letter is text', 'é@ana@mastodon.social', 21],
    ['a mention after = is text', '=@ana@mastodon.social', 21],
    ['a mention followed by @ is text', '@ana@mastodon.social@x', 22],
    ['a mention followed by a scheme is text', '@ana@https://example.com/long/path', 34],
    // The link stays a link; the mention that runs into it is not a mention.
    ['a link is not swallowed by a mention', '@ana@example.social.https://x.com/y', '@ana@example.social.'.length + 23],
    ['blank text counts nothing', '   ', 0],
  ])('%s', (_name, text, expected) => {
    expect(count('mastodon', text)).toBe(expected);
  });

  it('refuses at compose what the server would refuse', () => {
    // 480 characters and a mention Mastodon does not shorten: 480 + 21 = 501.
    const text = `${'a'.repeat(479)} é@ana@mastodon.social`;
    expect(validateContent('mastodon', { text, media: [] })).toEqual([{ field: 'text', message: 'The text is 501/500 characters on Mastodon.' }]);
  });
});

describe('rules beyond the length', () => {
  it('X refuses the characters twitter-text calls invalid', () => {
    expect(validateContent('x', { text: 'hello\uFFFE', media: [] })).toEqual([
      { field: 'text', message: 'The text contains U+FFFE, which X does not accept. Remove it.' },
    ]);
    expect(validateContent('x', { text: 'a\uFFFFb\uFFFF', media: [] })[0]?.message).toBe('The text contains U+FFFF, which X does not accept. Remove it.');
    expect(validateContent('x', { text: 'hello', media: [] })).toEqual([]);
  });

  it('Threads refuses more than 5 different links', () => {
    const links = (n: number) => Array.from({ length: n }, (_, i) => `https://example.com/${i}`).join(' ');
    expect(validateContent('threads', { text: links(5), media: [] })).toEqual([]);
    expect(validateContent('threads', { text: `${links(5)} https://example.com/0`, media: [] })).toEqual([]);
    expect(validateContent('threads', { text: `${links(5)} www.threads.com`, media: [] })).toEqual([
      { field: 'text', message: 'The text has 6 different links; Threads allows at most 5.' },
    ]);
  });

  it('Instagram refuses more than 30 hashtags or 20 @mentions', () => {
    const tags = (n: number) => Array.from({ length: n }, (_, i) => `#tag${i}`).join(' ');
    const mentions = (n: number) => Array.from({ length: n }, (_, i) => `@user${i}`).join(' ');
    expect(validateContent('instagram', { text: `${tags(30)} ${mentions(20)}`, media: ['m'] })).toEqual([]);
    expect(validateContent('instagram', { text: `${tags(31)} ${mentions(21)}`, media: ['m'] })).toEqual([
      { field: 'text', message: 'The text has 31 hashtags; Instagram allows at most 30.' },
      { field: 'text', message: 'The text has 21 @mentions; Instagram allows at most 20.' },
    ]);
  });
});
