import type { ServerResponse } from 'node:http';

/**
 * The one page helper for every HTML page Greenlight serves (the connect and OAuth pages, the Slack install
 * pages): small, server-rendered, no script. Every value is escaped by the `html` tag unless it is SafeHtml,
 * and every page is sent with the same security headers (no framing, no sniffing, no referrer, a CSP that
 * allows no script at all).
 */

export class SafeHtml {
  readonly value: string;
  constructor(value: string) {
    this.value = value;
  }
}

export function escapeHtml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#39;');
}

/** A template whose interpolations are escaped unless they are SafeHtml (or arrays of it). */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}

function render(value: unknown): string {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === undefined || value === null || value === false) return '';
  return escapeHtml(String(value));
}

/** The headers every HTML page and every browser-facing redirect carries. */
export const SECURITY_HEADERS = {
  'cache-control': 'no-store',
  // The link token sits in the URL: never send it on as a referrer.
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
};

const HEADERS = { 'content-type': 'text/html; charset=utf-8', ...SECURITY_HEADERS };

const STYLE =
  'body{font:16px/1.5 system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;color:#1d1d1f}' +
  'h1{font-size:1.4rem}label{display:block;margin:1rem 0 .25rem}input{width:100%;padding:.5rem;font:inherit;box-sizing:border-box}' +
  'button{margin-top:1.25rem;padding:.5rem 1.25rem;font:inherit}.error{color:#b00020}.muted{color:#666;font-size:.9rem}';

export function sendPage(res: ServerResponse, status: number, title: string, body: SafeHtml): void {
  const page = html`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex"><title>${title} · Greenlight</title><style>${new SafeHtml(STYLE)}</style></head><body><h1>${title}</h1>${body}</body></html>`;
  res.writeHead(status, HEADERS);
  res.end(page.value);
}

export function sendRedirect(res: ServerResponse, location: string): void {
  res.writeHead(302, { location, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
  res.end();
}
