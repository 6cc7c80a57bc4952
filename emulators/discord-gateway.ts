/**
 * Gateway half of the Discord emulator: a minimal local gateway as @discordjs/ws 1.x (inside
 * discord.js 14) drives it. Wire facts: https://discord.com/developers/docs/events/gateway.
 *
 * - The client connects to `${url}?v=10&encoding=json` (the url from `GET /gateway/bot`).
 * - Server: `{op:10, d:{heartbeat_interval}}` (HELLO). Frames are `{op, d, s, t}`.
 * - Client: op 1 HEARTBEAT (first one after a random jitter) -> server op 11 ACK; op 2 IDENTIFY
 *   `{token, intents, properties, shard:[0,1], compress}` -> server dispatches READY (s=1).
 * - Dispatches carry an increasing `s` per session; op 6 RESUME replays what the client missed,
 *   then RESUMED; an unknown session gets op 9 (d:false).
 * - Close codes as Discord uses them: 4004 bad token (discord.js does not reconnect), 4014 a
 *   privileged intent that is not enabled, 4012 wrong API version, 4003 op before IDENTIFY, ...
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';

export interface GatewayFrame {
  op: number;
  d: unknown;
  s: number | null;
  t: string | null;
}

export const GatewayOp = {
  Dispatch: 0,
  Heartbeat: 1,
  Identify: 2,
  PresenceUpdate: 3,
  VoiceStateUpdate: 4,
  Resume: 6,
  Reconnect: 7,
  RequestGuildMembers: 8,
  InvalidSession: 9,
  Hello: 10,
  HeartbeatAck: 11,
  RequestSoundboardSounds: 31,
} as const;

export const GatewayClose = {
  UnknownError: 4000,
  UnknownOpcode: 4001,
  DecodeError: 4002,
  NotAuthenticated: 4003,
  AuthenticationFailed: 4004,
  AlreadyAuthenticated: 4005,
  InvalidShard: 4010,
  InvalidApiVersion: 4012,
  InvalidIntents: 4013,
  DisallowedIntents: 4014,
} as const;

/** GUILD_MEMBERS, GUILD_PRESENCES, MESSAGE_CONTENT: must be switched on in the developer portal. */
export const PRIVILEGED_INTENTS = (1 << 1) | (1 << 8) | (1 << 15);
const REPLAY_BUFFER = 1000;

export interface GatewayHubOptions {
  heartbeatIntervalMs: number;
  /** Which privileged intents the "developer portal" has enabled. */
  allowedPrivilegedIntents: number;
  isBotToken: (token: string) => boolean;
  /** READY's `d` without the per-session fields (session_id, resume_gateway_url, shard). */
  readyData: () => Record<string, unknown>;
  /** `resume_gateway_url` handed out in READY. */
  resumeUrl: () => string;
}

/** An IDENTIFY as received, without the token. */
export interface IdentifyRecord {
  intents: unknown;
  properties: unknown;
  shard: unknown;
  compress: unknown;
  large_threshold?: unknown;
  presence?: unknown;
  at: number;
}

interface Session {
  id: string;
  seq: number;
  intents: number;
  socket: WebSocket | undefined;
  /** Dispatches kept for RESUME. */
  buffer: GatewayFrame[];
}

interface Connection {
  socket: WebSocket;
  session: Session | undefined;
}

export class DiscordGatewayHub {
  readonly #options: GatewayHubOptions;
  readonly #server = new WebSocketServer({ noServer: true });
  readonly #connections = new Set<Connection>();
  readonly #sessions = new Map<string, Session>();
  /** Every IDENTIFY (token left out), in order. */
  readonly identifies: IdentifyRecord[] = [];
  /** Every frame the server sent, in order. */
  readonly sent: GatewayFrame[] = [];
  /** Every op the client sent (IDENTIFY/RESUME tokens replaced by `[redacted]`). */
  readonly received: Array<{ op: unknown; d: unknown }> = [];
  /** Close codes the server used, in order. */
  readonly closeCodes: number[] = [];
  heartbeatCount = 0;
  resumeCount = 0;

  constructor(options: GatewayHubOptions) {
    this.#options = options;
  }

  /** Sessions that finished IDENTIFY and have an open socket. */
  get readyCount(): number {
    return [...this.#sessions.values()].filter((s) => s.socket?.readyState === 1).length;
  }

  get connectionCount(): number {
    return this.#connections.size;
  }

  /** Called from the HTTP server's `upgrade` event. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const query = new URL(req.url ?? '/', 'http://127.0.0.1').searchParams;
    this.#server.handleUpgrade(req, socket, head, (ws) => this.#accept(ws, query));
  }

  #accept(socket: WebSocket, query: URLSearchParams): void {
    const connection: Connection = { socket, session: undefined };
    this.#connections.add(connection);
    socket.on('close', (code: number) => this.#drop(connection, code));
    socket.on('error', () => this.#drop(connection, 1006));
    // Discord answers a bad version or encoding by closing right after the upgrade.
    if (query.get('v') !== '10') return this.#close(connection, GatewayClose.InvalidApiVersion, 'Invalid API version.');
    if ((query.get('encoding') ?? 'json') !== 'json') return this.#close(connection, GatewayClose.DecodeError, 'Error while decoding payload.');
    socket.on('message', (data: RawData, isBinary: boolean) => this.#onMessage(connection, data, isBinary));
    this.#send(connection.socket, {
      op: GatewayOp.Hello,
      d: { heartbeat_interval: this.#options.heartbeatIntervalMs, _trace: ['["gateway-emulator",{"micros":0}]'] },
      s: null,
      t: null,
    });
  }

  #drop(connection: Connection, code: number): void {
    this.#connections.delete(connection);
    const session = connection.session;
    if (session?.socket !== connection.socket || session === undefined) return;
    session.socket = undefined;
    // A client closing with 1000/1001 ends its session; any other drop leaves it resumable.
    if (code === 1000 || code === 1001) this.#sessions.delete(session.id);
  }

  #close(connection: Connection, code: number, reason: string): void {
    this.closeCodes.push(code);
    connection.socket.close(code, reason);
  }

  #send(socket: WebSocket | undefined, frame: GatewayFrame): boolean {
    if (socket === undefined || socket.readyState !== 1) return false;
    this.sent.push(frame);
    socket.send(JSON.stringify(frame));
    return true;
  }

  #onMessage(connection: Connection, data: RawData, isBinary: boolean): void {
    let frame: unknown;
    try {
      frame = JSON.parse(isBinary ? Buffer.from(data as Buffer).toString() : String(data));
    } catch {
      return this.#close(connection, GatewayClose.DecodeError, 'Error while decoding payload.');
    }
    if (!isRecord(frame)) return this.#close(connection, GatewayClose.DecodeError, 'Error while decoding payload.');
    const d = frame.d;
    this.received.push({ op: frame.op, d: isRecord(d) && 'token' in d ? { ...d, token: '[redacted]' } : d });
    switch (frame.op) {
      case GatewayOp.Heartbeat:
        this.heartbeatCount += 1;
        this.#send(connection.socket, { op: GatewayOp.HeartbeatAck, d: null, s: null, t: null });
        return;
      case GatewayOp.Identify:
        return this.#identify(connection, d);
      case GatewayOp.Resume:
        return this.#resume(connection, d);
      case GatewayOp.PresenceUpdate:
      case GatewayOp.VoiceStateUpdate:
      case GatewayOp.RequestGuildMembers:
      case GatewayOp.RequestSoundboardSounds:
        if (connection.session === undefined) this.#close(connection, GatewayClose.NotAuthenticated, 'Not authenticated.');
        return;
      default:
        return this.#close(connection, GatewayClose.UnknownOpcode, 'Unknown opcode.');
    }
  }

  #identify(connection: Connection, d: unknown): void {
    if (connection.session !== undefined) return this.#close(connection, GatewayClose.AlreadyAuthenticated, 'Already authenticated.');
    if (!isRecord(d) || typeof d.token !== 'string' || !this.#options.isBotToken(d.token)) {
      return this.#close(connection, GatewayClose.AuthenticationFailed, 'Authentication failed.');
    }
    const { token: _token, ...rest } = d;
    this.identifies.push({
      intents: rest.intents,
      properties: rest.properties,
      shard: rest.shard,
      compress: rest.compress,
      large_threshold: rest.large_threshold,
      presence: rest.presence,
      at: Date.now(),
    });
    if (typeof d.intents !== 'number' || !Number.isInteger(d.intents) || d.intents < 0) {
      return this.#close(connection, GatewayClose.InvalidIntents, 'Invalid intent(s).');
    }
    if ((d.intents & PRIVILEGED_INTENTS & ~this.#options.allowedPrivilegedIntents) !== 0) {
      return this.#close(connection, GatewayClose.DisallowedIntents, 'Disallowed intent(s).');
    }
    const shard = d.shard ?? [0, 1];
    if (!Array.isArray(shard) || shard.length !== 2 || !(shard[1] >= 1) || !(shard[0] >= 0 && shard[0] < shard[1])) {
      return this.#close(connection, GatewayClose.InvalidShard, 'Invalid shard.');
    }
    const session: Session = { id: randomBytes(16).toString('hex'), seq: 0, intents: d.intents, socket: connection.socket, buffer: [] };
    this.#sessions.set(session.id, session);
    connection.session = session;
    this.#dispatchTo(session, 'READY', {
      ...this.#options.readyData(),
      session_id: session.id,
      resume_gateway_url: this.#options.resumeUrl(),
      shard: shard,
    });
  }

  #resume(connection: Connection, d: unknown): void {
    if (!isRecord(d) || typeof d.token !== 'string' || !this.#options.isBotToken(d.token)) {
      return this.#close(connection, GatewayClose.AuthenticationFailed, 'Authentication failed.');
    }
    const session = typeof d.session_id === 'string' ? this.#sessions.get(d.session_id) : undefined;
    if (session === undefined) {
      this.#send(connection.socket, { op: GatewayOp.InvalidSession, d: false, s: null, t: null });
      return;
    }
    this.resumeCount += 1;
    session.socket = connection.socket;
    connection.session = session;
    const since = typeof d.seq === 'number' ? d.seq : 0;
    for (const frame of session.buffer) if ((frame.s ?? 0) > since) this.#send(connection.socket, frame);
    this.#dispatchTo(session, 'RESUMED', { _trace: ['["gateway-emulator",{"micros":0}]'] });
  }

  #dispatchTo(session: Session, t: string, d: unknown): boolean {
    session.seq += 1;
    const frame: GatewayFrame = { op: GatewayOp.Dispatch, d, s: session.seq, t };
    session.buffer.push(frame);
    if (session.buffer.length > REPLAY_BUFFER) session.buffer.shift();
    return this.#send(session.socket, frame);
  }

  /**
   * Dispatches an event. `one` (the default) picks the most recent live session (an event for
   * shard 0 goes to exactly one connection), else the most recent resumable one, which keeps it
   * for RESUME; `all` goes to every session. Returns how many got it live and how many queued it.
   */
  dispatch(t: string, d: unknown, to: 'one' | 'all' = 'one'): { delivered: number; queued: number } {
    const sessions = [...this.#sessions.values()];
    const live = sessions.filter((s) => s.socket?.readyState === 1);
    const targets = to === 'all' ? sessions : live.length > 0 ? live.slice(-1) : sessions.slice(-1);
    let delivered = 0;
    for (const session of targets) if (this.#dispatchTo(session, t, d)) delivered += 1;
    return { delivered, queued: targets.length - delivered };
  }

  /** op 7: asks every client to reconnect and resume. */
  requestReconnect(): void {
    for (const { socket } of this.#connections) this.#send(socket, { op: GatewayOp.Reconnect, d: null, s: null, t: null });
  }

  /** op 9: tells every client its session is gone (`resumable: false` forces a fresh IDENTIFY). */
  invalidateSessions(resumable: boolean): void {
    for (const connection of this.#connections) {
      if (!resumable && connection.session !== undefined) {
        this.#sessions.delete(connection.session.id);
        connection.session = undefined;
      }
      this.#send(connection.socket, { op: GatewayOp.InvalidSession, d: resumable, s: null, t: null });
    }
  }

  /** Drops every connection without a close handshake (a network failure); sessions stay resumable. */
  terminateAll(): void {
    for (const connection of [...this.#connections]) {
      connection.socket.terminate();
      this.#drop(connection, 1006);
    }
  }

  close(): Promise<void> {
    this.terminateAll();
    this.#sessions.clear();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
