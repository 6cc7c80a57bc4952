import { firstCommentProblem, hashWithComments } from '../domain/first-comment.ts';
import { contentHashWithFiles, type HashableFile } from '../domain/media-hash.ts';
import { isValidTimeZone } from '../domain/local-time.ts';
import type { Network } from '../domain/networks.ts';
import { parsePublishTime } from '../domain/publish-time.ts';
import { parseSlotRequest, type SlotRequest } from '../domain/posting-slots.ts';
import { occurrences, parseRepeat, type RepeatRule } from '../domain/recurrence.ts';
import { validateContent } from '../domain/text-rules.ts';
import { hashWithInstagramKind } from '../domain/instagram-kind.ts';
import type { InstagramVideoKind } from '../domain/video-rules.ts';
import { countOptionsOf } from '../db/accounts.ts';
import type { SocialAccount } from '../db/schema.ts';
import { composeFileProblems } from './compose-files.ts';

/**
 * A file the author attached in the chat (Slack file_input or message shortcut, Discord attachment or
 * context menu), as the chat describes it at submit. The chat's link is private (Slack: bot token) or
 * expires (Discord CDN), so the file is copied into Greenlight's media store after the form is
 * answered (src/workflow/media-intake.ts) and only the store's copy is ever published. `store` is a
 * file already in the store (Edit keeps the post's files).
 */
export interface ComposeFile {
  source: { chat: 'slack' | 'discord'; url: string } | { chat: 'store'; mediaId: string };
  filename: string;
  /** The type the chat reports (image/png); probing the copy decides in the end. */
  contentType: string;
  bytes: number;
  width?: number | undefined;
  height?: number | undefined;
  alt?: string | undefined;
}

/** What the author typed in the compose form (Slack modal or Discord modal), before validation. */
export interface ComposeInput {
  text: string;
  accountIds: string[];
  variants: Partial<Record<Network, string>>;
  /** Media links typed into the links field. */
  media: string[];
  /** Files attached in the chat, in order (at most 10). */
  files?: ComposeFile[];
  /** The author chose "no link preview": the first link gets no card (src/workflow/link-preview.ts). */
  noLinkPreview?: boolean | undefined;
  /** First comment per network (src/workflow/first-comment.ts): a comment, or a reply on threaded networks. */
  comments?: Partial<Record<Network, string>> | undefined;
  /** How the video goes to Instagram: a Reel (default) or a Story (issue 15). */
  instagram?: InstagramVideoKind | undefined;
  when: string;
  zone: string;
  note: string | null;
}

export type ComposeField = 'text' | 'targets' | 'media' | 'files' | 'instagram' | 'when' | 'note' | `variant_${Network}` | `comment_${Network}`;

export type ComposeResult = { ok: true; value: ValidCompose } | { ok: false; errors: Partial<Record<ComposeField, string>> };

export interface ValidCompose {
  text: string;
  targets: { accountId: string; network: Network }[];
  variants: Partial<Record<Network, string>>;
  media: string[];
  /** Attached files, in order; their alt text trimmed (empty: none). */
  files: ComposeFile[];
  /** How the video goes to Instagram (reels unless the author chose a Story for a post to Instagram). */
  instagram: InstagramVideoKind;
  publishAt: Date;
  zone: string;
  note: string | null;
  /** Without files still being copied: submit and edit hash again once every file is stored (src/workflow/post-files.ts). */
  contentHash: string;
  /** First comments per network, checked (the hash covers them). */
  comments?: Partial<Record<Network, string>>;
  /** "next slot": `publishAt` is only its lower bound until the slot is chosen (src/workflow/next-slot.ts). */
  slot?: SlotRequest;
  /** "…, every week 52 times": the series' rule and its occurrences (the first is `publishAt`). */
  repeat?: { rule: RepeatRule; at: Date[] };
}

const NOTE_LIMIT = 1000;

/**
 * Checks the form against the domain rules and the workspace's accounts. Every problem is reported
 * on its own field, so the author fixes them all at once; nothing is stored until this passes.
 */
export function validateCompose(
  input: ComposeInput,
  accounts: SocialAccount[],
  now: Date,
  options: { requireAlt?: boolean; maxFileBytes?: number } = {},
): ComposeResult {
  const errors: Partial<Record<ComposeField, string>> = {};
  const chosen = accounts.filter((a) => input.accountIds.includes(a.id));
  if (input.accountIds.length === 0) errors.targets = 'Choose at least one account to publish to.';
  else if (chosen.length !== input.accountIds.length) errors.targets = 'One of the chosen accounts is no longer connected: choose again.';

  const media = input.media.map((m) => m.trim()).filter(Boolean);
  const badUrl = media.find((m) => !/^https?:\/\/\S+$/i.test(m));
  if (badUrl) errors.media = `"${badUrl.slice(0, 80)}" is not a web address (https://...).`;

  const files = (input.files ?? []).map((f) => ({ ...f, alt: f.alt?.trim() || undefined }));
  // Attached files count with the links (Instagram needs one; X takes four in all).
  const counted = [...media, ...files.map((f) => `file:${f.filename}`)];

  const variants = Object.fromEntries(Object.entries(input.variants).filter(([, text]) => text && text.trim() !== '')) as Partial<Record<Network, string>>;
  // Per account, not per network: two Mastodon accounts on different instances have different limits.
  for (const account of chosen) {
    const { network } = account;
    const variant = variants[network];
    // The text exactly as it is stored and later checked again before publishing (publish-delivery.ts).
    for (const issue of validateContent(network, { text: variant ?? input.text.trim(), media: counted }, countOptionsOf(account))) {
      // Files alone: their count is checked with the files (checkImagesFor), in the files' own words.
      if (issue.field === 'media' && files.length > 0 && media.length === 0) continue;
      const field: ComposeField = issue.field === 'media' ? 'media' : variant ? `variant_${network}` : 'text';
      errors[field] ??= issue.message;
    }
  }

  // First comments: only for networks the post goes to; each checked against its network's limit.
  const comments: Partial<Record<Network, string>> = {};
  for (const [key, raw] of Object.entries(input.comments ?? {})) {
    const network = key as Network;
    const text = raw?.trim() ?? '';
    const account = chosen.find((a) => a.network === network);
    if (text === '' || !account) continue;
    const problem = firstCommentProblem(network, text, countOptionsOf(account));
    if (problem) errors[`comment_${network}`] = problem;
    else comments[network] = text;
  }
  const toInstagram = chosen.some((a) => a.network === 'instagram');
  const instagram: InstagramVideoKind = toInstagram && input.instagram === 'stories' ? 'stories' : 'reels';
  const storyProblem = instagram === 'stories' ? instagramStoryProblem(files, media) : undefined;
  if (storyProblem) errors.instagram = storyProblem;
  const fileProblem = composeFileProblems(
    files,
    chosen.map((a) => a.network),
    { ...options, instagram },
  );
  if (fileProblem) errors.files = errors.files ? `${errors.files} ${fileProblem}` : fileProblem;

  if (input.note && input.note.length > NOTE_LIMIT) errors.note = `The note is ${input.note.length} characters; keep it under ${NOTE_LIMIT}.`;

  let publishAt: Date | undefined;
  let slot: SlotRequest | undefined;
  // "tue 9:00, every week 52 times": the time, then the series' rule (src/domain/recurrence.ts).
  const [whenText = '', repeatText] = splitRepeat(input.when);
  const repeatAsked = repeatText === undefined ? undefined : parseRepeat(repeatText);
  const slotAsked = isValidTimeZone(input.zone) ? parseSlotRequest(whenText, input.zone, now, (t) => parsePublishTime(t, input.zone, now)) : undefined;
  if (!isValidTimeZone(input.zone)) errors.when = `"${input.zone}" is not a time zone Greenlight knows (use an IANA name like Europe/Berlin).`;
  else if (slotAsked?.kind === 'error') errors.when = slotAsked.message;
  else if (slotAsked) {
    slot = slotAsked;
    publishAt = slotAsked.after;
  } else {
    const parsed = parsePublishTime(whenText.trim() === '' ? 'now' : whenText, input.zone, now);
    if (parsed.ok) publishAt = parsed.at;
    else errors.when = parsed.message;
  }

  let repeat: ValidCompose['repeat'];
  if (repeatAsked && !repeatAsked.ok) errors.when ??= repeatAsked.message;
  else if (repeatAsked && slot) errors.when ??= '"next slot" books one slot: give the series a time (e.g. "tue 9:00, every week 52 times").';
  else if (repeatAsked && publishAt) {
    const series = occurrences(publishAt, input.zone, repeatAsked.rule);
    if (series.ok) repeat = { rule: repeatAsked.rule, at: series.at };
    else errors.when ??= series.message;
  }

  if (Object.keys(errors).length > 0 || !publishAt) return { ok: false, errors };
  const targets = chosen.map((a) => ({ accountId: a.id, network: a.network }));
  return {
    ok: true,
    value: {
      text: input.text.trim(),
      targets,
      variants,
      media,
      files,
      instagram,
      publishAt,
      zone: input.zone,
      note: input.note?.trim() || null,
      contentHash: hashWithComments(hashOf(input.text.trim(), targets, variants, media, publishAt, [], instagram), comments),
      ...(Object.keys(comments).length > 0 ? { comments } : {}),
      ...(slot ? { slot } : {}),
      ...(repeat ? { repeat } : {}),
    },
  };
}

/**
 * The hash an approval is bound to: the exact text each network will get, the media links, the
 * stored files (each one's sha256 and alt text, in order), the time and a Story for Instagram. Without
 * files it is the hash posts had before files existed, so their approvals stay valid.
 */
export function hashOf(
  text: string,
  targets: { accountId: string; network: Network }[],
  variants: Partial<Record<Network, string>>,
  media: string[],
  publishAt: Date,
  files: readonly HashableFile[] = [],
  instagram: InstagramVideoKind = 'reels',
): string {
  const texts: Record<string, string> = {};
  for (const t of targets) texts[`${t.network}:${t.accountId}`] = variants[t.network] ?? text;
  const base = contentHashWithFiles({ texts, media, publishAt }, files);
  return hashWithInstagramKind(
    base,
    instagram,
    targets.map((t) => t.network),
  );
}

/**
 * Greenlight publishes an Instagram Story from one video (the adapter's STORIES container takes a
 * video_url): a Story chosen for a post without one is said on the choice itself.
 */
function instagramStoryProblem(files: readonly ComposeFile[], links: readonly string[]): string | undefined {
  if (files.some((f) => f.contentType.toLowerCase().startsWith('video/'))) return undefined;
  const what = files.length > 0 || links.length > 0 ? 'this post has images only' : 'this post has no video';
  return `Instagram Stories from Greenlight are one video; ${what}. Attach a video, or choose Reel / feed post for Instagram.`;
}

/** "tue 9:00, every week 52 times" → ["tue 9:00", "every week 52 times"]; no rule → [text]. */
function splitRepeat(text: string): [string, string?] {
  const match = /[\s,;]+((?:repeat )?every\b.*)$/i.exec(text);
  return match ? [text.slice(0, match.index), match[1]!] : [text];
}
