/** The Slack emulator's files that users share (a section of emulators/slack.ts). */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { hex } from './helpers.ts';
import { bearerToken } from './request-parsing.ts';
import type { Json } from './types.ts';

/**
 * Files a user drops into a modal's `file_input` or a message, served as Slack serves them:
 * `url_private_download` (`/files-pri/<team>-<file id>/download/<name>`) gives the bytes only to a
 * request carrying a bot token that works in the file's team (`Authorization: Bearer xoxb-…`).
 * Without it Slack answers 302 to its sign-in page, which is 200 text/html (PLATFORMS-MEDIA.md §1.1,
 * observed): a client that follows redirects and does not look at the type stores a web page.
 * A deleted file is 404.
 */
export interface UserFile {
  id: string;
  teamId: string;
  userId: string;
  name: string;
  mimetype: string;
  filetype: string;
  bytes: Buffer;
  width?: number | undefined;
  height?: number | undefined;
  created: number;
  deleted: boolean;
}

export interface FileDownload {
  fileId: string;
  status: number;
  authorized: boolean;
}

export class UserFiles {
  readonly #files = new Map<string, UserFile>();
  /** Every GET of a file URL, with what it was answered. */
  readonly downloads: FileDownload[] = [];
  #held: { promise: Promise<void>; release: () => void } | undefined;

  readonly origin: () => string;
  /** The team a bot token works in, or undefined for a token that is unknown or revoked. */
  readonly teamOfBotToken: (token: string) => string | undefined;

  constructor(origin: () => string, teamOfBotToken: (token: string) => string | undefined) {
    this.origin = origin;
    this.teamOfBotToken = teamOfBotToken;
  }

  add(file: Omit<UserFile, 'id' | 'created' | 'deleted' | 'filetype'>): Json {
    const id = `F${hex(5).toUpperCase()}`;
    const record: UserFile = { ...file, id, created: Math.floor(Date.now() / 1000), deleted: false, filetype: extensionOf(file.name) };
    this.#files.set(id, record);
    return this.fileObject(id);
  }

  /** Holds every download until release() (a slow Slack: lets a test see the card while files are copied). */
  hold(): () => void {
    let release = () => {};
    const promise = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.#held = { promise, release };
    return () => {
      this.#held = undefined;
      release();
    };
  }

  delete(id: string): void {
    const file = this.#files.get(id);
    if (file) file.deleted = true;
  }

  get(id: string): UserFile | undefined {
    return this.#files.get(id);
  }

  /** The file object as Slack puts it in `view_submission` state and in messages (Bolt's `File` type). */
  fileObject(id: string): Json {
    const f = this.#files.get(id);
    if (!f) throw new Error(`Slack emulator: no file ${id}`);
    const base = `${this.origin()}/files-pri/${f.teamId}-${f.id}`;
    return {
      id: f.id,
      created: f.created,
      timestamp: f.created,
      name: f.name,
      title: f.name,
      mimetype: f.mimetype,
      filetype: f.filetype,
      pretty_type: f.filetype.toUpperCase(),
      user: f.userId,
      user_team: f.teamId,
      editable: false,
      size: f.bytes.length,
      mode: 'hosted',
      is_external: false,
      external_type: '',
      is_public: false,
      public_url_shared: false,
      display_as_bot: false,
      username: '',
      url_private: `${base}/${encodeURIComponent(f.name)}`,
      url_private_download: `${base}/download/${encodeURIComponent(f.name)}`,
      permalink: `${this.origin()}/files/${f.userId}/${f.id}/${encodeURIComponent(f.name)}`,
      ...(f.width !== undefined ? { original_w: f.width, original_h: f.height } : {}),
      channels: [],
      groups: [],
      ims: [],
      has_rich_preview: false,
    };
  }

  /** Routes GET /files-pri/… and the sign-in page; false for any other path. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL): boolean {
    if (this.#held && url.pathname.startsWith('/files-pri/')) {
      const held = this.#held.promise;
      void held.then(() => this.handle(req, res, url));
      return true;
    }
    if (req.method === 'GET' && url.pathname === '/signin') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!DOCTYPE html><html><head><title>Sign in | Slack</title></head><body>Sign in to your workspace</body></html>');
      return true;
    }
    const match = /^\/files-pri\/([A-Z0-9]+)-(F[A-Z0-9]+)\/(?:download\/)?[^/]+$/.exec(url.pathname);
    if (req.method !== 'GET' || !match) return false;
    const [, teamId, fileId] = match as unknown as [string, string, string];
    const file = this.#files.get(fileId);
    const token = bearerToken(req);
    const authorized = token !== undefined && this.teamOfBotToken(token) === teamId;
    if (!authorized) {
      this.downloads.push({ fileId, status: 302, authorized: false });
      res.writeHead(302, { location: `${this.origin()}/signin?redir=${encodeURIComponent(url.pathname)}` });
      res.end();
      return true;
    }
    if (!file || file.deleted || file.teamId !== teamId) {
      this.downloads.push({ fileId, status: 404, authorized });
      res.writeHead(404, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<html><body>File not found</body></html>');
      return true;
    }
    this.downloads.push({ fileId, status: 200, authorized });
    res.writeHead(200, {
      'content-type': file.mimetype,
      'content-length': String(file.bytes.length),
      'content-disposition': `attachment; filename="${file.name.replace(/"/g, '')}"`,
    });
    res.end(file.bytes);
    return true;
  }
}

function extensionOf(name: string): string {
  const ext = /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase() ?? 'binary';
  return ext === 'jpeg' ? 'jpg' : ext;
}
