import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { newWebhookSecret, signatureHeader, verifySignature } from '../../src/crypto/webhook-signature.ts';
import { parseWebhookUrl } from '../../src/domain/webhook-url.ts';

describe('Greenlight-Signature', () => {
  const secret = newWebhookSecret();
  const body = '{"type":"approved"}';
  const now = new Date('2026-11-25T09:00:00Z');

  it('is t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">, as docs/webhooks.md says', () => {
    const header = signatureHeader(secret, body, now);
    const t = 1795597200;
    expect(header).toBe(`t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
  });

  it('verifies the body it signed, fresh, with the right secret only', () => {
    const header = signatureHeader(secret, body, now);
    expect(verifySignature(secret, body, header, now)).toBe(true);
    expect(verifySignature(secret, `${body} `, header, now)).toBe(false);
    expect(verifySignature(newWebhookSecret(), body, header, now)).toBe(false);
    expect(verifySignature(secret, body, header, new Date(now.getTime() + 301_000))).toBe(false);
    const flipped = header.slice(0, -1) + (header.endsWith('0') ? '1' : '0');
    expect(verifySignature(secret, body, flipped, now)).toBe(false);
    expect(verifySignature(secret, body, 'garbage', now)).toBe(false);
  });
});

describe('webhook URLs', () => {
  it('takes https (http only where allowed), unwraps Slack links, and refuses credentials and other schemes', () => {
    const strict = { allowPlainHttp: false };
    expect(parseWebhookUrl('<https://example.com/hook?x=1#frag|example.com/hook>', strict)).toEqual({ ok: true, url: 'https://example.com/hook?x=1' });
    expect(parseWebhookUrl('http://127.0.0.1:8080/in', strict).ok).toBe(false);
    expect(parseWebhookUrl('http://127.0.0.1:8080/in', { allowPlainHttp: true })).toEqual({ ok: true, url: 'http://127.0.0.1:8080/in' });
    for (const bad of ['', 'ftp://example.com', 'javascript:alert(1)', 'https://user:pw@example.com/', 'not a url'])
      expect(parseWebhookUrl(bad, strict).ok, bad).toBe(false);
  });
});
