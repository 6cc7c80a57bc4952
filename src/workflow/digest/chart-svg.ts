import type { Network } from '../../domain/networks.ts';

/**
 * A grouped bar chart as SVG, laid out by hand (no DOM, no browser): one group per category (day),
 * one bar per series (network), a y axis with round ticks and grid lines, axis titles and a legend.
 * Text uses one font family, which the rasteriser is given (chart-png.ts), so it renders the same on
 * every server.
 */

export const CHART_WIDTH = 960;
export const CHART_HEIGHT = 480;
export const CHART_FONT = 'DejaVu Sans';

/** A fixed colour per network, so a network looks the same every week. */
export const NETWORK_COLORS: Record<Network, string> = {
  x: '#222222',
  linkedin: '#0A66C2',
  bluesky: '#56B4E9',
  mastodon: '#6364FF',
  facebook: '#E69F00',
  instagram: '#CC79A7',
  threads: '#009E73',
  webhook: '#D55E00',
};

export interface BarChart {
  title: string;
  subtitle: string;
  xTitle: string;
  yTitle: string;
  categories: string[];
  series: { label: string; color: string; values: number[] }[];
  /** Shown across the plot when every value is zero. */
  emptyNote: string;
}

/** The plot area inside the axes (tests find bars and legend swatches by it). */
export const CHART_PLOT = { left: 84, right: CHART_WIDTH - 190, top: 76, bottom: CHART_HEIGHT - 72 };

export function barChartSvg(chart: BarChart): string {
  const max = Math.max(0, ...chart.series.flatMap((s) => s.values));
  const ticks = niceTicks(max);
  const top = ticks[ticks.length - 1]!;
  const y = (value: number) => CHART_PLOT.bottom - (value / top) * (CHART_PLOT.bottom - CHART_PLOT.top);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${CHART_WIDTH}" height="${CHART_HEIGHT}" viewBox="0 0 ${CHART_WIDTH} ${CHART_HEIGHT}" font-family="${CHART_FONT}">`,
    `<rect width="${CHART_WIDTH}" height="${CHART_HEIGHT}" fill="#ffffff"/>`,
    text(24, 34, chart.title, { size: 20, weight: 'bold' }),
    text(24, 56, chart.subtitle, { size: 13, fill: '#555555' }),
    ...ticks.flatMap((t) => [
      line(CHART_PLOT.left, y(t), CHART_PLOT.right, y(t), t === 0 ? '#444444' : '#e3e3e3'),
      text(CHART_PLOT.left - 10, y(t) + 4, formatTick(t), { size: 12, anchor: 'end', fill: '#444444' }),
    ]),
    line(CHART_PLOT.left, CHART_PLOT.top, CHART_PLOT.left, CHART_PLOT.bottom, '#444444'),
    ...bars(chart, y),
    ...chart.categories.map((c, i) =>
      text(groupCenter(i, chart.categories.length), CHART_PLOT.bottom + 22, c, { size: 12, anchor: 'middle', fill: '#333333' }),
    ),
    text((CHART_PLOT.left + CHART_PLOT.right) / 2, CHART_HEIGHT - 18, chart.xTitle, { size: 13, anchor: 'middle', fill: '#333333' }),
    `<text x="0" y="0" transform="translate(26 ${(CHART_PLOT.top + CHART_PLOT.bottom) / 2}) rotate(-90)" font-size="13" text-anchor="middle" fill="#333333">${escapeXml(chart.yTitle)}</text>`,
    ...legend(chart),
    ...(max === 0
      ? [
          text((CHART_PLOT.left + CHART_PLOT.right) / 2, (CHART_PLOT.top + CHART_PLOT.bottom) / 2, chart.emptyNote, {
            size: 16,
            anchor: 'middle',
            fill: '#777777',
          }),
        ]
      : []),
    '</svg>',
  ].join('\n');
}

/** Round ticks from 0 covering `max`: whole steps of 1, 2 or 5 × 10^k, at most six ticks. */
export function niceTicks(max: number): number[] {
  if (max <= 0) return [0, 1, 2, 3, 4, 5];
  const magnitude = 10 ** Math.floor(Math.log10(max));
  // Whole steps only (counts); 10 × magnitude always fits, as max < 10^(k+1).
  const step = [0.1, 0.2, 0.5, 1, 2, 5, 10].map((m) => Math.round(m * magnitude)).find((s) => s >= 1 && Math.ceil(max / s) <= 5)!;
  return Array.from({ length: Math.ceil(max / step) + 1 }, (_, i) => i * step);
}

function bars(chart: BarChart, y: (v: number) => number): string[] {
  const groups = chart.categories.length;
  const groupWidth = (CHART_PLOT.right - CHART_PLOT.left) / groups;
  const barWidth = (groupWidth * 0.76) / Math.max(1, chart.series.length);
  return chart.series.flatMap((s, si) =>
    s.values.flatMap((value, gi) => {
      if (value <= 0) return [];
      const x = CHART_PLOT.left + gi * groupWidth + groupWidth * 0.12 + si * barWidth;
      const rect = `<rect x="${f(x)}" y="${f(y(value))}" width="${f(barWidth - 1)}" height="${f(CHART_PLOT.bottom - y(value))}" fill="${s.color}"/>`;
      return barWidth >= 16 ? [rect, text(x + barWidth / 2, y(value) - 4, formatTick(value), { size: 10, anchor: 'middle', fill: '#333333' })] : [rect];
    }),
  );
}

function legend(chart: BarChart): string[] {
  const x = CHART_PLOT.right + 28;
  return chart.series.flatMap((s, i) => {
    const top = CHART_PLOT.top + i * 26;
    return [`<rect x="${x}" y="${top}" width="16" height="16" rx="2" fill="${s.color}"/>`, text(x + 24, top + 13, s.label, { size: 14, fill: '#222222' })];
  });
}

const groupCenter = (i: number, groups: number) => CHART_PLOT.left + ((i + 0.5) * (CHART_PLOT.right - CHART_PLOT.left)) / groups;

function text(x: number, y: number, content: string, o: { size: number; weight?: string; anchor?: string; fill?: string }): string {
  return `<text x="${f(x)}" y="${f(y)}" font-size="${o.size}"${o.weight ? ` font-weight="${o.weight}"` : ''}${o.anchor ? ` text-anchor="${o.anchor}"` : ''} fill="${o.fill ?? '#111111'}">${escapeXml(content)}</text>`;
}

function line(x1: number, y1: number, x2: number, y2: number, stroke: string): string {
  return `<line x1="${f(x1)}" y1="${f(y1)}" x2="${f(x2)}" y2="${f(y2)}" stroke="${stroke}" stroke-width="1"/>`;
}

function formatTick(value: number): string {
  return value >= 10_000 ? `${Number((value / 1000).toPrecision(3))}k` : value.toLocaleString('en-US');
}

const f = (n: number) => n.toFixed(1);

export function escapeXml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}
