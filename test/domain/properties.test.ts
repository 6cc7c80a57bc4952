import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SocialAccount } from '../../src/db/schema.ts';
import { countCodeUnits, countForMastodon, countForThreads, countForX, countGraphemes, utf8Length } from '../../src/domain/character-count.ts';
import { contentHash } from '../../src/domain/content-hash.ts';
import { NETWORKS, type Network } from '../../src/domain/networks.ts';
import { latestPublishTime, parsePublishTime } from '../../src/domain/publish-time.ts';
import { countCharacters, validateContent } from '../../src/domain/text-rules.ts';
import { validateCompose } from '../../src/workflow/compose.ts';

// Property tests (fast-check): random and hostile input for the publish-time parser and every counter.
// Each run is seeded by fast-check and prints the seed and the shrunk counterexample when a property fails.

/** Pieces that steer random text into the interesting corners. */
const PIECES = [
  ' ',
  '\n',
  '\n---\n',
  '@',
  '＠',
  ':',
  '/',
  '//',
  '.',
  ',',
  '#',
  '-',
  '_',
  '=',
  '^',
  '?',
  '(',
  ')',
  '~',
  '!',
  'https://',
  'http://',
  'gemini://',
  'ipfs://',
  'xmpp:',
  'www.',
  'example.com',
  'mastodon.social',
  'bücher.de',
  't.co/',
  'ana',
  'al.ice',
  '日本',
  'é',
  'e\u0301',
  '👨‍👩‍👧‍👦',
  '🇩🇪',
  '❤️',
  '\u200d',
  '\u200f',
  '\u202e',
  '\u061c',
  '\ufeff',
  '\ufffe',
  '\uffff',
  '\ud800',
  '\udc00',
  '\u0661',
  '５',
  '\u00a0',
  '\u3000',
];
const LONE_SURROGATE = fc.integer({ min: 0xd800, max: 0xdfff }).map((n) => String.fromCharCode(n));
const UNIT = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...PIECES) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 3 }) },
  { weight: 1, arbitrary: LONE_SURROGATE },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 6 }) },
);
const TEXT = fc.string({ unit: UNIT, maxLength: 40 });

const COUNTERS = { countCodeUnits, countForMastodon, countForThreads, countForX, countGraphemes, utf8Length };

describe('every counter', () => {
  it('returns a non-negative integer for any text, without throwing', () => {
    fc.assert(
      fc.property(TEXT, (text) => {
        for (const counter of Object.values(COUNTERS)) {
          const n = counter(text);
          expect(Number.isInteger(n) && n >= 0).toBe(true);
        }
        for (const network of NETWORKS) {
          expect(() => validateContent(network, { text, media: [] })).not.toThrow();
        }
      }),
      { numRuns: 400 },
    );
  });

  it('never decreases when text is appended (code units, bytes, graphemes, Threads)', () => {
    fc.assert(
      fc.property(TEXT, TEXT, (text, more) => {
        for (const counter of [countCodeUnits, utf8Length, countGraphemes, countForThreads]) {
          expect(counter(text + more)).toBeGreaterThanOrEqual(counter(text));
        }
      }),
      { numRuns: 400 },
    );
  });

  // X and Mastodon shorten links, so appending to a half-typed link can shorten the count; a separate plain word
  // cannot touch what came before (after a text that is not blank), and adds exactly its own length.
  it('X and Mastodon: a space and a plain word add exactly their length', () => {
    fc.assert(
      fc.property(TEXT, fc.stringMatching(/^[a-z]{1,12}$/), (text, word) => {
        // Mastodon counts a blank text (Unicode White_Space only) as 0, whatever its length.
        fc.pre(!/^[\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$/.test(text));
        expect(countForX(`${text} ${word}`)).toBe(countForX(text) + 1 + word.length);
        expect(countForMastodon(`${text} ${word}`)).toBe(countForMastodon(text) + 1 + word.length);
      }),
      { numRuns: 400 },
    );
  });

  it('Mastodon counts at most the graphemes, plus 23 per link it shortens', () => {
    fc.assert(
      fc.property(TEXT, (text) => {
        const links = (text.match(/:\/\//g) ?? []).length;
        expect(countForMastodon(text)).toBeLessThanOrEqual(countGraphemes(text) + 23 * links);
      }),
      { numRuns: 400 },
    );
  });
});

describe('compose and publish agree', () => {
  const account = (network: Network): SocialAccount => ({ id: `acc-${network}`, network, max_characters: null }) as unknown as SocialAccount;
  const NOW = new Date('2027-03-24T10:15:00Z');

  it('a text the compose form accepts passes the check before publishing, and one it refuses does not', () => {
    fc.assert(
      fc.property(fc.constantFrom(...NETWORKS), TEXT, fc.integer({ min: 0, max: 4 }), (network, text, repeat) => {
        const long = text.repeat(repeat * 20 + 1);
        const media = ['https://example.com/a.jpg'];
        const composed = validateCompose(
          { text: long, accountIds: [`acc-${network}`], variants: {}, media, when: 'now', zone: 'Europe/Berlin', note: null },
          [account(network)],
          NOW,
        );
        // What publish-delivery.ts checks: the stored text (post.text, or the network's variant).
        const atPublish = (stored: string) => validateContent(network, { text: stored, media }, {});
        if (composed.ok) {
          expect(atPublish(composed.value.text)).toEqual([]);
        } else {
          expect(composed.errors.text).toBe(atPublish(long.trim())[0]?.message);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('the compose count and the card count are the same numbers', () => {
    fc.assert(
      fc.property(fc.constantFrom(...NETWORKS), TEXT, (network, text) => {
        const issue = validateContent(network, { text: text.trim(), media: ['m'] }).find((i) => /characters on/.test(i.message));
        const { count, limit } = countCharacters(network, text.trim());
        if (text.trim() !== '' && !text.includes('---')) expect(issue !== undefined).toBe(count > limit);
      }),
      { numRuns: 300 },
    );
  });
});

describe('the publish-time parser', () => {
  const ZONES = ['Europe/Berlin', 'America/New_York', 'Pacific/Apia', 'Australia/Lord_Howe', 'Asia/Kolkata', 'UTC'];
  const NOW = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true });
  const WORDS = [
    'now',
    'in ',
    'an ',
    'a ',
    ' d',
    ' days',
    ' minutes',
    ' h',
    ' w',
    'tomorrow ',
    'today ',
    'fri ',
    'sunday ',
    'on ',
    ' at ',
    '9am',
    '12pm',
    '02:10',
    '23:59',
    '24:00',
    'noon',
    'midnight',
    '2027-10-31 ',
    '9999-12-31',
    'T',
    'Z',
    '+14:00',
    '-',
    ':',
    '0',
    '9',
    '99999999999',
    '99999999999999999999',
    '\u0661',
    '٣',
    '５',
    '\u200f',
    '\u202e',
    '\ud800',
  ];
  const INPUT = fc.oneof(
    fc.string({ unit: fc.oneof(fc.constantFrom(...WORDS), LONE_SURROGATE, fc.string({ unit: 'binary', maxLength: 2 })), maxLength: 8 }),
    fc.bigInt({ min: 0n, max: 10n ** 30n }).chain((n) => fc.constantFrom(`in ${n} days`, `in ${n}m`, `in ${n} weeks`, `in ${n} hours`, `${n}-01-01 09:00`)),
    TEXT,
  );

  it('never throws, and every time it accepts is a real date between now and the horizon that can be hashed', () => {
    fc.assert(
      fc.property(INPUT, fc.constantFrom(...ZONES), NOW, (input, zone, now) => {
        const result = parsePublishTime(input, zone, now);
        if (!result.ok) {
          expect(result.message.length).toBeGreaterThan(0);
          return;
        }
        const at = result.at.getTime();
        expect(Number.isFinite(at)).toBe(true);
        expect(at).toBeGreaterThanOrEqual(now.getTime() - 60_000);
        expect(at).toBeLessThanOrEqual(latestPublishTime(now, zone).getTime());
        expect(() => contentHash({ texts: { x: 'a' }, media: [], publishAt: result.at })).not.toThrow();
      }),
      { numRuns: 1000 },
    );
  });

  it('a bare clock time is always its next occurrence: within a day and never in the past', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }), fc.constantFrom(...ZONES), NOW, (h, m, zone, now) => {
        const result = parsePublishTime(`${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`, zone, now);
        if (!result.ok) {
          expect(result.message).toMatch(/does not exist|happens twice/);
          return;
        }
        expect(result.at.getTime()).toBeGreaterThanOrEqual(now.getTime() - 60_000);
        // 25 hours: the longest day (a fall-back day) plus nothing more. Samoa's skipped day is the one exception.
        if (zone !== 'Pacific/Apia') expect(result.at.getTime() - now.getTime()).toBeLessThanOrEqual(25 * 3_600_000);
      }),
      { numRuns: 1000 },
    );
  });
});
