import { parseArgs } from 'node:util';
import { listPostEvents } from '../db/events.ts';
import { listDeliveryRows } from '../db/operator-views.ts';
import { findPost, loadPostContent } from '../db/posts.ts';
import type { DeliveryError } from '../db/schema.ts';
import { findWorkspace } from '../db/workspaces.ts';
import { CliError, noMoreArgs, parsing, requireId } from './args.ts';
import { clip, print, printJson, table, time } from './output.ts';
import { cliConfig, withRuntime, type Runtime } from './runtime.ts';

/** `greenlight posts show ID [--json]`: the post, its deliveries with their errors and thread parts, and its event timeline. */
export async function show(args: string[]): Promise<number> {
  const { values, positionals } = parsing(() => parseArgs({ args, options: { json: { type: 'boolean' } }, allowPositionals: true, strict: true }));
  noMoreArgs(positionals, 1);
  const postId = requireId(positionals[0], 'post');
  return withRuntime(cliConfig(), async (rt) => {
    const view = await loadView(rt, postId);
    if (values.json) printJson(view);
    else print(render(view));
    return 0;
  });
}

type View = Awaited<ReturnType<typeof loadView>>;

async function loadView(rt: Runtime, postId: string) {
  const post = await findPost(rt.db, postId);
  if (!post) throw new CliError(`there is no post ${postId}`);
  const [workspace, content, deliveries, events] = await Promise.all([
    findWorkspace(rt.db, post.workspace_id),
    loadPostContent(rt.db, post.id),
    listDeliveryRows(rt.db, post.id),
    listPostEvents(rt.db, post.id),
  ]);
  return {
    post: {
      id: post.id,
      state: post.state,
      workspace: workspace ? `${workspace.chat}:${workspace.external_id}` : post.workspace_id,
      author: post.author_id,
      publishAt: post.publish_at,
      zone: post.zone,
      version: post.version,
      createdAt: post.created_at,
      updatedAt: post.updated_at,
      text: post.text,
      note: post.note,
    },
    variants: content.variants,
    media: content.media,
    deliveries,
    events: events.map((e) => ({ at: e.created_at, kind: e.kind, actor: e.actor, network: e.data.network ?? null, data: e.data })),
  };
}

function render(v: View): string {
  const p = v.post;
  const lines = [
    `post        ${p.id}`,
    `workspace   ${p.workspace}`,
    `state       ${p.state}`,
    `author      ${p.author}`,
    `publish at  ${time(p.publishAt)} (${p.zone})`,
    `created     ${time(p.createdAt)}   updated ${time(p.updatedAt)}   version ${p.version}`,
    ...(p.note ? [`note        ${p.note}`] : []),
    'text',
    ...p.text.split('\n').map((l) => `  ${l}`),
    ...Object.entries(v.variants).map(([network, text]) => `variant ${network}: ${clip(text, 100)}`),
    ...v.media.map((m) => `media       ${m.url}${m.alt ? ` (alt: ${clip(m.alt, 40)})` : ''}`),
    '',
    'deliveries',
    v.deliveries.length ? indent(deliveryTable(v.deliveries)) : '  none yet',
    '',
    'events',
    v.events.length
      ? indent(
          table(
            ['AT', 'EVENT', 'BY', 'DETAIL'],
            v.events.map((e) => [time(e.at), e.kind, e.actor ?? '-', summary(e.data)]),
          ),
        )
      : '  none',
  ];
  return lines.join('\n');
}

function deliveryTable(rows: View['deliveries']): string {
  const body: string[][] = [];
  for (const d of rows) {
    body.push([d.network, d.account, d.state, String(d.attempts), time(d.dueAt), d.url ?? errorSummary(d.lastError) ?? '-']);
    const parts = d.parts ?? [];
    if (parts.length > 1) for (const part of parts) body.push(['', '', '', '', '', `part ${part.position + 1}: ${part.url}`]);
  }
  return table(['NETWORK', 'ACCOUNT', 'STATE', 'ATTEMPTS', 'DUE', 'LINK / LAST ERROR'], body);
}

function errorSummary(error: DeliveryError | null): string | undefined {
  if (!error) return undefined;
  const words = error.networkMessage && !error.message.includes(error.networkMessage) ? ` (${error.networkMessage})` : '';
  return `${error.class}${error.status ? ` ${error.status}` : ''}: ${clip(error.message, 100)}${words}${error.requestId ? ` [request ${error.requestId}]` : ''}`;
}

/** The event's facts in one short line (reasons, links, times), never the whole object. */
function summary(data: Record<string, unknown>): string {
  const facts = Object.entries(data)
    .filter(([, value]) => ['string', 'number', 'boolean'].includes(typeof value))
    .map(([key, value]) => `${key}=${String(value)}`);
  return clip(facts.join(' '), 100) || '-';
}

const indent = (text: string) =>
  text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
