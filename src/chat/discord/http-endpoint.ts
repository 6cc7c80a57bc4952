import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { sendJson } from '../../http/server.ts';
import type { Metrics } from '../../metrics.ts';
import type { DiscordEdge } from './edge-context.ts';
import { handleInteraction } from './interactions.ts';
import { InteractionType, ResponseType, parseInteraction, type InteractionResponse } from './types.ts';
import { publicKeyFromHex, verifyDiscordRequest } from './verify.ts';

export const INTERACTIONS_PATH = '/discord/interactions';

/** Discord's own payloads are a few kilobytes; anything far larger is refused unread. */
const BODY_LIMIT_BYTES = 256 * 1024;

/**
 * HTTP interactions, for deployments with a public URL: verify the Ed25519 signature over the raw
 * bytes (401 otherwise, as Discord's probes expect), answer PING, and answer everything else with
 * the handler's initial response as the HTTP body; the handler's later work continues after it.
 */
export function interactionsListener(edge: DiscordEdge, publicKeyHex: string, metrics: Metrics, clock: () => number = Date.now): RequestListener {
  const key = publicKeyFromHex(publicKeyHex);
  return (req, res) => {
    const started = process.hrtime.bigint();
    const acked = () => metrics.interactionAck.observe({ chat: 'discord', kind: 'http' }, Number(process.hrtime.bigint() - started) / 1e9);
    serve(req, res, acked).catch((error: unknown) => {
      edge.log.error({ err: error }, 'the Discord interactions endpoint failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal_error' });
    });
  };

  async function serve(req: IncomingMessage, res: ServerResponse, acked: () => void): Promise<void> {
    if ((req.url ?? '').split('?')[0] !== INTERACTIONS_PATH) return sendJson(res, 404, { error: 'not_found' });
    if (req.method !== 'POST') return sendJson(res, 405, { error: 'method_not_allowed' });
    const body = await readBody(req);
    if (!body) return sendJson(res, 413, { error: 'too_large' });
    const signature = header(req, 'x-signature-ed25519');
    const timestamp = header(req, 'x-signature-timestamp');
    if (!verifyDiscordRequest(key, { signature, timestamp, body }, clock())) return sendJson(res, 401, { error: 'invalid_signature' });
    const interaction = parseInteraction(parseJson(body));
    if (!interaction) return sendJson(res, 400, { error: 'malformed_interaction', message: 'the body is not a Discord interaction' });
    if (interaction.type === InteractionType.Ping) {
      sendJson(res, 200, { type: ResponseType.Pong });
      return acked();
    }
    const respond = async (response: InteractionResponse) => {
      sendJson(res, 200, response);
      acked();
    };
    await handleInteraction(edge, interaction, respond);
    if (!res.headersSent) {
      edge.log.error({ interactionId: interaction.id }, 'a Discord interaction ended without an answer');
      sendJson(res, 500, { error: 'no_answer' });
    }
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > BODY_LIMIT_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}
