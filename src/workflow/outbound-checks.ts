import { outboundPolicy, outboundProblem } from '../networks/outbound.ts';
import type { ComposeResult } from './compose.ts';

/**
 * Early answers of the outbound guard (src/networks/outbound.ts) where a user types an address: a media link
 * or webhook URL that points inside the network is refused on the form or command, not at publish time only.
 * Publish time checks again (DNS can change). A name that cannot be looked up now is let through to that check.
 */
export async function addressProblem(url: string): Promise<string | undefined> {
  return outboundProblem(url, outboundPolicy());
}

/** Adds a media field error for the first media link the guard refuses. */
export async function withMediaCheck(checked: ComposeResult, media: string[]): Promise<ComposeResult> {
  if (!checked.ok && checked.errors.media) return checked;
  const links = checked.ok ? checked.value.media : media.map((m) => m.trim()).filter(Boolean);
  const problems = await Promise.all(links.map(async (link) => ({ link, problem: await addressProblem(link) })));
  const bad = problems.find((p) => p.problem);
  if (!bad) return checked;
  const host = URL.parse(bad.link)?.host ?? bad.link.slice(0, 80);
  const message = `The media link ${host} ${bad.problem}: Greenlight only fetches media from public web addresses.`;
  return { ok: false, errors: { ...(checked.ok ? {} : checked.errors), media: message } };
}
