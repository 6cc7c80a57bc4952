import type {
  AllMiddlewareArgs,
  BlockAction,
  BlockButtonAction,
  SlackActionMiddlewareArgs,
  SlackCommandMiddlewareArgs,
  SlackShortcutMiddlewareArgs,
  SlackViewMiddlewareArgs,
  ViewSubmitAction,
  webApi,
} from '@slack/bolt';
import { findOrCreateWorkspace } from '../../db/workspaces.ts';
import type { Actor } from '../../workflow/actor.ts';
import type { WorkflowDeps } from '../../workflow/deps.ts';
import type { Outcome } from '../../workflow/outcome.ts';
import { decodeArgs, FORGED_ACTION } from '../../workflow/chat-actions.ts';

/**
 * What every Slack listener gets: the workflow. Slack calls go through the `client` Bolt hands each
 * listener, which carries the bot token of the workspace the request came from.
 */
export interface SlackEdge {
  deps: WorkflowDeps;
}

/** A listener in the handler table (handlers.ts): the edge, then what Bolt hands it. */
export type ActionHandler<A extends BlockAction = BlockButtonAction> = (
  edge: SlackEdge,
  args: SlackActionMiddlewareArgs<A> & AllMiddlewareArgs,
) => Promise<void>;
export type ViewHandler = (edge: SlackEdge, args: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs) => Promise<void>;
export type ShortcutHandler = (edge: SlackEdge, args: SlackShortcutMiddlewareArgs & AllMiddlewareArgs) => Promise<void>;
export type CommandHandler = (edge: SlackEdge, args: SlackCommandMiddlewareArgs & AllMiddlewareArgs) => Promise<void>;

/** The workspace (team) a request came from, and the Enterprise Grid organization it belongs to, if any. */
export interface RequestTeam {
  teamId: string | undefined;
  enterpriseId: string | undefined;
}

type RequestBody = {
  team_id?: string;
  enterprise_id?: string | null;
  team?: { id?: string; enterprise_id?: string } | null;
  enterprise?: { id?: string } | null;
  user?: { team_id?: string } | string;
};

/**
 * Commands and events name them at the top (`team_id`, `enterprise_id`); clicks and form submissions
 * in `team` and `enterprise` (`team` is null on some org-wide payloads: then the user's own team).
 */
export function requestTeam(body: RequestBody): RequestTeam {
  const userTeam = typeof body.user === 'object' ? body.user.team_id : undefined;
  return {
    teamId: body.team?.id ?? body.team_id ?? userTeam,
    enterpriseId: body.enterprise?.id ?? body.team?.enterprise_id ?? body.enterprise_id ?? undefined,
  };
}

/**
 * The Slack team becomes our workspace on first contact; the actor is the user who sent the request.
 * The team's organization is kept with it: background jobs find an org-wide install's token by it.
 */
export async function actorFor(edge: SlackEdge, team: RequestTeam, userId: string): Promise<Actor> {
  if (!team.teamId) throw new Error('Slack request without a team id');
  const workspace = await findOrCreateWorkspace(edge.deps.db, 'slack', team.teamId, { enterpriseId: team.enterpriseId });
  return { workspaceId: workspace.id, userId };
}

/** A refusal goes to the person who clicked, visible only to them, where they clicked. */
export async function tellUser(
  client: webApi.WebClient,
  where: { channelId: string | undefined; userId: string; threadTs?: string },
  outcome: Outcome,
): Promise<void> {
  if (!outcome.message || !where.channelId) return;
  await client.chat.postEphemeral({
    channel: where.channelId,
    user: where.userId,
    text: outcome.ok ? outcome.message : `⚠️ ${outcome.message}`,
    ...(where.threadTs ? { thread_ts: where.threadTs } : {}),
  });
}

/** The user's IANA zone from their Slack profile; the workspace default when Slack has none. */
export async function userZone(client: webApi.WebClient, userId: string, fallback: string): Promise<string> {
  const info = await client.users.info({ user: userId });
  return info.user?.tz ?? fallback;
}

/**
 * A button's arguments (workflow/chat-actions.ts), validated as on Discord; a value Greenlight did not
 * write is refused to the person who clicked, and undefined is returned.
 */
export async function buttonArgs(
  client: webApi.WebClient,
  where: { channelId: string | undefined; userId: string; threadTs?: string },
  value: string | undefined,
  networksFrom?: number,
): Promise<string[] | undefined> {
  const args = decodeArgs(value, networksFrom);
  if (!args) await tellUser(client, where, { ok: false, message: FORGED_ACTION });
  return args;
}
