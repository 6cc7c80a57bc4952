import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { tinyPng } from './common.ts';

/**
 * An Open Graph test site (issue 16): the pages a link preview meets in the wild, on 127.0.0.1.
 * - /article: Open Graph card with an image (1200×630 PNG at /img/card.png) and entities in the text
 * - /twitter: Twitter-card tags only, relative image address
 * - /plain: no card tags, only <title> and the description meta
 * - /untitled: no title at all
 * - /redirect → /article (302), /redirect-loop (endless), /redirect-private → a private address
 * - /huge: the card in the head, then 20 MB of body (streamed; a reader should stop early)
 * - /pdf: application/pdf
 * - /slow: answers the headers, then never finishes the body
 * - /missing: 404
 * - /broken-image: a card whose image answers 404
 * - /big-image: a card whose image is 12 MB
 * Every request is recorded (method and path) so tests can see what was fetched.
 */
export interface OgSite {
  url: string;
  requests: { method: string; path: string }[];
  /** The card image's bytes (what a network should receive as the thumbnail, after conversion). */
  cardImage: Buffer;
  stop(): Promise<void>;
}

export const OG_ARTICLE = {
  title: 'Launch week: what we shipped & why',
  description: 'Five features in five days — the full story.',
};

export async function startOgSite(): Promise<OgSite> {
  const cardImage = await sharp({ create: { width: 1200, height: 630, channels: 3, background: { r: 46, g: 139, b: 87 } } })
    .png()
    .toBuffer();
  const requests: OgSite['requests'] = [];
  const hanging = new Set<ServerResponse>();
  let base = '';
  const html = (res: ServerResponse, body: string) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(body);
  };
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    requests.push({ method: req.method ?? 'GET', path });
    switch (path) {
      case '/article':
        return html(
          res,
          `<!doctype html><html><head><title>Ignored title</title>
<meta property="og:title" content="Launch week: what we shipped &amp; why">
<meta content="Five features in five days &mdash; the full story." property="og:description">
<META PROPERTY="og:image" CONTENT="${base}/img/card.png"><meta property="og:image" content="${base}/img/second.png">
<meta name="twitter:title" content="Not this one"></head><body><p>Hello</p></body></html>`,
        );
      case '/twitter':
        return html(
          res,
          `<html><head><meta name="twitter:card" content="summary"><meta name="twitter:title" content="Only a Twitter card">
<meta name="twitter:description" content="Described for X."><meta name="twitter:image" content="/img/card.png"></head><body></body></html>`,
        );
      case '/plain':
        return html(res, '<html><head><title>  A plain page  </title><meta name="description" content="Just a page."></head><body></body></html>');
      case '/untitled':
        return html(res, '<html><head></head><body><h1>No title here</h1></body></html>');
      case '/broken-image':
        return html(
          res,
          `<html><head><meta property="og:title" content="Card with a broken image"><meta property="og:image" content="/img/none.png"></head></html>`,
        );
      case '/big-image':
        return html(
          res,
          `<html><head><meta property="og:title" content="Card with a huge image"><meta property="og:image" content="/img/huge.png"></head></html>`,
        );
      case '/redirect':
        res.writeHead(302, { location: '/article' });
        return res.end();
      case '/redirect-loop':
        res.writeHead(302, { location: '/redirect-loop' });
        return res.end();
      case '/redirect-private':
        res.writeHead(301, { location: 'http://10.1.2.3/admin' });
        return res.end();
      case '/huge': {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.write('<html><head><meta property="og:title" content="A very long page"></head><body>');
        const filler = Buffer.alloc(64 * 1024, 'x');
        let sent = 0;
        const pump = () => {
          while (sent < 20 * 1024 * 1024) {
            sent += filler.length;
            if (!res.write(filler)) return void res.once('drain', pump);
          }
          res.end('</body></html>');
        };
        res.on('error', () => {});
        return pump();
      }
      case '/pdf':
        res.writeHead(200, { 'content-type': 'application/pdf' });
        return res.end('%PDF-1.4 not a page');
      case '/slow':
        res.writeHead(200, { 'content-type': 'text/html' });
        res.write('<html><head>');
        hanging.add(res);
        return;
      case '/img/card.png':
        res.writeHead(200, { 'content-type': 'image/png' });
        return res.end(cardImage);
      case '/img/second.png':
        res.writeHead(200, { 'content-type': 'image/png' });
        return res.end(tinyPng());
      case '/img/huge.png':
        res.writeHead(200, { 'content-type': 'image/png' });
        return res.end(Buffer.concat([tinyPng(), Buffer.alloc(12 * 1024 * 1024)]));
      default:
        res.writeHead(404, { 'content-type': 'text/html' });
        return res.end('<html><head><title>Not found</title></head></html>');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    requests,
    cardImage,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
