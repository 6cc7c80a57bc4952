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
}

/**
 * The server listens before the database is ready, so that a load balancer or an orchestrator probing
 * /readyz during a long migration gets a 503 that says why, not a refused connection.
 */
export function createHttpServer(deps: HttpDeps): Server {
  return createServer((req, res) =>
    // Every line logged while handling this request carries its id; a proxy's id is kept for correlation.
    inRequest(() => {
      // Handed back, so a client or proxy can quote it when something went wrong.
      res.setHeader('x-request-id', currentLogContext().requestId!);
      route(deps, req, res).catch((error: unknown) => {
        deps.log.error({ err: error, path: req.url?.split('?')[0] }, 'http handler failed');
        if (!res.headersSent) sendJson(res, 500, { error: 'internal_error' });
        else res.end();
      });
    }, forwardedRequestId(req)),
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
  if (path === '/metrics') return metrics(services, res);
  const mount = services.mounts.find((m) => path === m.prefix || path.startsWith(`${m.prefix}/`));
  if (mount) return mount.listener(req, res);
  sendJson(res, 404, { error: 'not_found', message: `no route for ${req.method} ${path}` });
}

async function readiness(phase: Phase, deps: Services | undefined, res: ServerResponse): Promise<void> {
  if (phase !== 'ready' || !deps) return sendJson(res, 503, { status: phase });
  const [database, queue] = await Promise.all([
    ping(deps.db).then(() => true, () => false),
    deps.queue.ping(),
  ]);
  sendJson(res, database && queue ? 200 : 503, { status: database && queue ? 'ready' : 'unavailable', database, queue });
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
