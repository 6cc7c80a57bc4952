import type { types } from '@slack/bolt';
import { NETWORK_LABELS, isNetwork, isThreadedNetwork, type Network } from '../../domain/networks.ts';
import { takesFirstComment } from '../../domain/first-comment.ts';
import type { SocialAccount } from '../../db/schema.ts';
import type { InstagramVideoKind } from '../../domain/video-rules.ts';
import type { ComposeFile, ComposeInput } from '../../workflow/compose.ts';
import { VIEWS } from './ids.ts';

type KnownBlock = types.KnownBlock;
type View = types.View;

/** What the modal remembers between opening and submission (Slack hands it back untouched). */
export interface ComposeMetadata {
  mode: 'new' | 'edit';
  postId?: string;
  channelId: string;
  /** Edit: the post's stored files (media ids), kept unless the author attaches others. */
  keep?: string[];
  /** "Draft a post from this message": the compose draft holding the message's files (src/db/compose-drafts.ts). */
  draftId?: string;
}

export interface ComposePrefill {
  text?: string;
  accountIds?: string[];
  variants?: Partial<Record<Network, string>>;
  media?: string[];
  when?: string;
  zone: string;
  note?: string | null;
  /** Files already attached (Edit: the stored ones; the message shortcut: the message's); a file_input cannot be pre-filled. */
  files?: ComposeFile[];
  noLinkPreview?: boolean;
  comments?: Partial<Record<Network, string>>;
  /** How a video goes to Instagram (Edit: the post's choice). */
  instagram?: InstagramVideoKind;
}

/** The image types the file picker offers (Slack checks the extension only; the copy is probed). */
/** Slack file types the form's file input takes: images, and videos (issue 15). */
export const IMAGE_FILETYPES = ['png', 'jpg', 'jpeg', 'gif', 'webp', 'mp4', 'mov', 'webm'];

/** Slack lets a modal carry at most this many checkbox options; more accounts use a multi-select. */
const CHECKBOX_LIMIT = 10;

/** `bestTimes`: the one-line hint under the publish time ("Best times for X: Tue 9:00 (high), …"). */
export function composeModal(
  accounts: SocialAccount[],
  metadata: ComposeMetadata,
  prefill: ComposePrefill,
  extras: { bestTimes?: string | undefined } = {},
): View {
  const networks = [...new Set(accounts.map((a) => a.network))];
  const options = accounts.map((a) => ({
    text: { type: 'plain_text' as const, text: `${NETWORK_LABELS[a.network]} · ${a.display_name}`.slice(0, 75) },
    value: a.id,
  }));
  const chosen = options.filter((o) => prefill.accountIds?.includes(o.value));
  const targets =
    options.length <= CHECKBOX_LIMIT
      ? { type: 'checkboxes' as const, action_id: 'value', options, ...(chosen.length ? { initial_options: chosen } : {}) }
      : { type: 'multi_static_select' as const, action_id: 'value', options, ...(chosen.length ? { initial_options: chosen } : {}) };
  const blocks: KnownBlock[] = [
    input('text', 'Text', textInput({ multiline: true, initial: prefill.text, placeholder: 'What should go out? Separate thread parts with a line ---' })),
    { type: 'input', block_id: 'targets', label: { type: 'plain_text', text: 'Publish to' }, element: targets },
    input(
      'when',
      'Publish time',
      textInput({ initial: prefill.when ?? 'now', placeholder: 'now, next slot, in 2h, tomorrow 9am, fri 17:30, 2026-11-24 09:00' }),
      `In your time zone (below). A time in the past or one that does not exist is refused. Repeat: "tue 9:00, every week 10 times".`,
    ),
    ...(extras.bestTimes
      ? [{ type: 'context' as const, block_id: 'best_times', elements: [{ type: 'plain_text' as const, text: extras.bestTimes.slice(0, 2000) }] }]
      : []),
    input('zone', 'Time zone', textInput({ initial: prefill.zone }), 'IANA name, from your Slack profile', false),
    ...networks.map((n) =>
      input(
        `variant_${n}`,
        `${NETWORK_LABELS[n]} version (optional)`,
        textInput({ multiline: true, initial: prefill.variants?.[n] }),
        `Used instead of the text above on ${NETWORK_LABELS[n]}.`,
        false,
      ),
    ),
    ...(prefill.files?.length
      ? [
          {
            type: 'context' as const,
            block_id: 'attached',
            elements: [
              {
                type: 'plain_text' as const,
                text: `Attached: ${prefill.files.map((f) => f.filename).join(', ')}. Files you add below replace these.`.slice(0, 2000),
              },
            ],
          },
          removeFilesInput(),
        ]
      : []),
    {
      type: 'input',
      block_id: 'files',
      optional: true,
      label: { type: 'plain_text', text: 'Images or video (optional)' },
      element: { type: 'file_input', action_id: 'value', max_files: 10, filetypes: IMAGE_FILETYPES },
      hint: {
        type: 'plain_text',
        text: 'Up to 10 images (JPEG, PNG, GIF or WebP), or one video (MP4, MOV or WebM). Greenlight keeps its own copy and checks each network’s limits.',
      },
    } as KnownBlock,
    input(
      'alt',
      'Alt text (optional)',
      textInput({ multiline: true, initial: prefill.files?.map((f) => f.alt ?? '').join('\n'), maxLength: 3000 }),
      'One line per image, in the order attached: describes each image for people who cannot see it. An empty line: no alt text.',
      false,
    ),
    ...(networks.includes('instagram') ? [instagramKindInput(prefill.instagram ?? 'reels')] : []),
    input(
      'media',
      'Image links (optional)',
      textInput({ multiline: true, initial: prefill.media?.join('\n'), placeholder: 'https://… one per line' }),
      undefined,
      false,
    ),
    input('note', 'Note for the approver (optional)', textInput({ multiline: true, initial: prefill.note ?? undefined }), undefined, false),
    linkPreviewInput(prefill.noLinkPreview === true),
    ...networks.filter(takesFirstComment).map((n) => firstCommentInput(n, prefill.comments?.[n])),
  ];
  return {
    type: 'modal',
    callback_id: VIEWS.compose,
    private_metadata: JSON.stringify(metadata),
    title: { type: 'plain_text', text: metadata.mode === 'edit' ? 'Edit post' : 'New post' },
    submit: { type: 'plain_text', text: metadata.mode === 'edit' ? 'Save and resubmit' : 'Send for approval' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks,
  };
}

type StateValues = Record<
  string,
  Record<string, { value?: string | null; selected_option?: { value: string } | null; selected_options?: { value: string }[]; files?: SlackFile[] }>
>;

/** A file object as Slack puts it in a file_input's state and in a message's `files` (Bolt's `File`). */
export interface SlackFile {
  id?: string;
  name?: string;
  title?: string;
  mimetype?: string;
  size?: number;
  url_private?: string;
  url_private_download?: string;
  original_w?: number;
  original_h?: number;
}

/** A Slack file as the workflow's ComposeFile (the copy reads url_private_download with the bot token). */
export function composeFileOf(file: SlackFile): ComposeFile | undefined {
  const url = file.url_private_download ?? file.url_private;
  if (!url) return undefined;
  return {
    source: { chat: 'slack', url },
    filename: (file.name || file.title || file.id || 'image').slice(0, 255),
    contentType: file.mimetype ?? 'application/octet-stream',
    bytes: file.size ?? 0,
    width: file.original_w,
    height: file.original_h,
  };
}

/**
 * The submitted form as the workflow's input. Unknown or missing fields read as empty. `attached`:
 * files carried from before the form (Edit's stored ones, a message's): kept when none are picked.
 * Alt text is one line per file, in order.
 */
export function readCompose(values: StateValues, fallbackZone: string, attached: ComposeFile[] = []): ComposeInput {
  const text = (block: string) => values[block]?.value?.value ?? '';
  const picked = (values.files?.value?.files ?? []).flatMap((f) => composeFileOf(f) ?? []);
  // "Remove the attached files" (Edit, a message's files): none are kept; files picked below still count.
  const removeAttached = (values.remove_files?.value?.selected_options ?? []).some((o) => o.value === 'remove');
  const instagram = values.instagram?.value?.selected_option?.value;
  const variants: Partial<Record<Network, string>> = {};
  for (const block of Object.keys(values)) {
    const network = block.replace(/^variant_/, '');
    if (block.startsWith('variant_') && isNetwork(network) && text(block).trim() !== '') variants[network] = text(block);
  }
  return {
    text: text('text'),
    accountIds: (values.targets?.value?.selected_options ?? []).map((o) => o.value),
    variants,
    media: text('media').split(/\s+/).filter(Boolean),
    files: withAlt(picked.length > 0 || removeAttached ? picked : attached, text('alt')),
    ...(instagram === 'stories' || instagram === 'reels' ? { instagram } : {}),
    when: text('when'),
    zone: text('zone').trim() || fallbackZone,
    note: text('note').trim() || null,
    noLinkPreview: (values.link_preview?.value?.selected_options ?? []).some((o) => o.value === 'off'),
    comments: Object.fromEntries(
      Object.keys(values)
        .filter((block) => block.startsWith('comment_') && isNetwork(block.slice(8)) && text(block).trim() !== '')
        .map((block) => [block.slice(8), text(block)]),
    ),
  };
}

/** A network's first comment (issue 16): a comment under the post, or a reply where the network has threads. */
function firstCommentInput(network: Network, initial: string | undefined): KnownBlock {
  const label = NETWORK_LABELS[network];
  const what = isThreadedNetwork(network) ? 'a reply to the post' : 'a comment under the post';
  return input(
    `comment_${network}`,
    `First comment on ${label} (optional)`,
    textInput({ multiline: true, initial }),
    `Published right after the post, as ${what}.`,
    false,
  );
}

/**
 * Edit and "Draft a post from this message" carry files from before the form; a file input cannot show
 * them, so this is how the author drops them all (a media change: approvals are voided as for any edit).
 */
function removeFilesInput(): KnownBlock {
  return input(
    'remove_files',
    'Attached files',
    {
      type: 'checkboxes',
      action_id: 'value',
      options: [{ text: { type: 'plain_text' as const, text: 'Remove the attached files' }, value: 'remove' }],
    },
    'Tick to publish without them (or with only the files you add below).',
    false,
  );
}

/** How the video goes to Instagram (issue 15): a Reel (also in the feed) or a Story; each has its own limits. */
function instagramKindInput(kind: InstagramVideoKind): KnownBlock {
  const options = [
    { text: { type: 'plain_text' as const, text: 'Reel (also in the feed)' }, value: 'reels' },
    { text: { type: 'plain_text' as const, text: 'Story (3–60 s, disappears after 24 h)' }, value: 'stories' },
  ];
  return input(
    'instagram',
    'Instagram video as',
    { type: 'radio_buttons', action_id: 'value', options, initial_option: kind === 'stories' ? options[1]! : options[0]! },
    'For a post with a video. Images always go to the feed.',
    false,
  );
}

/** The per-post "no link preview" choice (issue 16): the first link then gets no card on any network. */
function linkPreviewInput(off: boolean): KnownBlock {
  const option = { text: { type: 'plain_text' as const, text: 'No link preview card' }, value: 'off' };
  return input(
    'link_preview',
    'Link preview',
    { type: 'checkboxes', action_id: 'value', options: [option], ...(off ? { initial_options: [option] } : {}) },
    'Without images, the first link gets its page’s card (title, description, image), shown on the approval card.',
    false,
  );
}

function withAlt(files: ComposeFile[], altText: string): ComposeFile[] {
  const lines = altText.split(/\r?\n/);
  return files.map((f, i) => ({ ...f, alt: lines[i]?.trim() || undefined }));
}

export function input(blockId: string, label: string, element: types.InputBlockElement, hint?: string, required = true): KnownBlock {
  return {
    type: 'input',
    block_id: blockId,
    optional: !required,
    label: { type: 'plain_text', text: label },
    element,
    ...(hint ? { hint: { type: 'plain_text', text: hint } } : {}),
  };
}

export function textInput(o: { multiline?: boolean; initial?: string | undefined; placeholder?: string; maxLength?: number }): types.PlainTextInput {
  return {
    type: 'plain_text_input',
    action_id: 'value',
    multiline: o.multiline ?? false,
    ...(o.initial ? { initial_value: o.initial } : {}),
    ...(o.placeholder ? { placeholder: { type: 'plain_text' as const, text: o.placeholder.slice(0, 150) } } : {}),
    ...(o.maxLength ? { max_length: o.maxLength } : {}),
  };
}

/** A one-field modal: the comment for "Request changes", the reason for "Reject", the new time. */
export function singleFieldModal(
  callbackId: string,
  postId: string,
  o: { title: string; label: string; submit: string; placeholder?: string; initial?: string; multiline?: boolean },
): View {
  return {
    type: 'modal',
    callback_id: callbackId,
    private_metadata: JSON.stringify({ postId }),
    title: { type: 'plain_text', text: o.title },
    submit: { type: 'plain_text', text: o.submit },
    close: { type: 'plain_text', text: 'Back' },
    blocks: [input('value', o.label, textInput({ multiline: o.multiline ?? true, initial: o.initial, placeholder: o.placeholder, maxLength: 1000 }))],
  };
}
