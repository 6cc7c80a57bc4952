import { request } from 'undici';
import type { Logger } from '../../log.ts';
import { INSTALL_PATH } from './oauth-install.ts';

const TIMEOUT_MS = 5_000;

/**
 * OAuth installs: a command or click from a workspace without an installation (removed, or never
 * finished) reaches no listener, because Bolt finds no token to authorize it with. The person still
 * gets an answer where they are, through the request's response_url, which needs no token.
 */
export async function tellNotInstalled(body: unknown, publicUrl: string, log: Logger): Promise<void> {
  const { response_url: responseUrl, team_id: teamId, team } = (body ?? {}) as { response_url?: string; team_id?: string; team?: { id?: string } };
  log.warn({ teamId: teamId ?? team?.id }, 'a Slack request from a workspace where Greenlight is not installed');
  if (typeof responseUrl !== 'string') return;
  const text = `Greenlight is not installed in this workspace (any more). A workspace admin can install it from ${publicUrl}${INSTALL_PATH}.`;
  try {
    const res = await request(responseUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ response_type: 'ephemeral', text }),
      headersTimeout: TIMEOUT_MS,
      bodyTimeout: TIMEOUT_MS,
    });
    await res.body.dump();
  } catch (error) {
    log.warn({ err: error }, 'could not answer a Slack request from a workspace without an installation');
  }
}
