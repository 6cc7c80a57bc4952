import type { webApi } from '@slack/bolt';
import { findOrCreateWorkspace } from '../../db/workspaces.ts';
import type { Actor, Outcome, WorkflowDeps } from '../../workflow/deps.ts';

/**
 * What every Slack listener gets: the workflow. Slack calls go through the `client` Bolt hands each
 * listener, which carries the bot token of the workspace the request came from.
 */
export interface SlackEdge {
  deps: WorkflowDeps;
}

/** The Slack team becomes our workspace on first contact; the actor is the user who sent the request. */
export async function actorFor(edge: SlackEdge, teamId: string | undefined, userId: string): Promise<Actor> {
  if (!teamId) throw new Error('Slack request without a team id');
  const workspace = await findOrCreateWorkspace(edge.deps.db, 'slack', teamId);
  return { workspaceId: workspace.id, userId };
}

/** A refusal goes to the person who clicked, visible only to them, where they clicked. */
export async function tellUser(client: webApi.WebClient, where: { channelId: string | undefined; userId: string; threadTs?: string }, outcome: Outcome): Promise<void> {
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
