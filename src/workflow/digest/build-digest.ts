import { weekDeliveries, weekFailures } from '../../db/digest-stats.ts';
import { upcomingPosts } from '../../db/queue-view.ts';
import type { Workspace } from '../../db/schema.ts';
import { digestPeriod, periodDays } from '../../domain/digest-schedule.ts';
import { barChartSvg } from './chart-svg.ts';
import { digestChart } from './digest-chart.ts';
import { summarize, type DigestSummary } from './digest-summary.ts';
import { digestText } from './digest-text.ts';
import type { WorkflowDeps } from '../deps.ts';

export interface BuiltDigest {
  text: string;
  summary: DigestSummary;
  svg: string;
  png: Buffer;
}

/** The digest due at `due` for the workspace, in its default zone: the week's numbers, the text, the chart. */
export async function buildDigest(deps: WorkflowDeps, workspace: Workspace, due: Date): Promise<BuiltDigest> {
  const zone = workspace.default_zone;
  const period = digestPeriod(due, zone);
  const days = periodDays(period, zone);
  const [rows, failures, upcoming] = await Promise.all([
    weekDeliveries(deps.db, workspace.id, period, zone),
    weekFailures(deps.db, workspace.id, period),
    upcomingPosts(deps.db, workspace.id, deps.now(), 7),
  ]);
  const summary = summarize(
    rows,
    days.map((d) => d.date),
    failures,
  );
  const text = digestText({ summary, period, zone, upcoming, upcomingTotal: upcoming.length });
  const svg = barChartSvg(digestChart(summary, days, period, zone));
  // The PNG renderer (WebAssembly and a font) is loaded on the first weekly digest, not at start.
  const { svgToPng } = await import('./chart-png.ts');
  return { text, summary, svg, png: await svgToPng(svg) };
}
