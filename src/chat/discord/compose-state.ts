import { findDraft, insertDraft, saveDraftInput } from '../../db/compose-drafts.ts';
import type { Db } from '../../db/database.ts';
import { isNetwork, type Network } from '../../domain/networks.ts';
import type { ComposeFile, ComposeInput } from '../../workflow/compose.ts';
import type { Actor } from '../../workflow/actor.ts';
import { lastPostZone } from '../../db/posts.ts';
import { memberZone } from '../../db/workspaces.ts';

/**
 * The author's form between its steps (modal, account picker, "fix in the form"), kept in
 * Postgres so any replica can take the next step and nothing typed is lost on a refusal.
 */
export interface Draft {
  id: string;
  postId: string | null;
  channelId: string;
  input: ComposeInput;
}

export async function newDraft(db: Db, actor: Actor, o: { postId: string | null; channelId: string; input: ComposeInput }): Promise<Draft> {
  const row = await insertDraft(db, { workspaceId: actor.workspaceId, userId: actor.userId, postId: o.postId, channelId: o.channelId, input: { ...o.input } });
  return { id: row.id, postId: o.postId, channelId: o.channelId, input: o.input };
}

/** The actor's own draft; another member's id (or a forged one) finds nothing. */
export async function loadDraft(db: Db, actor: Actor, id: string | undefined): Promise<Draft | undefined> {
  const row = id ? await findDraft(db, id, actor) : undefined;
  return row ? { id: row.id, postId: row.postId, channelId: row.channelId, input: readInput(row.input) } : undefined;
}

/** Saves the draft's form; false when the draft is gone (a Send removed it meanwhile). */
export async function saveDraft(db: Db, draft: Draft): Promise<boolean> {
  return saveDraftInput(db, draft.id, { ...draft.input });
}

/** Read back defensively: a row written by an older version still yields a usable form. */
function readInput(raw: Record<string, unknown>): ComposeInput {
  const text = (v: unknown) => (typeof v === 'string' ? v : '');
  const list = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  return {
    text: text(raw.text),
    accountIds: list(raw.accountIds),
    variants: perNetwork(raw.variants),
    // First comments and the "no link preview" choice (issue 16): Edit's prefill carries them too.
    comments: perNetwork(raw.comments),
    ...(raw.noLinkPreview === true ? { noLinkPreview: true } : {}),
    media: list(raw.media),
    when: text(raw.when),
    zone: text(raw.zone) || 'UTC',
    note: typeof raw.note === 'string' && raw.note !== '' ? raw.note : null,
    // No `files` at all is not "no files": a form that says nothing of files keeps the post's own (editPost).
    ...(Array.isArray(raw.files) ? { files: readFiles(raw.files) } : {}),
    ...(raw.instagram === 'reels' || raw.instagram === 'stories' ? { instagram: raw.instagram } : {}),
  };
}

/** A per-network text map as stored (versions, first comments); an entry for no network is dropped. */
function perNetwork(raw: unknown): Partial<Record<Network, string>> {
  const out: Partial<Record<Network, string>> = {};
  for (const [network, value] of Object.entries(typeof raw === 'object' && raw ? raw : {})) {
    if (isNetwork(network) && typeof value === 'string') out[network] = value;
  }
  return out;
}

/** The draft's files as stored (JSON); an entry that is not a file is dropped. */
function readFiles(raw: unknown[]): ComposeFile[] {
  const files: ComposeFile[] = [];
  for (const f of raw as (Record<string, unknown> | null)[]) {
    if (typeof f !== 'object' || f === null || typeof f.filename !== 'string' || typeof f.bytes !== 'number') continue;
    const s = (typeof f.source === 'object' && f.source ? f.source : {}) as Record<string, unknown>;
    const source: ComposeFile['source'] | undefined =
      (s.chat === 'discord' || s.chat === 'slack') && typeof s.url === 'string'
        ? { chat: s.chat, url: s.url }
        : s.chat === 'store' && typeof s.mediaId === 'string'
          ? { chat: 'store', mediaId: s.mediaId }
          : undefined;
    if (!source) continue;
    files.push({
      source,
      filename: f.filename,
      contentType: typeof f.contentType === 'string' ? f.contentType : '',
      bytes: f.bytes,
      ...(typeof f.width === 'number' ? { width: f.width } : {}),
      ...(typeof f.height === 'number' ? { height: f.height } : {}),
      ...(typeof f.alt === 'string' && f.alt !== '' ? { alt: f.alt } : {}),
    });
  }
  return files;
}

/**
 * Discord has no profile time zone: the author's zone is the one of their last post (what they
 * typed in the form last time), else the one set for them in the members table, else the workspace's.
 */
export async function rememberedZone(db: Db, actor: Actor, fallback: string): Promise<string> {
  const [last, member] = await Promise.all([lastPostZone(db, actor.workspaceId, actor.userId), memberZone(db, actor.workspaceId, actor.userId)]);
  return last ?? member ?? fallback;
}
