import { createServer } from 'node:net';
import { fetch, type RequestInit } from 'undici';
import { CHANNEL, startStack, type Stack, type StackOptions } from '../helpers/greenlight.ts';

/**
 * The whole stack with OAuth apps configured against the emulators, on a port fixed before start so that
 * PUBLIC_URL (and so every redirect URI) is the address a real HTTP client reaches.
 */
export const X_CLIENT = { id: 'greenlight-x-client', secret: 'x-client-secret-0123456789abcdef' };

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function oauthStack(options: StackOptions = {}): Promise<Stack & { publicUrl: string }> {
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  const stack = await startStack({
    ...options,
    env: (urls) => ({
      PORT: String(port),
      PUBLIC_URL: publicUrl,
      X_CLIENT_ID: X_CLIENT.id,
      X_CLIENT_SECRET: X_CLIENT.secret,
      X_AUTH_URL: `${urls.x}/i/oauth2/authorize`,
      ...options.env?.(urls),
    }),
  });
  return Object.assign(stack, { publicUrl });
}

/** `/greenlight connect <network>` in Slack; returns the link from the ephemeral answer. */
export async function chatLink(stack: Stack, user: string, network: string): Promise<string> {
  const before = stack.slack.ephemerals(user).length;
  await stack.slack.slashCommand({ command: '/greenlight', text: `connect ${network}`, userId: user, channelId: CHANNEL });
  const answer = await stack.slack.waitFor(
    () =>
      stack.slack
        .ephemerals(user)
        .slice(before)
        .find((e) => e.text.includes('/connect/')),
    { what: 'the connect link' },
  );
  return /(https?:\/\/\S+)/.exec(answer.text)![1]!;
}

export interface Hop {
  url: string;
  status: number;
  location: string;
}

export interface Browsed {
  hops: Hop[];
  url: string;
  status: number;
  body: string;
  headers: Headers;
}

/** A browser without script: undici fetch, every redirect followed by hand (and recorded). */
export async function browse(url: string, init: RequestInit = {}): Promise<Browsed> {
  const hops: Hop[] = [];
  let current = url;
  let request: RequestInit = init;
  for (let i = 0; i < 10; i++) {
    const res = await fetch(current, { ...request, redirect: 'manual' });
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      await res.body?.cancel();
      hops.push({ url: current, status: res.status, location });
      current = new URL(location, current).toString();
      request = {};
      continue;
    }
    return { hops, url: current, status: res.status, body: await res.text(), headers: res.headers as unknown as Headers };
  }
  throw new Error(`too many redirects from ${url}`);
}

/** Submits a form as a browser would (urlencoded POST), following redirects. */
export function submitForm(url: string, fields: Record<string, string>): Promise<Browsed> {
  return browse(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
}

/** The hidden link token a form page carries. */
export function formToken(page: string): string {
  return /name="t" value="([^"]+)"/.exec(page)![1]!;
}
