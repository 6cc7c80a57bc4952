/**
 * Slack mrkdwn as a reader sees it, reduced to styled runs of text: mentions become names, links
 * their labels, date tokens a date in the reader's zone, *bold* and _italic_ a style, "> " a quote.
 * Only what Greenlight's cards and receipts use; anything else is shown as typed, as Slack would.
 */
export interface Span {
  text: string;
  bold?: boolean;
  italic?: boolean;
  /** Links and mentions: Slack draws them blue. */
  link?: boolean;
  /** A status emoji drawn as a coloured glyph (the picture has no colour emoji font). */
  color?: string;
}

export interface Line {
  spans: Span[];
  quote: boolean;
}

export interface Reader {
  /** Display names by user id, as Slack shows mentions. */
  names: Record<string, string>;
  /** The reader's time zone: Slack shows date tokens and message times in it. */
  zone: string;
  /** When the picture is taken: "today" in date tokens is relative to it. */
  now: Date;
}

/** Status emoji of the card (delivery lines, "too long"), as glyphs DejaVu Sans and browsers' fonts have. */
const ICONS: Record<string, Span> = {
  '✅': { text: '✔', color: '#2bac76' },
  '❌': { text: '✘', color: '#e01e5a' },
  '🔌': { text: '●', color: '#e8912d' },
  '🕒': { text: '●', color: '#9a9a9a' },
  '📤': { text: '●', color: '#1264a3' },
  '⏭': { text: '●', color: '#9a9a9a' },
  '❓': { text: '●', color: '#e8912d' },
  '⏸': { text: '●', color: '#9a9a9a' },
  '⚠': { text: '⚠', color: '#e8912d' },
};

export function parseMrkdwn(text: string, reader: Reader): Line[] {
  return text.split('\n').map((raw) => {
    const quote = raw.startsWith('> ') || raw === '>';
    return { quote, spans: parseLine(quote ? raw.slice(2) : raw, reader) };
  });
}

/** The text a reader sees, without styles: what a check compares against the picture. */
export function plainText(text: string, reader: Reader): string {
  return parseMrkdwn(text, reader).map((l) => l.spans.map((s) => s.text).join('')).join('\n');
}

function parseLine(line: string, reader: Reader): Span[] {
  const spans: Span[] = [];
  let last = 0;
  for (const m of line.matchAll(/<([^<>]+)>/g)) {
    spans.push(...styled(line.slice(last, m.index)));
    spans.push(token(m[1]!, reader));
    last = m.index + m[0].length;
  }
  spans.push(...styled(line.slice(last)));
  return spans.filter((s) => s.text !== '');
}

/** One `<…>` token: a mention, channel, special mention, date, or link. */
function token(inner: string, reader: Reader): Span {
  const [target = '', label] = splitOnce(inner, '|');
  if (target.startsWith('@')) return { text: `@${label ?? reader.names[target.slice(1)] ?? target.slice(1)}`, link: true };
  if (target.startsWith('#')) return { text: `#${label ?? target.slice(1)}`, link: true };
  if (target.startsWith('!date^')) return { text: slackDate(target, label, reader) };
  if (target.startsWith('!')) return { text: `@${label ?? target.slice(1).split('^')[0]}`, link: true };
  return { text: unescape(label ?? target), link: true };
}

/** `!date^unix^format`: Slack's date token, with the format words Greenlight uses. */
function slackDate(target: string, fallback: string | undefined, reader: Reader): string {
  const [, unix, format = ''] = target.split('^');
  const at = new Date(Number(unix) * 1000);
  if (!Number.isFinite(at.getTime())) return fallback ?? target;
  const day = (d: Date) => new Intl.DateTimeFormat('en-CA', { timeZone: reader.zone, dateStyle: 'short' }).format(d);
  const offset = Math.round((Date.parse(day(at)) - Date.parse(day(reader.now))) / 86_400_000);
  const short = new Intl.DateTimeFormat('en-US', { timeZone: reader.zone, month: 'short', day: 'numeric', year: 'numeric' }).format(at);
  const pretty = ({ [-1]: 'yesterday', 0: 'today', 1: 'tomorrow' } as Record<number, string>)[offset] ?? short;
  return format
    .replaceAll('{date_short_pretty}', pretty)
    .replaceAll('{date_short}', short)
    .replaceAll('{time}', clock(at, reader.zone));
}

export function clock(at: Date, zone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);
}

/** Plain text between tokens: *bold*, _italic_, bare URLs (Slack links them) and status emoji. */
function styled(text: string): Span[] {
  const spans: Span[] = [];
  const pattern = /(?<=^|[\s(“"'])([*_])(\S(?:[^\n]*?\S)?)\1(?=$|[\s.,:;!?)”"'])|https?:\/\/\S+|[✅❌🔌🕒📤⏭❓⏸⚠]\uFE0F?/gu;
  let last = 0;
  for (const m of text.matchAll(pattern)) {
    spans.push({ text: unescape(text.slice(last, m.index)) });
    const icon = ICONS[m[0].replace('\uFE0F', '')];
    if (icon) spans.push({ ...icon });
    else if (m[1]) spans.push(...styled(m[2]!).map((inner) => ({ ...inner, ...(m[1] === '*' ? { bold: true } : { italic: true }) })));
    else spans.push({ text: unescape(m[0]), link: true });
    last = m.index + m[0].length;
  }
  spans.push({ text: unescape(text.slice(last)) });
  return spans;
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}

/** Slack's three escaped control characters. */
function unescape(text: string): string {
  return text.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');
}
