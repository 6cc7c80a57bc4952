/**
 * Socket Mode half of the Slack emulator: a local WebSocket endpoint that behaves like Slack's
 * `wss://wss-primary.slack.com/link` as @slack/socket-mode v3 expects it:
 * - the URL comes from `apps.connections.open` and carries a single-use ticket;
 * - on connect the server sends `{type:"hello", ...}` (the client counts as connected only then);
 * - the server sends WS ping frames periodically (the client drops sockets that stop seeing them);
 * - the client's own pings are answered with pongs (the `ws` library does that by itself);
 * - deliveries are envelopes `{envelope_id, type, payload, accepts_response_payload}` and the client
 *   acks with `{envelope_id, payload}`;
 * - `{type:"disconnect", reason}` asks the client to reconnect through a fresh apps.connections.open.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';

export type EnvelopeType = 'slash_commands' | 'interactive' | 'events_api';

export interface SocketDelivery {
  envelopeId: string;
  type: EnvelopeType;
  payload: Record<string, unknown>;
  retryAttempt?: number;
  retryReason?: string;
}

/** What the client sent back for one envelope; `acked: false` means no ack within the timeout. */
export interface SocketAck {
  acked: boolean;
  payload: Record<string, unknown> | undefined;
}

interface PendingAck {
  resolve: (ack: SocketAck) => void;
  timer: NodeJS.Timeout;
}

interface Connection {
  socket: WebSocket;
  pingTimer: NodeJS.Timeout;
}

export interface SocketHubOptions {
  appId: string;
  pingIntervalMs: number;
  ackTimeoutMs: number;
}

export class SlackSocketHub {
  readonly #options: SocketHubOptions;
  readonly #server = new WebSocketServer({ noServer: true });
  readonly #tickets = new Set<string>();
  readonly #connections = new Set<Connection>();
  readonly #pending = new Map<string, PendingAck>();
  /** Every envelope sent, in order, for tests that inspect the wire. */
  readonly sent: SocketDelivery[] = [];
  /** Every JSON message the client sent (acks), in order. */
  readonly received: unknown[] = [];
  /** Pongs received for the server's pings: proof the client is alive and pings flow. */
  pongCount = 0;

  constructor(options: SocketHubOptions) {
    this.#options = options;
  }

  get connectionCount(): number {
    return this.#connections.size;
  }

  /** A fresh single-use URL, as `apps.connections.open` hands out. */
  issueUrl(wsBase: string): string {
    const ticket = randomUUID();
    this.#tickets.add(ticket);
    const hostId = randomBytes(4).toString('hex');
    return `${wsBase}/socket?ticket=${ticket}&app_id=${this.#options.appId}&host=${hostId}`;
  }

  /** Called from the HTTP server's `upgrade` event for `/socket`. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const ticket = new URL(req.url ?? '/', 'http://127.0.0.1').searchParams.get('ticket');
    if (ticket === null || !this.#tickets.delete(ticket)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.#server.handleUpgrade(req, socket, head, (ws) => this.#accept(ws));
  }

  #accept(socket: WebSocket): void {
    const pingTimer = setInterval(() => socket.ping(Buffer.from(`ping ${Date.now()}`)), this.#options.pingIntervalMs);
    const connection: Connection = { socket, pingTimer };
    this.#connections.add(connection);
    socket.on('message', (data, isBinary) => {
      if (!isBinary) this.#onClientMessage(data.toString());
    });
    socket.on('pong', () => {
      this.pongCount += 1;
    });
    socket.on('close', () => this.#drop(connection));
    socket.on('error', () => this.#drop(connection));
    socket.send(JSON.stringify(this.#hello()));
  }

  #hello(): Record<string, unknown> {
    return {
      type: 'hello',
      num_connections: this.#connections.size,
      debug_info: { host: 'applink-emulator', build_number: 1, approximate_connection_time: 18060 },
      connection_info: { app_id: this.#options.appId },
    };
  }

  #drop(connection: Connection): void {
    clearInterval(connection.pingTimer);
    this.#connections.delete(connection);
  }

  #onClientMessage(text: string): void {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      return; // Slack ignores what it cannot parse; so do we.
    }
    this.received.push(message);
    if (typeof message !== 'object' || message === null) return;
    const { envelope_id: envelopeId, payload } = message as { envelope_id?: unknown; payload?: unknown };
    if (typeof envelopeId !== 'string') return;
    const pending = this.#pending.get(envelopeId);
    if (pending === undefined) return;
    this.#pending.delete(envelopeId);
    clearTimeout(pending.timer);
    pending.resolve({ acked: true, payload: isRecord(payload) ? payload : undefined });
  }

  /**
   * Sends one envelope to one connected client (Slack picks one connection per envelope) and
   * resolves with its ack, or `acked: false` after the ack timeout.
   */
  deliver(type: EnvelopeType, payload: Record<string, unknown>, retry: { retryAttempt?: number; retryReason?: string } = {}): Promise<SocketAck> {
    const connection = this.#pickConnection();
    if (connection === undefined) {
      return Promise.reject(new Error('Slack emulator: no Socket Mode client is connected (did app.start() finish?)'));
    }
    const delivery: SocketDelivery = { envelopeId: randomUUID(), type, payload, ...retry };
    this.sent.push(delivery);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#pending.delete(delivery.envelopeId);
        resolve({ acked: false, payload: undefined });
      }, this.#options.ackTimeoutMs);
      this.#pending.set(delivery.envelopeId, { resolve, timer });
      connection.socket.send(JSON.stringify(envelope(delivery)));
    });
  }

  #pickConnection(): Connection | undefined {
    const open = [...this.#connections].filter((c) => c.socket.readyState === c.socket.OPEN);
    return open[Math.floor(Math.random() * open.length)];
  }

  /** Asks every client to reconnect, as Slack does before recycling a host. */
  requestReconnect(reason = 'refresh_requested'): void {
    for (const { socket } of this.#connections) {
      socket.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'applink-emulator' } }));
    }
  }

  /** Drops every connection without a close handshake (a network failure). */
  terminateAll(): void {
    for (const connection of [...this.#connections]) {
      connection.socket.terminate();
      this.#drop(connection);
    }
  }

  close(): Promise<void> {
    this.terminateAll();
    for (const [id, pending] of this.#pending) {
      clearTimeout(pending.timer);
      pending.resolve({ acked: false, payload: undefined });
      this.#pending.delete(id);
    }
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

function envelope(delivery: SocketDelivery): Record<string, unknown> {
  const message: Record<string, unknown> = {
    envelope_id: delivery.envelopeId,
    type: delivery.type,
    payload: delivery.payload,
    accepts_response_payload: delivery.type !== 'events_api',
  };
  if (delivery.retryAttempt !== undefined) message.retry_attempt = delivery.retryAttempt;
  if (delivery.retryReason !== undefined) message.retry_reason = delivery.retryReason;
  return message;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
