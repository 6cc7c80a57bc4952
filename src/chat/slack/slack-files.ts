import type { Db } from '../../db/database.ts';
import { findWorkspace } from '../../db/workspaces.ts';
import { megabytes } from '../../domain/media-rules.ts';
import { ChatDownloadError, openChatDownload } from '../../networks/chat-download.ts';
import { ChatFileError, type ChatFileSource } from '../../workflow/chat-files.ts';
import type { WorkspaceClients } from './workspace-clients.ts';

/**
 * Reads a file a person attached in Slack (file_input or a message's files): GET its
 * `url_private_download` with the workspace's bot token (`Authorization: Bearer xoxb-…`, scope
 * files:read), through the guarded outbound client. The token goes only to Slack's own file hosts
 * (`*.slack.com`, or the host of SLACK_API_URL when it points elsewhere: the emulator), never to
 * where a redirect leads outside them. Slack's sign-in page (200 text/html, its answer to a token
 * that may not read the file) is refused.
 */
export function createSlackFileSource(clients: WorkspaceClients, db: Db, options: { apiUrl?: string | undefined; maxFileBytes: number }): ChatFileSource {
  const ownHost = options.apiUrl ? new URL(options.apiUrl).host : undefined;
  const isSlackHost = (url: URL) => url.hostname === 'slack.com' || url.hostname.endsWith('.slack.com') || url.host === ownHost;
  return {
    async open(workspaceId, file, signal) {
      if (file.source.chat !== 'slack') throw new Error(`the Slack file source was asked for a ${file.source.chat} file`);
      const first = URL.parse(file.source.url);
      if (!first || !isSlackHost(first)) throw new ChatFileError(`${file.filename} is not a file Slack holds, so Greenlight cannot copy it.`);
      const workspace = await findWorkspace(db, workspaceId);
      if (!workspace) throw new Error(`workspace ${workspaceId} not found`);
      const token = (await clients.forWorkspace(workspace)).token;
      if (!token) throw new Error(`no Slack bot token for workspace ${workspaceId}`);
      try {
        const download = await openChatDownload(first.toString(), {
          headersFor: (url): Record<string, string> => (isSlackHost(url) ? { authorization: `Bearer ${token}` } : {}),
          signal,
          maxBytes: options.maxFileBytes,
        });
        return download.body;
      } catch (error) {
        if (!(error instanceof ChatDownloadError)) throw error;
        throw refusal(file.filename, error, options.maxFileBytes);
      }
    },
  };
}

/** A download Slack refused, in words for the author; a Slack that is away is retried instead. */
function refusal(filename: string, error: ChatDownloadError, maxFileBytes: number): Error {
  switch (error.problem) {
    case 'gone':
      return new ChatFileError(`${filename} is no longer in Slack (it was deleted before Greenlight could copy it).`, { cause: error });
    case 'forbidden':
      return new ChatFileError(
        `Slack did not let Greenlight read ${filename}: the app needs the files:read scope (reinstall it), and for a message's file, to be in that channel.`,
        { cause: error },
      );
    case 'too_large':
      return new ChatFileError(`${filename} is larger than ${megabytes(maxFileBytes, 'down')}, the most Greenlight takes for one file.`, { cause: error });
    default:
      return error;
  }
}
