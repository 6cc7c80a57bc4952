import { request } from 'undici';
import { guardedAgent, guardedUrl, outboundPolicy, refusalIn, type OutboundPolicy } from '../../networks/outbound.ts';
import { ChatFileError, type ChatFileSource } from '../../workflow/chat-files.ts';

/** The author can act on this one: the link Discord gave has expired, or the file was deleted. */
export const DISCORD_FILE_GONE = 'the attachment is no longer available on Discord; attach it again';

/** Headers and each read of the body; a stalled CDN fails the copy, which the intake reports. */
const TIMEOUT_MS = 30_000;

/**
 * Reads a file attached on Discord for the copy into the media store: a GET of the attachment's signed CDN
 * link (`…?ex=…&is=…&hm=…`) through the guarded outbound client. The link is the one Discord put in the
 * interaction; it expires (about a day; ephemeral uploads sooner), so a copy that comes too late gets a 404
 * and the author hears DISCORD_FILE_GONE. No token is sent: CDN links carry their own signature.
 */
export function discordFileSource(policy: () => OutboundPolicy = outboundPolicy): ChatFileSource {
  return {
    async open(_workspaceId, file, signal) {
      if (file.source.chat !== 'discord' || !('url' in file.source)) throw new ChatFileError(`${file.filename} is not a Discord attachment.`);
      let url: URL;
      try {
        url = guardedUrl(file.source.url, policy());
      } catch (error) {
        throw new ChatFileError(`${file.filename}: Discord's link ${refusalIn(error)?.reason ?? 'cannot be read'}.`, { cause: error });
      }
      let res: Awaited<ReturnType<typeof request>>;
      try {
        res = await request(url, { method: 'GET', signal, dispatcher: guardedAgent(policy()), headersTimeout: TIMEOUT_MS, bodyTimeout: TIMEOUT_MS });
      } catch (error) {
        const refusal = refusalIn(error);
        if (refusal) throw new ChatFileError(`${file.filename}: Discord's link ${refusal.reason}.`, { cause: error });
        throw new Error(`reading ${file.filename} from Discord's CDN failed: ${(error as { code?: string }).code ?? (error as Error).message}`, {
          cause: error,
        });
      }
      if (res.statusCode === 404 || res.statusCode === 403 || res.statusCode === 410) {
        await res.body.dump().catch(() => undefined);
        throw new ChatFileError(`${file.filename}: ${DISCORD_FILE_GONE}.`);
      }
      if (res.statusCode !== 200) {
        await res.body.dump().catch(() => undefined);
        throw new Error(`Discord's CDN answered HTTP ${res.statusCode} for ${file.filename}`);
      }
      // An error page is not the file (a CDN or proxy in the way): never store it as the image.
      if (String(res.headers['content-type'] ?? '').startsWith('text/html')) {
        await res.body.dump().catch(() => undefined);
        throw new ChatFileError(`${file.filename}: Discord sent a web page instead of the file; attach it again`);
      }
      return res.body;
    },
  };
}
