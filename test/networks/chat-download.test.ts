import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatDownloadError, openChatDownload } from '../../src/networks/chat-download.ts';
import type { OutboundPolicy } from '../../src/networks/outbound.ts';

/**
 * The guarded download of a chat's file: credentials only where the caller says (never to where a
 * redirect leads elsewhere), a web page refused, a byte cap, and the guard on every hop.
 */
const seen: { host: string; path: string; headers: IncomingHttpHeaders }[] = [];
let server: Server;
let other: Server;
let port: number;
let otherPort: number;
const allowLoopback: OutboundPolicy = { httpsOnly: false, allowPrivate: ['127.0.0.0/8'] };
const strict: OutboundPolicy = { httpsOnly: false, allowPrivate: [] };

beforeAll(async () => {
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    seen.push({ host: req.headers.host ?? '', path: req.url ?? '', headers: req.headers });
    if (req.url === '/file') {
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': '4' });
      return res.end(Buffer.from([1, 2, 3, 4]));
    }
    if (req.url === '/away') {
      res.writeHead(302, { location: `http://127.0.0.2:${otherPort}/file` });
      return res.end();
    }
    if (req.url === '/signin') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return res.end('<html>Sign in</html>');
    }
    if (req.url === '/big') {
      res.writeHead(200, { 'content-type': 'image/png' });
      return res.end(Buffer.alloc(10_000));
    }
    res.writeHead(404);
    res.end();
  };
  server = createServer(handler);
  other = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  await new Promise<void>((resolve) => other.listen(0, '127.0.0.2', resolve));
  port = (server.address() as AddressInfo).port;
  otherPort = (other.address() as AddressInfo).port;
}, 30_000);
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await new Promise<void>((resolve) => other.close(() => resolve()));
});

const signal = () => new AbortController().signal;
const token = (url: URL): Record<string, string> => (url.hostname === '127.0.0.1' ? { authorization: 'Bearer xoxb-test' } : {});

async function bytesOf(body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of body) parts.push(Buffer.from(p));
  return Buffer.concat(parts);
}

describe('openChatDownload', () => {
  it('streams the file with the credentials for its host', async () => {
    const got = await openChatDownload(`http://127.0.0.1:${port}/file`, { headersFor: token, signal: signal(), maxBytes: 100, policy: allowLoopback });
    expect(got.contentType).toBe('image/png');
    expect([...(await bytesOf(got.body))]).toEqual([1, 2, 3, 4]);
    expect(seen.at(-1)!.headers.authorization).toBe('Bearer xoxb-test');
  });

  it('follows a redirect to another host without the credentials', async () => {
    seen.length = 0;
    const got = await openChatDownload(`http://127.0.0.1:${port}/away`, { headersFor: token, signal: signal(), maxBytes: 100, policy: allowLoopback });
    await bytesOf(got.body);
    expect(seen.map((s) => [s.host.split(':')[0], s.path, s.headers.authorization])).toEqual([
      ['127.0.0.1', '/away', 'Bearer xoxb-test'],
      ['127.0.0.2', '/file', undefined],
    ]);
  });

  it('refuses a web page, a missing file, a file over the cap and an address the guard refuses', async () => {
    const fail = (path: string, maxBytes = 100, policy = allowLoopback) =>
      openChatDownload(`http://127.0.0.1:${port}${path}`, { headersFor: token, signal: signal(), maxBytes, policy }).then(
        async (d) => bytesOf(d.body),
        (e: unknown) => Promise.reject(e),
      );
    await expect(fail('/signin')).rejects.toMatchObject({ problem: 'forbidden' });
    await expect(fail('/missing')).rejects.toMatchObject({ problem: 'gone', status: 404 });
    await expect(fail('/big', 1000)).rejects.toBeInstanceOf(ChatDownloadError);
    await expect(fail('/big', 1000)).rejects.toMatchObject({ problem: 'too_large' });
    await expect(fail('/file', 100, strict)).rejects.toThrow(/loopback/);
  });
});
