import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { currentLogContext, inRequest, type Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import { NETWORKS } from '../domain/networks.ts';
import { QUEUES, publishQueue, type Queue } from '../queue/queue.ts';
import type { Db } from '../db/database.ts';
import { countAccountsByStatus } from '../db/accounts.ts';
import { ping } from '../db/health.ts';

/** Routes a path prefix to a handler (Slack's receiver, Discord interactions, OAuth pages). */
export interface Mount {
  prefix: string;
  listener: RequestListener;
}

/** What serves requests once the service is up (absent while the database is prepared). */
export interface Services {
  db: Db;
  queue: Queue;
  metrics: Metrics;
  mounts: Mount[];
}

export type Phase = 'starting' | 'ready' | 'stopping';

export interface HttpDeps {
  log: Logger;
  /** 'starting' while the database is prepared and migrations run, 'stopping' from the first moment of shutdown. */
  phase: () => Phase;
  services: () => Services | undefined;
  /** When set, /metrics answers only `Authorization: Bearer <token>` (METRICS_TOKEN). */
  metricsToken?: string | undefined;
}

/**
 * Slack and Discord give an interaction 3 seconds, and a person's form is a few kilobytes: a client gets 5 s
 * for its headers and 10 s for its whole request, and an idle keep-alive connection is closed after 5 s.
 * Node's defaults (60 s, 5 min, checked every 30 s) would let a client that sends one byte at a time hold a
 * connection for minutes.
 */
export const SERVER_TIMEOUTS = { headersTimeout: 5_000, requestTimeout: 10_000, keepAliveTimeout: 5_000, connectionsCheckingInterval: 1_000 };

/**
 * The server listens before the database is ready, so that a load balancer or an orchestrator probing
 * /readyz during a long migration gets a 503 that says why, not a refused connection.
 */
export function createHttpServer(deps: HttpDeps): Server {
  const server = createServer(SERVER_TIMEOUTS, (req, res) =>
    // Every line logged while handling this request carries its id; a proxy's id is kept for correlation.
    inRequest(() => {
      // Handed back, so a client or proxy can quote it when something went wrong.
      res.setHeader('x-request-id', currentLogContext().requestId!);
      route(deps, req, res).catch((error: unknown) => {
        if (clientWentAway(req, error)) return void deps.log.debug({ path: req.url?.split('?')[0], code: codeOf(error) }, 'client went away mid-request');
        deps.log.error({ err: error, path: req.url?.split('?')[0] }, 'http handler failed');
        if (!res.headersSent) sendJson(res, 500, { error: 'internal_error' });
        else res.end();
      });
    }, forwardedRequestId(req)),
  );
  // A malformed, timed-out or dropped connection before any handler: Node answers 400/408 itself; a debug line only.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    deps.log.debug({ code: error.code }, 'client connection error');
    if (socket.writable && !socket.destroyed && error.code !== 'ECONNRESET') {
      socket.end(
        `HTTP/1.1 ${error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request'}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`,
      );
    } else socket.destroy();
  });
  return server;
}

const codeOf = (error: unknown) => (error as { code?: unknown } | null)?.code;

/** A client that closed its connection mid-request (read errors "aborted" / ECONNRESET): not our failure. */
export function clientWentAway(req: IncomingMessage, error: unknown): boolean {
  const code = codeOf(error);
  return (
    code === 'ECONNRESET' ||
    code === 'ECONNABORTED' ||
    code === 'ERR_STREAM_PREMATURE_CLOSE' ||
    (error instanceof Error && error.message === 'aborted') ||
    (req.destroyed && !req.complete)
  );
}

/** An upstream `X-Request-Id` when it looks like an id (never echo arbitrary text into logs). */
function forwardedRequestId(req: IncomingMessage): string | undefined {
  const header = req.headers['x-request-id'];
  return typeof header === 'string' && /^[\w.:-]{1,100}$/.test(header) ? header : undefined;
}

async function route(deps: HttpDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0]!;
  if (path === '/healthz') return sendJson(res, 200, { status: 'ok' });
  const services = deps.services();
  if (path === '/readyz') return readiness(deps.phase(), services, res);
  // Still starting: nothing else can be answered yet. While stopping, requests in flight and those the
  // load balancer still sends are served until the queue has drained.
  if (!services) return sendJson(res, 503, { error: 'starting', message: 'Greenlight is starting (migrations may be running); try again shortly' });
  if (path === '/metrics')
    return metricsAllowed(deps, req)
      ? metrics(services, res)
      : sendJson(res, 401, { error: 'unauthorized', message: 'send Authorization: Bearer <METRICS_TOKEN>' });
  const mount = services.mounts.find((m) => path === m.prefix || path.startsWith(`${m.prefix}/`));
  if (mount) return mount.listener(req, res);
  sendJson(res, 404, { error: 'not_found', message: `no route for ${req.method} ${path}` });
}

async function readiness(phase: Phase, deps: Services | undefined, res: ServerResponse): Promise<void> {
  if (phase !== 'ready' || !deps) return sendJson(res, 503, { status: phase });
  const [database, queue] = await Promise.all([
    ping(deps.db).then(
      () => true,
      () => false,
    ),
    deps.queue.ping(),
  ]);
  sendJson(res, database && queue ? 200 : 503, { status: database && queue ? 'ready' : 'unavailable', database, queue });
}

function metricsAllowed(deps: HttpDeps, req: IncomingMessage): boolean {
  if (!deps.metricsToken) return true;
  const given = Buffer.from(/^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '');
  const wanted = Buffer.from(deps.metricsToken);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

async function metrics(deps: Services, res: ServerResponse): Promise<void> {
  // Each network's publish queue apart: a backlog on one network shows as that network's depth.
  for (const name of [...Object.values(QUEUES), ...NETWORKS.map(publishQueue)]) {
    deps.metrics.queueDepth.set({ queue: name }, await deps.queue.depth(name).catch(() => Number.NaN));
  }
  await sampleAccounts(deps);
  res.writeHead(200, { 'content-type': deps.metrics.registry.contentType });
  res.end(await deps.metrics.registry.metrics());
}

/** Accounts by status: an alert on needs_reconnect catches a revoked token before the next post does. */
async function sampleAccounts(deps: Services): Promise<void> {
  const rows = await countAccountsByStatus(deps.db).catch(() => undefined);
  if (!rows) return;
  deps.metrics.accounts.reset();
  for (const r of rows) deps.metrics.accounts.set({ network: r.network, status: r.status }, r.n);
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}
