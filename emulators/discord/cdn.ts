/**
 * The Discord emulator's CDN (a section of emulators/discord.ts): attachment files on a host of their own,
 * as cdn.discordapp.com serves them. Since 2024 attachment links are signed and expire
 * (https://discord.com/developers/docs/reference#signed-attachment-cdn-urls):
 * `…/attachments/<channel>/<id>/<name>?ex=<hex expiry>&is=<hex issue time>&hm=<signature>&`. A link past
 * `ex`, with a bad `hm`, or without the parameters answers 404 "This content is no longer available.";
 * uploads to interactions (slash command options, modal File Upload) live under `/ephemeral-attachments/`.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Discord's signed links last about a day (24 h here; the value is Discord's, not documented). */
export const DEFAULT_ATTACHMENT_TTL_MS = 24 * 60 * 60 * 1000;

interface Stored {
  bytes: Buffer;
  contentType: string;
}

export interface CdnFetch {
  path: string;
  status: number;
  at: number;
}

export class DiscordCdn {
  readonly #secret = randomBytes(32);
  readonly #files = new Map<string, Stored>();
  readonly #server: Server;
  readonly #ttlMs: number;
  /** Added to the real clock: tests move the CDN's time forward instead of waiting a day. */
  #skewMs = 0;
  #port = 0;
  #gate: Promise<void> = Promise.resolve();
  /** Every GET or HEAD, in order. */
  readonly fetches: CdnFetch[] = [];

  private constructor(ttlMs: number) {
    this.#ttlMs = ttlMs;
    this.#server = createServer(async (req, res) => {
      // A held CDN answers once released: a test sees the app while a download is in flight.
      await this.#gate;
      const url = new URL(req.url ?? '/', 'http://cdn');
      const status = req.method === 'GET' || req.method === 'HEAD' ? this.#check(url) : 405;
      this.fetches.push({ path: url.pathname, status, at: Date.now() });
      if (status !== 200) {
        res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(status === 404 ? 'This content is no longer available.' : 'Method Not Allowed');
        return;
      }
      const file = this.#files.get(url.pathname)!;
      res.writeHead(200, {
        'content-type': file.contentType,
        'content-length': file.bytes.length,
        'cache-control': 'public, max-age=31536000',
        'accept-ranges': 'bytes',
      });
      res.end(req.method === 'HEAD' ? undefined : file.bytes);
    });
  }

  static async start(ttlMs = DEFAULT_ATTACHMENT_TTL_MS): Promise<DiscordCdn> {
    const cdn = new DiscordCdn(ttlMs);
    await new Promise<void>((resolve, reject) => {
      cdn.#server.once('error', reject);
      cdn.#server.listen(0, '127.0.0.1', () => resolve());
    });
    cdn.#port = (cdn.#server.address() as AddressInfo).port;
    return cdn;
  }

  get origin(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  /** Stores a file and returns its signed link, valid for the TTL from the CDN's now. */
  put(path: string, bytes: Buffer, contentType: string): string {
    this.#files.set(path, { bytes, contentType });
    return this.signed(path);
  }

  /** A fresh signed link for a stored path (what Discord puts in every payload it sends). */
  signed(path: string): string {
    const issued = Math.floor(this.#now() / 1000);
    const ex = (issued + Math.floor(this.#ttlMs / 1000)).toString(16);
    const is = issued.toString(16);
    return `${this.origin}${path}?ex=${ex}&is=${is}&hm=${this.#mac(path, ex, is)}&`;
  }

  /** Moves the CDN's clock forward: links issued before now + `ms` - TTL stop working. */
  advanceClock(ms: number): void {
    this.#skewMs += ms;
  }

  /** Holds every answer until the returned function is called (downloads wait; nothing times out here). */
  hold(): () => void {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.#gate = gate;
    return () => {
      release();
      if (this.#gate === gate) this.#gate = Promise.resolve();
    };
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #now(): number {
    return Date.now() + this.#skewMs;
  }

  #mac(path: string, ex: string, is: string): string {
    return createHmac('sha256', this.#secret).update(`${path}\n${ex}\n${is}`).digest('hex');
  }

  #check(url: URL): number {
    if (!this.#files.has(url.pathname)) return 404;
    const ex = url.searchParams.get('ex');
    const is = url.searchParams.get('is');
    const hm = url.searchParams.get('hm');
    if (!ex || !is || !hm || !/^[0-9a-f]{1,12}$/.test(ex) || !/^[0-9a-f]{64}$/.test(hm)) return 404;
    const expected = Buffer.from(this.#mac(url.pathname, ex, is), 'hex');
    if (!timingSafeEqual(expected, Buffer.from(hm, 'hex'))) return 404;
    return this.#now() < Number.parseInt(ex, 16) * 1000 ? 200 : 404;
  }
}
