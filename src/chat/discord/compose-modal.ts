import { NETWORK_LABELS, isNetwork, isThreadedNetwork, type Network } from '../../domain/networks.ts';
import type { ComposeFile, ComposeInput } from '../../workflow/compose.ts';
import { ALT_LIMIT, altLines, FILE_UPLOAD, MAX_FILES } from './attachments.ts';
import { ResponseType, type DiscordInteraction, type InteractionResponse, type Json } from './types.ts';

/**
 * The compose form. A Discord modal holds five inputs, so it takes the text, time, zone, media and
 * note; the accounts are picked in the ephemeral step that follows (compose-messages.ts).
 */
export const COMPOSE_LIMITS = { text: 4000, when: 100, zone: 64, media: 2000, note: 1000 } as const;

/** The one-field forms (comment, reason, new time) take this much. */
export const COMMENT_LIMIT = 1000;
export const WHEN_LIMIT = COMPOSE_LIMITS.when;

const LABELS: Record<string, string> = { text: 'text', when: 'publish time', zone: 'time zone', media: 'image links', note: 'note', value: 'answer' };

export type ComposeFields = Pick<ComposeInput, 'text' | 'when' | 'zone' | 'note'> & { media: string[] };

export function composeModal(customId: string, title: string, prefill: Partial<ComposeFields>): InteractionResponse {
  return {
    type: ResponseType.Modal,
    data: {
      custom_id: customId,
      title,
      components: [
        textInput('text', 'Text', {
          paragraph: true,
          required: true,
          max: COMPOSE_LIMITS.text,
          value: prefill.text,
          description: 'Split a thread (X, Bluesky, Threads, Mastodon) with a line ---',
        }),
        textInput('when', 'Publish time', {
          max: COMPOSE_LIMITS.when,
          value: prefill.when ?? 'now',
          description: 'now, next slot, in 2h, tomorrow 9am, fri 17:30, 2026-11-24 09:00',
        }),
        textInput('zone', 'Time zone', {
          required: true,
          max: COMPOSE_LIMITS.zone,
          value: prefill.zone,
          description: 'IANA name such as Europe/Berlin; your next post starts with it',
        }),
        textInput('media', 'Image links (optional)', {
          paragraph: true,
          max: COMPOSE_LIMITS.media,
          value: prefill.media?.join('\n'),
          placeholder: 'https://… one per line',
        }),
        textInput('note', 'Note for the approver (optional)', { paragraph: true, max: COMPOSE_LIMITS.note, value: prefill.note ?? undefined }),
      ],
    },
  };
}

/** The alt text field takes a line of up to ALT_LIMIT per file, within Discord's 4000 per text input. */
export const ALT_FIELD_LIMIT = 4000;

/**
 * The images and video form: upload more images or a video (Discord's File Upload component), write the alt text of every file
 * (one line each, in order, pre-filled `name: alt`), and remove images. A separate form because the compose
 * modal's five inputs are taken (text, time, zone, links, note).
 */
export function imagesModal(customId: string, files: readonly ComposeFile[]): InteractionResponse {
  const room = MAX_FILES - files.length;
  const components: Json[] = [];
  if (room > 0) {
    components.push({
      type: 18,
      label: files.length ? 'Add images or video (optional)' : 'Images or video',
      description: `Up to ${room} more (or one video); write their alt text below, one line each after the ones listed`,
      component: { type: FILE_UPLOAD, custom_id: 'files', min_values: 0, max_values: room, required: false },
    });
  }
  components.push(
    textInput('alt', 'Alt text, one line per file', {
      paragraph: true,
      max: ALT_FIELD_LIMIT,
      value: altLines(files),
      description: `Describe each image or video for people who cannot see it (up to ${ALT_LIMIT} characters a line)`,
    }),
  );
  if (files.length > 0) {
    components.push({
      type: 18,
      label: 'Remove files (optional)',
      component: {
        type: 3,
        custom_id: 'remove',
        required: false,
        min_values: 0,
        max_values: files.length,
        placeholder: 'Keep all',
        options: files.map((f, i) => ({ label: `${i + 1}. ${f.filename}`.slice(0, 100), value: String(i) })),
      },
    });
  }
  return { type: ResponseType.Modal, data: { custom_id: customId, title: 'Images, video and alt text', components } };
}

/** A Discord form holds five inputs: the versions of more networks take a second form. */
export const VERSIONS_PER_FORM = 5;

/**
 * Per-network versions (as Slack's compose form has): one text per network, each used instead of the
 * main text on that network; left empty, the network gets the main text.
 */
export function versionsModal(customId: string, networks: readonly Network[], variants: Partial<Record<Network, string>>): InteractionResponse {
  return {
    type: ResponseType.Modal,
    data: {
      custom_id: customId,
      title: 'Versions per network',
      components: networks.slice(0, VERSIONS_PER_FORM).map((n) =>
        textInput(`variant_${n}`, `${NETWORK_LABELS[n]} version (optional)`, {
          paragraph: true,
          max: COMPOSE_LIMITS.text,
          value: variants[n],
          description: `Used instead of the main text on ${NETWORK_LABELS[n]}; empty: the main text`,
        }),
      ),
    },
  };
}

/** The versions typed in a versions form: a network's empty field removes its version. */
export function versionValues(values: Record<string, string>): Partial<Record<Network, string | null>> {
  const out: Partial<Record<Network, string | null>> = {};
  for (const [key, value] of Object.entries(values)) {
    const network = key.replace(/^variant_/, '');
    if (key.startsWith('variant_') && isNetwork(network)) out[network] = value.trim() === '' ? null : value;
  }
  return out;
}

/** A first comment field: Discord's text inputs take 4000 at most (Facebook takes more); each network's own limit is checked on send. */
export const COMMENT_FIELD_LIMIT = 4000;

/**
 * First comments per network (as Slack's compose form has, issue 16): one field per picked network that
 * takes one, published right after the post (a comment under it, or a reply where the network has threads).
 */
export function firstCommentsModal(customId: string, networks: readonly Network[], comments: Partial<Record<Network, string>>): InteractionResponse {
  return {
    type: ResponseType.Modal,
    data: {
      custom_id: customId,
      title: 'First comments',
      components: networks.slice(0, VERSIONS_PER_FORM).map((n) =>
        textInput(`comment_${n}`, `First comment on ${NETWORK_LABELS[n]} (optional)`, {
          paragraph: true,
          max: COMMENT_FIELD_LIMIT,
          value: comments[n],
          description: `Published right after the post, as ${isThreadedNetwork(n) ? 'a reply to it' : 'a comment under it'}; empty: none`,
        }),
      ),
    },
  };
}

/** The comments typed in a first comments form: a network's empty field removes its comment. */
export function commentValues(values: Record<string, string>): Partial<Record<Network, string | null>> {
  const out: Partial<Record<Network, string | null>> = {};
  for (const [key, value] of Object.entries(values)) {
    const network = key.replace(/^comment_/, '');
    if (key.startsWith('comment_') && isNetwork(network)) out[network] = value.trim() === '' ? null : value;
  }
  return out;
}

/** A one-field form: the comment for Request changes, the reason for Reject, the new time. */
export function singleFieldModal(
  customId: string,
  o: { title: string; label: string; max: number; paragraph?: boolean; placeholder?: string },
): InteractionResponse {
  return {
    type: ResponseType.Modal,
    data: {
      custom_id: customId,
      title: o.title,
      components: [textInput('value', o.label, { paragraph: o.paragraph ?? true, required: true, max: o.max, placeholder: o.placeholder })],
    },
  };
}

interface InputOptions {
  paragraph?: boolean;
  required?: boolean;
  max: number;
  value?: string | undefined;
  description?: string;
  placeholder?: string | undefined;
}

/** A text input in a Label (the current modal layout; the label sits on the wrapper). */
function textInput(id: string, label: string, o: InputOptions): Json {
  const component: Json = { type: 4, custom_id: id, style: o.paragraph ? 2 : 1, required: o.required ?? false, max_length: o.max };
  if (o.value) component.value = o.value.slice(0, o.max);
  if (o.placeholder) component.placeholder = o.placeholder.slice(0, 100);
  return { type: 18, label, ...(o.description ? { description: o.description.slice(0, 100) } : {}), component };
}

/** The submitted values by input id, from Label wrappers or legacy action rows alike. */
export function modalValues(interaction: DiscordInteraction): Record<string, string> {
  const values: Record<string, string> = {};
  for (const wrapper of interaction.data?.components ?? []) {
    const inputs = wrapper.type === 18 ? [wrapper.component] : Array.isArray(wrapper.components) ? wrapper.components : [];
    for (const input of inputs as Json[]) {
      if (typeof input?.custom_id !== 'string') continue;
      if (typeof input.value === 'string') values[input.custom_id] = input.value;
      else if (Array.isArray(input.values)) values[input.custom_id] = input.values.map(String).join('\n');
    }
  }
  return values;
}

/**
 * Discord enforces the inputs' lengths in its client; a submission over them did not come from
 * that form. The first field over its limit, as a sentence; undefined when all fit.
 */
export function overLimit(values: Record<string, string>, limits: Record<string, number>): string | undefined {
  for (const [field, max] of Object.entries(limits)) {
    const length = values[field]?.length ?? 0;
    if (length > max) return `The ${LABELS[field] ?? field} is ${length} characters; the form takes at most ${max}. Nothing was saved.`;
  }
  return undefined;
}

/** The compose form's values as the workflow reads them. */
export function composeFields(values: Record<string, string>, fallbackZone: string): ComposeFields {
  return {
    text: values.text ?? '',
    when: values.when ?? '',
    zone: values.zone?.trim() || fallbackZone,
    media: (values.media ?? '').split(/\s+/).filter(Boolean),
    note: values.note?.trim() || null,
  };
}
