/**
 * A team's own endpoint on 127.0.0.1: a blog or CMS taking Greenlight's posts (the webhook network), or
 * a service subscribed to Greenlight's events (outgoing webhooks). It records every request as it came,
 * answers from a script (status, body, delay, or a dropped connection), and, like a careful receiver,
 * keeps what it accepted once per Idempotency-Key.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: Date;
}

export interface ScriptedAnswer {
  status?: number;
  body?: string;
  /** Wait this long before answering (past the sender's timeout: a timeout after sending). */
  delayMs?: number;
  /** Close the connection without an answer. */
  drop?: boolean;
  /** Send the status and part of the body, then close the connection (an unreadable body). */
  cutBody?: boolean;
}

export interface WebhookReceiver {
  url: string;
  requests: ReceivedRequest[];
  /** Bodies accepted (2xx), once per Idempotency-Key where one was sent. */
  accepted: ReceivedRequest[];
  /** The next answers, in order; after them, `fallback`. */
  script(...answers: ScriptedAnswer[]): void;
  fallback: ScriptedAnswer;
  waitFor<T>(predicate: () => T | undefined | false, what: string, timeoutMs?: number): Promise<T>;
  stop(): Promise<void>;
}

export async function startWebhookReceiver(path = '/hooks/greenlight', host = '127.0.0.1'): Promise<WebhookReceiver> {
  const requests: ReceivedRequest[] = [];
  const accepted: ReceivedRequest[] = [];
  const answered = new Map<string, ScriptedAnswer>();
  const queue: ScriptedAnswer[] = [];
  const receiver = { fallback: { status: 200, body: '{}' } as ScriptedAnswer };
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const received: ReceivedRequest = {
      method: req.method ?? '',
      path: req.url ?? '',
      headers: req.headers,
      body: Buffer.concat(chunks).toString('utf8'),
      at: new Date(),
    };
    requests.push(received);
    const key = req.headers['idempotency-key'] as string | undefined;
    const replay = key ? answered.get(key) : undefined;
    // A key seen before gets the first answer again, at once, and creates nothing new.
    const answer = replay ? { ...replay, delayMs: 0 } : (queue.shift() ?? receiver.fallback);
    const status = answer.status ?? 200;
    if (!replay && !answer.drop && status >= 200 && status < 300) {
      accepted.push(received);
      if (key) answered.set(key, answer);
    }
    if (answer.delayMs) await new Promise((r) => setTimeout(r, answer.delayMs));
    if (answer.drop) return void res.destroy();
    if (answer.cutBody) {
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': '100000' });
      res.write('{"id":"cut');
      return void setTimeout(() => res.destroy(), 50);
    }
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(answer.body ?? '{}');
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  return Object.assign(receiver, {
    url: `http://${host}:${port}${path}`,
    requests,
    accepted,
    script: (...answers: ScriptedAnswer[]) => void queue.push(...answers),
    async waitFor<T>(predicate: () => T | undefined | false, what: string, timeoutMs = 10_000): Promise<T> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const value = predicate();
        if (value !== undefined && value !== false) return value;
        if (Date.now() > deadline) throw new Error(`webhook receiver: timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}
