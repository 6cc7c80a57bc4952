import { parseArgs } from 'node:util';
import { listPostRows, type PostRow } from '../db/operator-views.ts';
import { POST_STATES } from '../domain/post-state.ts';
import { operatorCancelPost, operatorRetryPost } from '../workflow/operator-actions.ts';
import { workspaceIdOf } from './accounts.ts';
import { CliError, noMoreArgs, oneOf, parseLimit, parseSince, parsing, requireId, UsageError } from './args.ts';
import { show } from './post-show.ts';
import { clip, print, printJson, table, time } from './output.ts';
import { cliConfig, withRuntime } from './runtime.ts';

/** `greenlight posts list|show|retry|cancel`: posts of every workspace, and the operator's two actions on one. */
export async function run(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const commands: Record<string, (args: string[]) => Promise<number>> = { list, show, retry, cancel };
  const command = sub ? commands[sub] : undefined;
  if (!command) throw new UsageError(`${sub ? `unknown posts command "${sub}"; ` : ''}posts list | show ID | retry ID | cancel ID`);
  return command(rest);
}

async function list(args: string[]): Promise<number> {
  const { values, positionals } = parsing(() =>
    parseArgs({
      args,
      options: { state: { type: 'string' }, since: { type: 'string' }, workspace: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } },
      allowPositionals: true,
      strict: true,
    }),
  );
  noMoreArgs(positionals, 0);
  const state = oneOf(values.state, POST_STATES, '--state');
  const since = values.since === undefined ? undefined : parseSince(values.since, new Date());
  const limit = parseLimit(values.limit, 50);
  return withRuntime(cliConfig(), async (rt) => {
    const workspaceId = values.workspace ? await workspaceIdOf(rt, values.workspace) : undefined;
    const rows = await listPostRows(rt.db, { limit, ...(workspaceId ? { workspaceId } : {}), ...(state ? { state } : {}), ...(since ? { since } : {}) });
    if (values.json) printJson(rows);
    else print(rows.length ? postTable(rows) : 'no posts');
    return 0;
  });
}

function postTable(rows: PostRow[]): string {
  return table(
    ['ID', 'WORKSPACE', 'STATE', 'PUBLISH AT', 'UPDATED', 'DELIVERIES', 'TEXT'],
    rows.map((p) => [p.id, `${p.chat}:${p.workspace}`, p.state, time(p.publishAt), time(p.updatedAt), p.deliveries || '-', clip(p.text, 40)]),
  );
}

/** Re-enqueues the post's failed and needs_reconnect deliveries, each as its Retry button would. */
async function retry(args: string[]): Promise<number> {
  const postId = onePostId(args);
  return withRuntime(cliConfig(), async (rt) => {
    const results = await operatorRetryPost(await rt.deps(), rt.operator, postId);
    if (!results) throw new CliError(`there is no post ${postId}`);
    if (results.length === 0) throw new CliError('nothing to retry: no delivery of this post failed or needs a reconnect');
    for (const r of results)
      print(`${r.outcome.ok ? '✓' : '✗'} ${r.network} ${r.deliveryId}: ${r.outcome.ok ? 'queued for a new attempt' : r.outcome.message}`);
    return results.every((r) => r.outcome.ok) ? 0 : 1;
  });
}

async function cancel(args: string[]): Promise<number> {
  const postId = onePostId(args);
  return withRuntime(cliConfig(), async (rt) => {
    const outcome = await operatorCancelPost(await rt.deps(), rt.operator, postId);
    if (!outcome.ok) throw new CliError(outcome.message);
    print(`posts: ${postId} canceled; its thread says so`);
    return 0;
  });
}

function onePostId(args: string[]): string {
  const { positionals } = parsing(() => parseArgs({ args, options: {}, allowPositionals: true, strict: true }));
  noMoreArgs(positionals, 1);
  return requireId(positionals[0], 'post');
}
