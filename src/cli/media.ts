import { parseArgs } from 'node:util';
import { listMedia, pruneMedia, type MediaListing, type PrunedMedia } from '../db/media-store.ts';
import { megabytes } from '../domain/media-rules.ts';
import { workspaceIdOf } from './accounts.ts';
import { noMoreArgs, parseLimit, parsing, UsageError } from './args.ts';
import { clip, print, printJson, table, time } from './output.ts';
import { cliConfig, withRuntime } from './runtime.ts';

/** `greenlight media list|prune`: the files in Greenlight's media store, and the retention rules run now. */
export async function run(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const commands: Record<string, (args: string[]) => Promise<number>> = { list, prune };
  const command = sub ? commands[sub] : undefined;
  if (!command) throw new UsageError(`${sub ? `unknown media command "${sub}"; ` : ''}media list | prune`);
  return command(rest);
}

async function list(args: string[]): Promise<number> {
  const { values, positionals } = parsing(() =>
    parseArgs({ args, options: { workspace: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } }, allowPositionals: true, strict: true }),
  );
  noMoreArgs(positionals, 0);
  const limit = parseLimit(values.limit, 100);
  return withRuntime(cliConfig(), async (rt) => {
    const workspaceId = values.workspace ? await workspaceIdOf(rt, values.workspace) : undefined;
    const rows = await listMedia(rt.db, { limit, ...(workspaceId ? { workspaceId } : {}) });
    if (values.json) printJson(rows);
    else print(rows.length ? mediaTable(rows) : 'no media');
    return 0;
  });
}

function mediaTable(rows: MediaListing[]): string {
  return table(
    ['ID', 'FILE', 'TYPE', 'SIZE', 'PIXELS', 'STATE', 'POST', 'POST STATE', 'STORED', 'ALT'],
    rows.map((m) => [
      m.id,
      clip(m.filename, 30),
      m.content_type,
      megabytes(Number(m.bytes)),
      m.width && m.height ? `${m.width}x${m.height}${m.animated ? ' animated' : ''}` : '-',
      m.state,
      m.post_id ?? '-',
      m.post_state ?? '-',
      time(m.created_at),
      m.alt ? clip(m.alt, 30) : 'no alt text',
    ]),
  );
}

/** The retention job's rules, now: media of finished posts older than MEDIA_RETENTION_DAYS (or --older-than), stale copies, abandoned files. */
async function prune(args: string[]): Promise<number> {
  const { values, positionals } = parsing(() =>
    parseArgs({
      args,
      options: { 'older-than': { type: 'string' }, 'dry-run': { type: 'boolean' }, json: { type: 'boolean' } },
      allowPositionals: true,
      strict: true,
    }),
  );
  noMoreArgs(positionals, 0);
  const config = cliConfig();
  const retentionDays = values['older-than'] === undefined ? config.media.retentionDays : parseDays(values['older-than']);
  return withRuntime(config, async (rt) => {
    const pruned = await pruneMedia(rt, { now: new Date(), retentionDays, dryRun: values['dry-run'] === true });
    if (values.json) printJson(pruned);
    else print(pruneSummary(pruned, retentionDays, values['dry-run'] === true));
    return 0;
  });
}

function parseDays(value: string): number {
  const match = /^(\d+)d?$/.exec(value);
  const days = match ? Number(match[1]) : Number.NaN;
  if (!Number.isSafeInteger(days) || days < 0) throw new UsageError(`--older-than takes a number of days such as 30 or 30d, not "${value}"`);
  return days;
}

function pruneSummary(pruned: PrunedMedia[], retentionDays: number, dryRun: boolean): string {
  const verb = dryRun ? 'would remove' : 'removed';
  if (pruned.length === 0) return `media: nothing to remove (files of published, canceled or rejected posts go after ${retentionDays} days)`;
  const bytes = pruned.reduce((sum, p) => sum + p.bytes, 0);
  const lines = pruned.map((p) => `${p.id}  ${p.filename}  ${megabytes(p.bytes)}  ${REASONS[p.reason]}`);
  return [...lines, `media: ${verb} ${pruned.length} ${pruned.length === 1 ? 'file' : 'files'}, ${megabytes(bytes)}`].join('\n');
}

const REASONS: Record<PrunedMedia['reason'], string> = {
  post_finished: 'post published, canceled or rejected',
  stale_copy: 'copy never finished',
  unattached: 'never attached to a post',
};
