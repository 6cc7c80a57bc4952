import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetworkError } from '../../src/networks/adapter.ts';
import { downloadMedia, send } from '../../src/networks/http.ts';
import { addressClass, guardedUrl, outboundProblem, parseAllowList, refusedAddress, type OutboundPolicy } from '../../src/networks/outbound.ts';

const strict: OutboundPolicy = { httpsOnly: false, allowPrivate: [] };

describe('address classes', () => {
  const table: [string, string | undefined][] = [
    ['127.0.0.1', 'a loopback address'],
    ['127.255.1.2', 'a loopback address'],
    ['::1', 'a loopback address'],
    ['10.1.2.3', 'a private network address'],
    ['172.16.0.1', 'a private network address'],
    ['172.31.255.255', 'a private network address'],
    ['192.168.1.1', 'a private network address'],
    ['fc00::1', 'a private network address'],
    ['fd12:3456::1', 'a private network address'],
    ['fd00:ec2::254', 'a private network address'],
    ['fec0::1', 'a private network address'],
    ['169.254.169.254', 'a link-local address'],
    ['169.254.0.1', 'a link-local address'],
    ['fe80::1', 'a link-local address'],
    ['febf::1', 'a link-local address'],
    ['100.64.0.1', 'a shared (carrier-grade NAT) address'],
    ['100.127.255.254', 'a shared (carrier-grade NAT) address'],
    ['224.0.0.1', 'a multicast address'],
    ['239.255.255.250', 'a multicast address'],
    ['ff02::1', 'a multicast address'],
    ['0.0.0.0', 'an unspecified address'],
    ['0.1.2.3', 'an unspecified address'],
    ['::', 'an unspecified address'],
    ['240.0.0.1', 'a reserved or documentation address'],
    ['255.255.255.255', 'a reserved or documentation address'],
    ['192.0.0.8', 'a reserved or documentation address'],
    ['192.0.2.10', 'a reserved or documentation address'],
    ['198.51.100.7', 'a reserved or documentation address'],
    ['203.0.113.9', 'a reserved or documentation address'],
    ['198.18.0.1', 'a reserved or documentation address'],
    ['2001:db8::1', 'a reserved or documentation address'],
    ['100::1', 'a reserved or documentation address'],
    // IPv4 inside IPv6: mapped, compatible, NAT64, 6to4.
    ['::ffff:127.0.0.1', 'a loopback address'],
    ['::ffff:7f00:1', 'a loopback address'],
    ['::ffff:a9fe:a9fe', 'a link-local address'],
    ['::ffff:10.0.0.1', 'a private network address'],
    ['::127.0.0.1', 'a loopback address'],
    ['::a9fe:a9fe', 'a link-local address'],
    ['::8.8.8.8', 'a reserved or documentation address'],
    ['64:ff9b::7f00:1', 'a loopback address'],
    ['64:ff9b::192.168.0.1', 'a private network address'],
    ['64:ff9b:1::1', 'a private network address'],
    ['2002:7f00:1::1', 'a loopback address'],
    ['2002:c0a8:101::1', 'a private network address'],
    // Public unicast passes.
    ['8.8.8.8', undefined],
    ['93.184.216.34', undefined],
    ['172.32.0.1', undefined],
    ['100.128.0.1', undefined],
    ['2606:4700:4700::1111', undefined],
    ['2a00:1450:4001:80b::200e', undefined],
    ['::ffff:8.8.8.8', undefined],
    ['64:ff9b::808:808', undefined],
  ];
  it.each(table)('%s is %s', (address, expected) => {
    expect(addressClass(address)).toBe(expected);
  });
});

describe('URLs and numeric tricks', () => {
  const refused: [string, string][] = [
    ['http://127.0.0.1/', 'points to a loopback address'],
    ['http://2130706433/', 'points to a loopback address'],
    ['http://0177.0.0.1/', 'points to a loopback address'],
    ['http://0x7f.1/', 'points to a loopback address'],
    ['http://0x7f000001/', 'points to a loopback address'],
    ['http://127.1/', 'points to a loopback address'],
    ['http://127.0.0.1./', 'points to a loopback address'],
    ['http://[::1]:8080/x', 'points to a loopback address'],
    ['http://[::ffff:127.0.0.1]/', 'points to a loopback address'],
    ['http://[::ffff:a9fe:a9fe]/latest/meta-data', 'points to a link-local address'],
    ['http://[0:0:0:0:0:ffff:7f00:1]/', 'points to a loopback address'],
    ['http://[::127.0.0.1]/', 'points to a loopback address'],
    ['http://169.254.169.254/latest/meta-data/', 'points to a link-local address'],
    ['http://[fd00:ec2::254]/', 'points to a private network address'],
    ['http://[fe80::1]/', 'points to a link-local address'],
    ['http://0/', 'points to an unspecified address'],
    ['http://0x0a.0.0.1/', 'points to a private network address'],
    ['http://3232235777/', 'points to a private network address'],
    ['http://100.64.1.1/', 'points to a shared (carrier-grade NAT) address'],
    ['ftp://example.com/a.png', 'must start with https:// or http://'],
    ['file:///etc/passwd', 'must start with https:// or http://'],
    ['http://user:pw@example.com/', 'carries a user name or password'],
  ];
  it.each(refused)('%s %s', (url, reason) => {
    expect(() => guardedUrl(url, strict)).toThrow(expect.objectContaining({ reason }));
  });

  it('takes https only under httpsOnly', () => {
    expect(() => guardedUrl('http://example.com/', { ...strict, httpsOnly: true })).toThrow(expect.objectContaining({ reason: 'must start with https://' }));
    expect(guardedUrl('https://example.com/a.png', { ...strict, httpsOnly: true }).hostname).toBe('example.com');
  });

  it('allows the ranges in the allow list, and nothing next to them', () => {
    const policy: OutboundPolicy = { httpsOnly: false, allowPrivate: ['10.0.0.0/8', 'fd00::/8', '127.0.0.1'] };
    expect(refusedAddress('10.20.30.40', policy)).toBeUndefined();
    expect(refusedAddress('::ffff:10.20.30.40', policy)).toBeUndefined();
    expect(refusedAddress('fd12::1', policy)).toBeUndefined();
    expect(refusedAddress('127.0.0.1', policy)).toBeUndefined();
    expect(refusedAddress('127.0.0.2', policy)).toBe('a loopback address');
    expect(refusedAddress('192.168.0.1', policy)).toBe('a private network address');
    expect(refusedAddress('169.254.169.254', policy)).toBe('a link-local address');
  });

  it('reads OUTBOUND_ALLOW_PRIVATE and names a bad entry', () => {
    expect(parseAllowList('')).toEqual({ ok: true, cidrs: [] });
    expect(parseAllowList(' 10.0.0.0/8, ::1/128 ,192.168.1.5')).toEqual({ ok: true, cidrs: ['10.0.0.0/8', '::1/128', '192.168.1.5'] });
    expect(parseAllowList('10.0.0.0/33')).toMatchObject({ ok: false, problem: expect.stringContaining('10.0.0.0/33') });
    expect(parseAllowList('intranet')).toMatchObject({ ok: false });
    expect(parseAllowList('10.0.0.0/8/1')).toMatchObject({ ok: false });
  });
});

describe('name lookups', () => {
  const lookupOf = (answers: Record<string, string[][]>) => {
    const calls: string[] = [];
    const lookup = async (host: string) => {
      calls.push(host);
      const queue = answers[host] ?? [];
      const next = queue.length > 1 ? queue.shift()! : (queue[0] ?? []);
      return next.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    };
    return { lookup, calls };
  };

  it('refuses a name with any refused address, and names the class', async () => {
    const { lookup } = lookupOf({ 'mixed.example': [['93.184.216.34', '10.0.0.5']], 'meta.example': [['169.254.169.254']], 'v6.example': [['::1']] });
    const policy = { ...strict, lookup };
    expect(await outboundProblem('http://mixed.example/a.png', policy)).toBe('points to a private network address');
    expect(await outboundProblem('http://meta.example/', policy)).toBe('points to a link-local address');
    expect(await outboundProblem('http://v6.example/', policy)).toBe('points to a loopback address');
  });

  describe('against a server on loopback', () => {
    let target: Server;
    let hits = 0;
    let port = 0;
    let redirector: Server;
    let redirectorPort = 0;
    beforeAll(async () => {
      target = createServer((_req, res) => {
        hits++;
        res.writeHead(200, { 'content-type': 'image/png' }).end('internal secret bytes');
      });
      await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
      port = (target.address() as AddressInfo).port;
      redirector = createServer((req, res) => {
        res.writeHead(302, { location: req.url === '/hex' ? `http://0x7f.1:${port}/secret` : `http://127.0.0.1:${port}/secret` }).end();
      });
      await new Promise<void>((resolve) => redirector.listen(0, '127.0.0.2', resolve));
      redirectorPort = (redirector.address() as AddressInfo).port;
    });
    afterAll(async () => {
      target.close();
      redirector.close();
    });

    const media = (policy: OutboundPolicy, url: string) =>
      downloadMedia({ network: 'x', timeoutMs: 2_000, guard: policy }, url, AbortSignal.timeout(5_000), 1_000_000);
    const refusal = async (p: Promise<unknown>) => {
      const err = await p.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(NetworkError);
      return err as NetworkError;
    };

    it('is reached when its range is allowed, and refused (no request) when not', async () => {
      hits = 0;
      const got = await media({ ...strict, allowPrivate: ['127.0.0.1/32'] }, `http://127.0.0.1:${port}/a.png`);
      expect(got.bytes.toString()).toBe('internal secret bytes');
      expect(hits).toBe(1);
      const err = await refusal(media(strict, `http://127.0.0.1:${port}/a.png`));
      expect(err).toMatchObject({ errorClass: 'permanent', networkCode: 'outbound_refused' });
      expect(err.message).toContain('points to a loopback address');
      expect(hits).toBe(1);
    });

    it('checks every redirect hop: an allowed host that redirects to loopback is refused before the hop', async () => {
      hits = 0;
      const policy = { ...strict, allowPrivate: ['127.0.0.2/32'] };
      for (const path of ['/plain', '/hex']) {
        const err = await refusal(media(policy, `http://127.0.0.2:${redirectorPort}${path}`));
        expect(err.message).toContain('redirects to an address that points to a loopback address');
        // Where the redirect led is the remote's answer: not repeated.
        expect(err.message).not.toContain(`:${port}`);
        expect(err.errorClass).toBe('permanent');
      }
      expect(hits).toBe(0);
    });

    it('connects only to the address it checked: a name that resolves public, then private (rebinding), is refused', async () => {
      hits = 0;
      const { lookup, calls } = lookupOf({ 'rebind.example': [['93.184.216.34'], ['127.0.0.1']] });
      const policy = { ...strict, lookup };
      // The early check sees the public address...
      expect(await outboundProblem(`http://rebind.example:${port}/a.png`, policy)).toBeUndefined();
      // ...the connect looks up again, once, and checks what it gets.
      const err = await refusal(media(policy, `http://rebind.example:${port}/a.png`));
      expect(err.message).toContain('rebind.example');
      expect(err.message).toContain('points to a loopback address');
      expect(calls).toEqual(['rebind.example', 'rebind.example']);
      expect(hits).toBe(0);
    });

    it('connects to the vetted address of a name it resolved (no second lookup by the socket)', async () => {
      hits = 0;
      const { lookup, calls } = lookupOf({ 'cms.intranet.example': [['127.0.0.1']] });
      const got = await media({ httpsOnly: false, allowPrivate: ['127.0.0.0/8'], lookup }, `http://cms.intranet.example:${port}/a.png`);
      expect(got.bytes.toString()).toBe('internal secret bytes');
      expect(calls).toEqual(['cms.intranet.example']);
      expect(hits).toBe(1);
    });

    it('refuses a POST to a refused address before a byte leaves', async () => {
      hits = 0;
      const err = await refusal(
        send(
          { network: 'webhook', timeoutMs: 2_000, guard: strict },
          {
            method: 'POST',
            url: `http://[::ffff:127.0.0.1]:${port}/hook`,
            body: '{}',
            signal: AbortSignal.timeout(5_000),
            what: 'deliver post',
            creates: true,
          },
        ),
      );
      expect(err.errorClass).toBe('permanent');
      expect(hits).toBe(0);
    });
  });
});
