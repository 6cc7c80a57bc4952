import { megabytes, type MediaFile } from '../domain/media-rules.ts';
import { checkMediaFor, type InstagramVideoKind } from '../domain/video-rules.ts';
import type { Network } from '../domain/networks.ts';

/** What a chat declares about an attached file (DeclaredFile in src/workflow/compose.ts has these). */
export interface DeclaredFile {
  filename: string;
  contentType: string;
  bytes: number;
  width?: number | undefined;
  height?: number | undefined;
  alt?: string | undefined;
}

/** Files one post can carry (Slack's file_input takes 10; Instagram's carousel too). */
export const MAX_COMPOSE_FILES = 10;

/** Types Greenlight takes in at all (probing the copy decides in the end: src/media/media-probe.ts). */
const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'video/mp4', 'video/quicktime', 'video/webm']);

/** A chat's file as the per-network rules see it, from what the chat declared. */
export function declaredFacts(file: DeclaredFile): MediaFile {
  return {
    filename: file.filename,
    contentType: normalType(file.contentType),
    bytes: file.bytes,
    width: file.width ?? null,
    height: file.height ?? null,
    // Unknown until the copy is probed (a video's length, codecs and frame rate too); the rules are
    // checked again on the real facts then.
    animated: false,
    alt: file.alt ?? null,
  };
}

/**
 * The form's files against each chosen network's rules (src/domain/media-rules.ts), on the facts
 * the chat declared: type, bytes and, where the chat says, pixels. A size the chat did not say is
 * not a problem yet: the copy is probed and checked again (recheckFiles). One message naming the
 * network and the file for each problem, joined for the form's `files` field.
 */
export function composeFileProblems(
  files: readonly DeclaredFile[],
  networks: readonly Network[],
  options: { requireAlt?: boolean; maxFileBytes?: number; instagram?: InstagramVideoKind } = {},
): string | undefined {
  if (files.length === 0) return undefined;
  const problems: string[] = [];
  if (files.length > MAX_COMPOSE_FILES) problems.push(`A post takes up to ${MAX_COMPOSE_FILES} files; this one has ${files.length}.`);
  for (const file of files) {
    const type = normalType(file.contentType);
    if (!IMAGE_TYPES.has(type))
      problems.push(`${file.filename} is not an image or a video Greenlight can take (JPEG, PNG, GIF or WebP images; MP4, MOV or WebM videos).`);
    else if (options.maxFileBytes !== undefined && file.bytes > options.maxFileBytes)
      problems.push(`${file.filename} is ${megabytes(file.bytes)}; Greenlight takes files up to ${megabytes(options.maxFileBytes, 'down')}.`);
    if (options.requireAlt && !(file.alt ?? '').trim()) problems.push(`Add alt text for ${file.filename}: this workspace asks for it on every image.`);
  }
  const facts = files.filter((f) => IMAGE_TYPES.has(normalType(f.contentType))).map(declaredFacts);
  problems.push(...networkProblems(facts, networks, { skipUnknownSize: true, instagram: options.instagram }));
  return problems.length > 0 ? [...new Set(problems)].join(' ') : undefined;
}

/** The rules again on the probed facts of the stored copies (the copy job, before the card shows them). */
export function recheckFiles(files: readonly MediaFile[], networks: readonly Network[], instagram?: InstagramVideoKind): string[] {
  return networkProblems(files, networks, { skipUnknownSize: false, instagram });
}

function networkProblems(
  files: readonly MediaFile[],
  networks: readonly Network[],
  o: { skipUnknownSize: boolean; instagram?: InstagramVideoKind | undefined },
): string[] {
  if (files.length === 0) return [];
  const problems: string[] = [];
  for (const network of new Set(networks)) {
    for (const p of checkMediaFor(network, files, o.instagram ? { instagram: o.instagram } : {}).problems) {
      if (o.skipUnknownSize && p.code === 'unknown_size') continue;
      problems.push(p.message);
    }
  }
  return problems;
}

function normalType(contentType: string): string {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  return type === 'image/jpg' ? 'image/jpeg' : type;
}
