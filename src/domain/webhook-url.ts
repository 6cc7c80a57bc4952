/** A URL a team gives Greenlight to POST to (an outgoing webhook, the webhook network). */
export type WebhookUrlResult = { ok: true; url: string } | { ok: false; message: string };

const MAX_LENGTH = 2000;

/** Absolute http(s), https unless plain http is allowed (tests, laptops), no credentials, no fragment. */
export function parseWebhookUrl(input: string, options: { allowPlainHttp: boolean }): WebhookUrlResult {
  // Slack wraps a link it recognised as <url> or <url|label>.
  const text = input.trim().replace(/^<([^|>]*)(\|[^>]*)?>$/, '$1');
  if (text.length === 0) return { ok: false, message: 'Give the URL to send to, such as https://example.com/hooks/greenlight.' };
  if (text.length > MAX_LENGTH) return { ok: false, message: `The URL is longer than ${MAX_LENGTH} characters.` };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, message: `"${text.slice(0, 100)}" is not a URL (it must start with https://).` };
  }
  if (url.protocol !== 'https:' && !(options.allowPlainHttp && url.protocol === 'http:')) return { ok: false, message: 'The URL must start with https://.' };
  if (url.username || url.password) return { ok: false, message: 'Put no user name or password in the URL: requests are signed instead.' };
  url.hash = '';
  return { ok: true, url: url.toString() };
}
