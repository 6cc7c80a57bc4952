import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../log.ts';

/**
 * Two checks Bolt does not make. Bolt refuses a signed request stamped more than 5 minutes in the past,
 * but not one stamped in the future; and with one bot token (single-workspace mode) it acts on a signed
 * payload from any team. Greenlight bounds the stamp both ways, as Discord's check does, and binds
 * single-workspace mode to the token's own team and its Enterprise Grid organization.
 */

/** How far a request's stamp may lie from now, either way (Slack's own advice for the past). */
export const MAX_SKEW_SECONDS = 5 * 60;

/** Answers 401 and returns true when the request is stamped more than 5 minutes ahead of our clock. */
export function fromTheFuture(req: IncomingMessage, res: ServerResponse, log: Logger, nowMs = Date.now()): boolean {
  const header = req.headers['x-slack-request-timestamp'];
  const stamp = Number(Array.isArray(header) ? header[0] : header);
  if (!Number.isFinite(stamp) || stamp <= nowMs / 1000 + MAX_SKEW_SECONDS) return false;
  log.warn({ aheadSeconds: Math.round(stamp - nowMs / 1000) }, 'a Slack request stamped in the future was refused');
  res.writeHead(401, { 'content-type': 'text/plain; charset=utf-8' });
  res.end('Request timestamp is too far in the future.');
  return true;
}

export interface OwnTeam {
  teamId: string;
  enterpriseId: string | undefined;
}

/** The answer someone in another workspace gets. */
export const OTHER_TEAM_TEXT =
  'This Greenlight serves one Slack workspace, and it is not this one: nothing was done. Ask your Slack admin which Greenlight your workspace uses.';

type GuardArgs = {
  context: { teamId?: string; enterpriseId?: string };
  body: { type?: string; command?: string };
  next: () => Promise<void>;
  ack?: (response?: unknown) => Promise<void>;
  respond?: (message: unknown) => Promise<unknown>;
};

/** Bolt middleware: requests from the token's own team (or its organization) pass; others get a clear ephemeral refusal. */
export function bindToOwnTeam(own: OwnTeam, log: Logger) {
  return async (args: GuardArgs): Promise<void> => {
    const { teamId, enterpriseId } = args.context;
    if (teamId === own.teamId || (own.enterpriseId !== undefined && enterpriseId === own.enterpriseId)) return args.next();
    log.warn({ teamId, enterpriseId }, 'a Slack request from another workspace was refused (single-workspace mode)');
    if (!args.ack) return;
    if (args.body.command) return args.ack({ response_type: 'ephemeral', text: OTHER_TEAM_TEXT });
    if (args.body.type === 'view_submission') return args.ack({ response_action: 'clear' });
    await args.ack();
    await args.respond?.({ response_type: 'ephemeral', replace_original: false, text: OTHER_TEAM_TEXT }).catch(() => undefined);
  };
}
