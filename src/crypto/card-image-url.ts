// Signed links to a post's images as its card shows them (issue 14): `$PUBLIC_URL/card-image/<id>?exp=…&sig=…`,
// put in the card's image blocks (Slack fetches image_url itself; Discord embeds likewise). Unlike the
// media URLs networks pull from (src/crypto/media-url.ts: only approved, scheduled or publishing
// posts), these serve a file while its post is reviewed, which is when approvers must see it.
//
// sig = base64url(HMAC-SHA256(STATE_SECRET, "greenlight.card-image.v1." + id + "." + exp)): its own
// context, so a card link cannot be turned into a media URL or an OAuth state, nor the other way.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { isMediaId } from './media-url.ts';

const CONTEXT = 'greenlight.card-image.v1.';
/** A week: every card update signs afresh, and a card is updated at every event of its post. */
export const CARD_IMAGE_TTL_SECONDS = 7 * 24 * 3600;

function mac(id: string, exp: number, secret: string): Buffer {
  if (typeof secret !== 'string' || secret.length < 32) throw new Error('card image secret must be at least 32 characters');
  return createHmac('sha256', secret).update(`${CONTEXT}${id}.${exp}`, 'utf8').digest();
}

export function signCardImageUrl(publicUrl: string, id: string, secret: string, now: Date, ttlSeconds = CARD_IMAGE_TTL_SECONDS): string {
  if (!isMediaId(id)) throw new TypeError('media id must be a lowercase uuid');
  // Whole days, so the URL (and Slack's cached copy of the image) stays the same across the day's card updates.
  const exp = Math.ceil((Math.floor(now.getTime() / 1000) + ttlSeconds) / 86_400) * 86_400;
  return `${publicUrl.replace(/\/+$/, '')}/card-image/${id}?exp=${exp}&sig=${mac(id, exp, secret).toString('base64url')}`;
}

export function verifyCardImageUrl(id: string, exp: string | null, sig: string | null, secret: string, now: Date): boolean {
  if (!isMediaId(id) || exp === null || sig === null || !/^\d{1,12}$/.test(exp) || !/^[A-Za-z0-9_-]{43}$/.test(sig)) return false;
  const given = Buffer.from(sig, 'base64url');
  if (given.length !== 32 || !timingSafeEqual(given, mac(id, Number(exp), secret))) return false;
  return Math.floor(now.getTime() / 1000) < Number(exp);
}
