import { App, ErrorCode, HTTPReceiver } from '@slack/bolt';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../../config/load.ts';
import type { TokenCipher } from '../../crypto/token-cipher.ts';
import type { Db } from '../../db/database.ts';
import { firstSighting } from '../../db/workspaces.ts';
import { SECURITY_HEADERS } from '../../http/page.ts';
import type { Mount } from '../../http/server.ts';
import { inRequest, type Logger } from '../../log.ts';
import type { Metrics } from '../../metrics.ts';
import type { WorkflowDeps } from '../../workflow/deps.ts';
import { boltLogger } from './bolt-logger.ts';
import type { SlackEdge } from './edge-context.ts';
import { KNOWN_ACTIONS, registerHandlers } from './handlers.ts';
import { registerAppHomeOpened } from './listeners/app-home.ts';
import { registerUninstall } from './listeners/uninstall.ts';
import { createInstallationStore } from './installation-store.ts';
import { tellNotInstalled } from './not-installed.ts';
import { oauthReceiverOptions } from './oauth-install.ts';
import { bindToOwnTeam, fromTheFuture, type OwnTeam } from './request-guards.ts';
import { createSlackChatPort } from './slack-chat-port.ts';
import { createSlackFileSource } from './slack-files.ts';
import { installedClients, singleTokenClients } from './workspace-clients.ts';

type SlackConfig = NonNullable<Config['slack']>;

/** Largest request body accepted on /slack/events; Slack's own payloads are far smaller. */
const BODY_LIMIT_BYTES = 256 * 1024;

/** What the Slack edge needs from the service: OAuth installs keep their tokens in our database. */
export interface SlackEdgeContext {
  log: Logger;
  metrics: Metrics;
  db: Db;
  cipher: TokenCipher;
  publicUrl: string;
  stateSecret: string | undefined;
}

/**
 * The Slack edge: Bolt in HTTP mode (mounted on our server at /slack/events) or Socket Mode, with one
 * bot token, or with OAuth installs (HTTP mode; /slack/install and /slack/oauth_redirect beside
 * /slack/events) where Bolt's authorize finds each workspace's token in our installation store. Built
 * in two steps because the workflow needs the chat port before the listeners need the workflow.
 */
export async function createSlackEdge(config: SlackConfig, ctx: SlackEdgeContext) {
  const slackLog = ctx.log.child({ chat: 'slack' });
  const logger = boltLogger(slackLog);
  const clientOptions = { slackApiUrl: config.apiUrl, retryConfig: { retries: 2, factor: 2, minTimeout: 500, maxTimeout: 5_000 } };
  const store = config.mode === 'oauth' ? createInstallationStore(ctx.db, ctx.cipher, slackLog) : undefined;
  const oauth =
    config.mode === 'oauth' ? oauthReceiverOptions(config, store!, ctx.publicUrl, config.stateSecret ?? requireStateSecret(ctx.stateSecret), slackLog) : {};
  const receiver =
    config.mode !== 'socket'
      ? new HTTPReceiver({
          signingSecret: config.signingSecret,
          endpoints: '/slack/events',
          processBeforeResponse: false,
          bodyLimit: BODY_LIMIT_BYTES,
          logger,
          unhandledRequestTimeoutMillis: 3001,
          unhandledRequestHandler: unacknowledged(slackLog),
          ...oauth,
        })
      : undefined;
  const app = new App({
    ...(config.mode === 'oauth' ? {} : { token: config.botToken }),
    logger,
    clientOptions,
    deferInitialization: true,
    extendedErrorHandler: true,
    ...(config.mode === 'socket' ? { socketMode: true, appToken: config.appToken } : { receiver: receiver! }),
  });
  try {
    await app.init();
  } catch (error) {
    throw new Error(`Slack refused the bot token (auth.test): ${error instanceof Error ? error.message : String(error)}. Check SLACK_BOT_TOKEN.`, {
      cause: error,
    });
  }
  // One bot token: only its own team (and organization) is served (multi-workspace mode checks installs).
  const own = config.mode === 'oauth' ? undefined : await ownTeam(app, config.botToken);
  const clients = receiver?.installer
    ? installedClients((source) => receiver.installer!.authorize(source), { ...clientOptions, logger })
    : singleTokenClients(app.client);

  return {
    port: (db: WorkflowDeps['db']) => createSlackChatPort(clients, db),
    /** Files people attach in Slack, read with the workspace's bot token (src/chat/slack/slack-files.ts). */
    files: (db: WorkflowDeps['db'], maxFileBytes: number) => createSlackFileSource(clients, db, { apiUrl: config.apiUrl, maxFileBytes }),
    async start(deps: WorkflowDeps): Promise<{ mounts: Mount[]; stop: () => Promise<void> }> {
      const edge: SlackEdge = { deps };
      // Socket Mode has no HTTP request: each event is a request of its own (HTTP keeps the server's id).
      app.use(({ next }) => inRequest(next));
      if (own) app.use(bindToOwnTeam(own, slackLog) as never);
      app.use(acknowledgeFirst);
      app.use(dedupe(deps, slackLog));
      app.use(acknowledgeUnknownActions(slackLog));
      registerHandlers(app, edge);
      registerAppHomeOpened(app, edge);
      if (store) registerUninstall(app, store);
      app.error(async ({ error, body }: { error: { code?: string }; body: unknown }) => {
        if (store && error.code === ErrorCode.AuthorizationError) return tellNotInstalled(body, ctx.publicUrl, slackLog);
        slackLog.error({ err: error }, 'a Slack listener failed');
      });
      if (!receiver) {
        await app.start();
        slackLog.info('Slack connected in Socket Mode');
        return { mounts: [], stop: () => app.stop() as Promise<void> };
      }
      const listener = receiver.requestListener;
      const timed = (req: IncomingMessage, res: ServerResponse) => {
        // Only Slack's requests count as interactions, not a person's visit to the install pages.
        if (!req.url?.startsWith('/slack/events')) {
          // The install pages are a browser's: the same security headers as every page Greenlight serves.
          for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
          return listener(req, res);
        }
        if (fromTheFuture(req, res, slackLog)) return;
        const started = process.hrtime.bigint();
        res.once('finish', () => ctx.metrics.interactionAck.observe({ chat: 'slack', kind: 'http' }, Number(process.hrtime.bigint() - started) / 1e9));
        listener(req, res);
      };
      return { mounts: [{ prefix: '/slack', listener: timed }], stop: async () => {} };
    },
  };
}

/** The bot token's team and Enterprise Grid organization, from auth.test. */
async function ownTeam(app: App, token: string): Promise<OwnTeam> {
  const auth = await app.client.auth.test({ token });
  if (!auth.team_id) throw new Error('Slack answered auth.test without a team id: check SLACK_BOT_TOKEN.');
  return { teamId: auth.team_id, enterpriseId: auth.enterprise_id || undefined };
}

/** The development state secret is generated at start, so it is only known here, not when config loads. */
function requireStateSecret(secret: string | undefined): string {
  if (!secret) throw new Error('Slack OAuth installs need a state secret: set SLACK_STATE_SECRET or STATE_SECRET');
  return secret;
}

type MiddlewareArgs = { body: unknown; next: () => Promise<void>; ack?: (response?: never) => Promise<void> };

/**
 * Commands and button clicks are acknowledged before any other work (no database, no Slack call on
 * the way to the ack), so a busy database never turns into a Slack timeout. Form submissions are
 * acknowledged by their listener, because the ack carries the form's field errors.
 */
async function acknowledgeFirst(args: MiddlewareArgs): Promise<void> {
  const body = args.body as { type?: string; command?: string };
  if (args.ack && (body.command || body.type === 'block_actions')) await args.ack();
  await args.next();
}

/**
 * Slack may deliver one request twice (a retry after a slow answer, a double click's twin): the second
 * is acknowledged and dropped. Keys: a command's or a form submission's trigger id, an action's
 * timestamp per user.
 */
function dedupe(deps: WorkflowDeps, log: Logger) {
  return async (args: MiddlewareArgs) => {
    const key = requestKey(args.body as Record<string, never>);
    if (key && !(await firstSighting(deps.db, 'slack', key))) {
      log.info({ key }, 'duplicate Slack request dropped');
      if (args.ack && ['view_submission', 'message_action', 'shortcut'].includes((args.body as { type?: string }).type ?? '')) await args.ack();
      return;
    }
    await args.next();
  };
}

/** A request no listener acknowledged within Slack's 3 s is our bug: say so loudly, answer 500. */
function unacknowledged(log: Logger) {
  return ({ response }: { response: ServerResponse }) => {
    log.error('a Slack request was not acknowledged within 3 seconds');
    if (!response.headersSent) {
      response.writeHead(500);
      response.end();
    }
  };
}

/**
 * A click on a button this version does not know (an old card after an upgrade, a forged payload) is
 * logged and dropped (it was acknowledged already), instead of reaching no listener.
 */
function acknowledgeUnknownActions(log: Logger) {
  return async (args: MiddlewareArgs) => {
    const body = args.body as { type?: string; actions?: { action_id?: string }[] };
    const actionId = body.type === 'block_actions' ? (body.actions?.[0]?.action_id ?? '') : undefined;
    if (actionId !== undefined && !KNOWN_ACTIONS.has(actionId.split(':')[0]!)) {
      log.warn({ actionId: actionId.slice(0, 100) }, 'unknown Slack action ignored');
      return;
    }
    await args.next();
  };
}

function requestKey(body: Record<string, any>): string | undefined {
  if (body.command && body.trigger_id) return `command:${body.trigger_id}`;
  if (body.type === 'block_actions') return `action:${body.user?.id}:${body.actions?.[0]?.action_id}:${body.actions?.[0]?.action_ts}`;
  // Each submission carries a trigger id of its own; a form resubmitted after field errors is new.
  if (body.type === 'view_submission') return `view:${body.trigger_id}`;
  if (body.type === 'message_action' || body.type === 'shortcut') return `shortcut:${body.trigger_id}`;
  return undefined;
}
