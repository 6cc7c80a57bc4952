import { describe, expect, it } from 'vitest';
import { signMediaUrl, verifyMediaUrl } from '../../src/crypto/media-url.ts';

const SECRET = 'k'.repeat(32);
const ID = '3f2b8c1e-9a4d-4e1f-8b2a-0c5d6e7f8a9b';
const now = new Date('2026-12-06T08:00:00Z');

function parts(url: string) {
  const u = new URL(url);
  return { id: u.pathname.split('/').at(-1)!, exp: u.searchParams.get('exp'), sig: u.searchParams.get('sig') };
}

describe('signed media URLs', () => {
  it('are $PUBLIC_URL/media/<id>?exp=…&sig=… and verify until they expire', () => {
    const url = signMediaUrl('https://greenlight.example.com/', ID, SECRET, now, 600);
    expect(url).toMatch(new RegExp(`^https://greenlight\\.example\\.com/media/${ID}\\?exp=${now.getTime() / 1000 + 600}&sig=[A-Za-z0-9_-]{43}$`));
    const { id, exp, sig } = parts(url);
    expect(verifyMediaUrl(id, exp, sig, SECRET, now)).toEqual({ ok: true });
    expect(verifyMediaUrl(id, exp, sig, SECRET, new Date(now.getTime() + 599_000))).toEqual({ ok: true });
    expect(verifyMediaUrl(id, exp, sig, SECRET, new Date(now.getTime() + 600_000))).toEqual({ ok: false, reason: 'expired' });
  });

  it('refuse another secret, another id, a moved expiry and malformed input', () => {
    const { id, exp, sig } = parts(signMediaUrl('https://g.example', ID, SECRET, now));
    expect(verifyMediaUrl(id, exp, sig, 'x'.repeat(32), now)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyMediaUrl(ID.replace('3f', '4f'), exp, sig, SECRET, now)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyMediaUrl(id, String(Number(exp) + 1), sig, SECRET, now)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyMediaUrl(id, null, sig, SECRET, now)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyMediaUrl(id, exp, `${sig!.slice(0, -1)}!`, SECRET, now)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyMediaUrl('../etc/passwd', exp, sig, SECRET, now)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('need a secret of at least 32 characters', () => {
    expect(() => signMediaUrl('https://g.example', ID, 'short', now)).toThrow(/at least 32/);
  });
});
