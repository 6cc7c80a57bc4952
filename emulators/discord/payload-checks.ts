/** The Discord emulator's payload checks (a section of emulators/discord.ts, which re-exports its public part). */
import type { Json } from './types.ts';
import { Errors, Flags, FormErrors, SELECT_TYPES, checkIntRange, checkLength, clone, isRecord, records } from './helpers.ts';

// ---------------------------------------------------------------------------------------------
// Payload checks (the subset of Discord's validation that catches real app bugs)
// ---------------------------------------------------------------------------------------------

export function checkEmbeds(errs: FormErrors, value: unknown): void {
  if (value === undefined || value === null) return;
  if (!Array.isArray(value)) return errs.add(['embeds'], 'BASE_TYPE_ARRAY', 'Must be an array.');
  if (value.length > 10) errs.add(['embeds'], 'BASE_TYPE_MAX_LENGTH', 'Must be 10 or fewer in length.');
  let total = 0;
  value.forEach((embed, i) => {
    if (!isRecord(embed)) return errs.add(['embeds', i], 'MODEL_TYPE_CONVERT', 'Only dictionaries may be used in a ModelType');
    const count = (text: unknown): void => {
      if (typeof text === 'string') total += text.length;
    };
    checkLength(errs, ['embeds', i, 'title'], embed.title, 0, 256, false);
    checkLength(errs, ['embeds', i, 'description'], embed.description, 0, 4096, false);
    count(embed.title);
    count(embed.description);
    if (isRecord(embed.footer)) {
      checkLength(errs, ['embeds', i, 'footer', 'text'], embed.footer.text, 0, 2048, true);
      count(embed.footer.text);
    }
    if (isRecord(embed.author)) {
      checkLength(errs, ['embeds', i, 'author', 'name'], embed.author.name, 0, 256, true);
      count(embed.author.name);
    }
    if (embed.fields !== undefined) {
      const fields = Array.isArray(embed.fields) ? embed.fields : [];
      if (fields.length > 25) errs.add(['embeds', i, 'fields'], 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
      fields.forEach((field, j) => {
        const f = isRecord(field) ? field : {};
        checkLength(errs, ['embeds', i, 'fields', j, 'name'], f.name, 0, 256, true);
        checkLength(errs, ['embeds', i, 'fields', j, 'value'], f.value, 0, 1024, true);
        count(f.name);
        count(f.value);
      });
    }
  });
  if (total > 6000) errs.add(['embeds'], 'MAX_EMBED_SIZE_EXCEEDED', 'Embed size exceeds maximum size of 6000');
}

export function checkCustomId(errs: FormErrors, path: Array<string | number>, value: unknown, seen: Set<string>): void {
  checkLength(errs, path, value, 1, 100, true);
  if (typeof value !== 'string') return;
  if (seen.has(value)) errs.add(path, 'COMPONENT_CUSTOM_ID_DUPLICATED', 'Component custom id cannot be duplicated');
  seen.add(value);
}

export function checkSelect(errs: FormErrors, at: Array<string | number>, select: Json, seen: Set<string>): void {
  checkCustomId(errs, [...at, 'custom_id'], select.custom_id, seen);
  checkLength(errs, [...at, 'placeholder'], select.placeholder, 0, 150, false);
  checkIntRange(errs, [...at, 'min_values'], select.min_values, 0, 25);
  checkIntRange(errs, [...at, 'max_values'], select.max_values, 1, 25);
  if (select.type !== 3) return;
  const options = Array.isArray(select.options) ? select.options : undefined;
  if (options === undefined) return errs.add([...at, 'options'], 'BASE_TYPE_REQUIRED', 'This field is required');
  if (options.length < 1 || options.length > 25) errs.add([...at, 'options'], 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 25 in length.');
  options.forEach((option, k) => {
    const o = isRecord(option) ? option : {};
    checkLength(errs, [...at, 'options', k, 'label'], o.label, 1, 100, true);
    checkLength(errs, [...at, 'options', k, 'value'], o.value, 1, 100, true);
    checkLength(errs, [...at, 'options', k, 'description'], o.description, 0, 100, false);
  });
}

export function checkButton(errs: FormErrors, at: Array<string | number>, button: Json, seen: Set<string>): void {
  const style = button.style;
  if (typeof style !== 'number' || style < 1 || style > 6) {
    errs.add([...at, 'style'], 'BASE_TYPE_CHOICES', 'Value must be one of {1, 2, 3, 4, 5, 6}.');
  }
  checkLength(errs, [...at, 'label'], button.label, 0, 80, false);
  if (style === 5) {
    if (typeof button.url !== 'string') errs.add([...at, 'url'], 'BASE_TYPE_REQUIRED', 'This field is required');
    if (button.custom_id !== undefined) errs.add([...at, 'custom_id'], 'COMPONENT_CUSTOM_ID_INVALID', 'A custom id cannot be set on a link button');
  } else if (style !== 6) {
    checkCustomId(errs, [...at, 'custom_id'], button.custom_id, seen);
    if (button.url !== undefined) errs.add([...at, 'url'], 'BUTTON_COMPONENT_URL_NOT_ALLOWED', 'A url can only be set on a link button');
  }
  if (button.label === undefined && button.emoji === undefined && style !== 6) {
    errs.add([...at], 'BUTTON_COMPONENT_LABEL_OR_EMOJI_REQUIRED', 'A label or an emoji is required');
  }
}

export function checkActionRow(errs: FormErrors, at: Array<string | number>, row: Json, seen: Set<string>, inModal: boolean): void {
  const children = Array.isArray(row.components) ? row.components : undefined;
  if (children === undefined) return errs.add([...at, 'components'], 'BASE_TYPE_REQUIRED', 'This field is required');
  if (children.length < 1) errs.add([...at, 'components'], 'BASE_TYPE_MIN_LENGTH', 'Must be 1 or more in length.');
  if (children.length > 5) errs.add([...at, 'components'], 'BASE_TYPE_MAX_LENGTH', 'Must be 5 or fewer in length.');
  const wide = children.some((c) => isRecord(c) && (SELECT_TYPES.has(Number(c.type)) || c.type === 4));
  if (wide && children.length > 1) errs.add([...at, 'components'], 'COMPONENT_LAYOUT_WIDTH_EXCEEDED', 'The specified component exceeds the maximum width');
  children.forEach((child, j) => {
    const where = [...at, 'components', j];
    if (!isRecord(child)) return errs.add(where, 'MODEL_TYPE_CONVERT', 'Only dictionaries may be used in a ModelType');
    if (inModal) {
      if (child.type !== 4) return errs.add([...where, 'type'], 'BASE_TYPE_CHOICES', 'Value must be one of {4}.');
      checkTextInput(errs, where, child, seen, true);
    } else if (child.type === 2) checkButton(errs, where, child, seen);
    else if (SELECT_TYPES.has(Number(child.type))) checkSelect(errs, where, child, seen);
    else errs.add([...where, 'type'], 'BASE_TYPE_CHOICES', 'Value must be one of {2, 3, 5, 6, 7, 8}.');
  });
}

export function checkTextInput(errs: FormErrors, at: Array<string | number>, input: Json, seen: Set<string>, legacy: boolean): void {
  checkCustomId(errs, [...at, 'custom_id'], input.custom_id, seen);
  if (input.style !== 1 && input.style !== 2) errs.add([...at, 'style'], 'BASE_TYPE_CHOICES', 'Value must be one of {1, 2}.');
  checkLength(errs, [...at, 'label'], input.label, 1, 45, legacy);
  checkIntRange(errs, [...at, 'min_length'], input.min_length, 0, 4000);
  checkIntRange(errs, [...at, 'max_length'], input.max_length, 1, 4000);
  checkLength(errs, [...at, 'value'], input.value, 0, 4000, false);
  checkLength(errs, [...at, 'placeholder'], input.placeholder, 0, 100, false);
}

/** Top-level message components: v1 action rows (max 5), or a components-v2 layout. */
export function checkMessageComponents(errs: FormErrors, value: unknown, v2: boolean): void {
  if (value === undefined || value === null) return;
  if (!Array.isArray(value)) return errs.add(['components'], 'BASE_TYPE_ARRAY', 'Must be an array.');
  if (!v2 && value.length > 5) errs.add(['components'], 'BASE_TYPE_MAX_LENGTH', 'Must be 5 or fewer in length.');
  const seen = new Set<string>();
  let total = 0;
  const walk = (list: unknown[], at: Array<string | number>): void => {
    list.forEach((component, i) => {
      const where = [...at, i];
      total += 1;
      if (!isRecord(component)) return errs.add(where, 'MODEL_TYPE_CONVERT', 'Only dictionaries may be used in a ModelType');
      if (component.type === 1) {
        total += Array.isArray(component.components) ? component.components.length : 0;
        return checkActionRow(errs, where, component, seen, false);
      }
      if (!v2) return errs.add([...where, 'type'], 'BASE_TYPE_CHOICES', 'Value must be one of {1}.');
      if (component.type === 10) checkLength(errs, [...where, 'content'], component.content, 1, 4000, true);
      if (Array.isArray(component.components)) walk(component.components, [...where, 'components']);
      if (isRecord(component.accessory) && component.accessory.type === 2) checkButton(errs, [...where, 'accessory'], component.accessory, seen);
    });
  };
  walk(value, ['components']);
  if (v2 && total > 40) errs.add(['components'], 'BASE_TYPE_MAX_LENGTH', 'Must be 40 or fewer in total components.');
}

export interface MessageCheck {
  /** A new message must carry something; an edit may change one field. */
  mode: 'create' | 'edit';
  ephemeralAllowed: boolean;
  hasFiles: boolean;
}

export function checkMessagePayload(payload: Json, check: MessageCheck): void {
  const errs = new FormErrors();
  const flags = typeof payload.flags === 'number' ? payload.flags : 0;
  const v2 = (flags & Flags.ComponentsV2) !== 0;
  if (payload.content !== undefined && payload.content !== null) {
    if (typeof payload.content !== 'string') errs.add(['content'], 'BASE_TYPE_STRING', 'Must be a string.');
    else if (payload.content.length > 2000) errs.add(['content'], 'BASE_TYPE_MAX_LENGTH', 'Must be 2000 or fewer in length.');
  }
  if (v2 && typeof payload.content === 'string' && payload.content !== '') {
    errs.add(['content'], 'MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2', "The 'content' field cannot be used when using MessageFlags.IS_COMPONENTS_V2");
  }
  if (v2 && Array.isArray(payload.embeds) && payload.embeds.length > 0) {
    errs.add(['embeds'], 'MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2', "The 'embeds' field cannot be used when using MessageFlags.IS_COMPONENTS_V2");
  }
  checkEmbeds(errs, payload.embeds);
  checkMessageComponents(errs, payload.components, v2);
  if (payload.nonce !== undefined && payload.nonce !== null) {
    if (typeof payload.nonce === 'string') checkLength(errs, ['nonce'], payload.nonce, 0, 25, false);
    else if (typeof payload.nonce !== 'number') errs.add(['nonce'], 'BASE_TYPE_STRING', 'Must be a string or an integer.');
  }
  if (!check.ephemeralAllowed && (flags & Flags.Ephemeral) !== 0) {
    errs.add(['flags'], 'MESSAGE_FLAGS_INVALID', 'The flag EPHEMERAL can only be used in interaction responses.');
  }
  errs.throwIfAny();
  if (check.mode === 'create' && !hasVisibleContent(payload) && !check.hasFiles) throw Errors.emptyMessage();
}

export function hasVisibleContent(payload: Json): boolean {
  return (
    (typeof payload.content === 'string' && payload.content.trim() !== '') ||
    (Array.isArray(payload.embeds) && payload.embeds.length > 0) ||
    (Array.isArray(payload.components) && payload.components.length > 0) ||
    (Array.isArray(payload.sticker_ids) && payload.sticker_ids.length > 0) ||
    isRecord(payload.poll)
  );
}

export function checkModal(data: unknown): void {
  const errs = new FormErrors();
  if (!isRecord(data)) {
    errs.add(['data'], 'BASE_TYPE_REQUIRED', 'This field is required');
    return errs.throwIfAny();
  }
  const seen = new Set<string>();
  checkLength(errs, ['data', 'custom_id'], data.custom_id, 1, 100, true);
  checkLength(errs, ['data', 'title'], data.title, 1, 45, true);
  const components = Array.isArray(data.components) ? data.components : undefined;
  if (components === undefined) errs.add(['data', 'components'], 'BASE_TYPE_REQUIRED', 'This field is required');
  else if (components.length < 1 || components.length > 5) errs.add(['data', 'components'], 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 5 in length.');
  (components ?? []).forEach((component, i) => {
    const at = ['data', 'components', i];
    if (!isRecord(component)) return errs.add(at, 'MODEL_TYPE_CONVERT', 'Only dictionaries may be used in a ModelType');
    if (component.type === 1) return checkActionRow(errs, at, component, seen, true);
    if (component.type === 10) return checkLength(errs, [...at, 'content'], component.content, 1, 4000, true);
    if (component.type !== 18) return errs.add([...at, 'type'], 'BASE_TYPE_CHOICES', 'Value must be one of {1, 10, 18}.');
    checkLength(errs, [...at, 'label'], component.label, 1, 45, true);
    checkLength(errs, [...at, 'description'], component.description, 0, 100, false);
    const inner = component.component;
    if (!isRecord(inner)) return errs.add([...at, 'component'], 'BASE_TYPE_REQUIRED', 'This field is required');
    if (inner.type === 4) {
      if (inner.label !== undefined)
        errs.add([...at, 'component', 'label'], 'COMPONENT_TEXT_INPUT_LABEL_NOT_ALLOWED', 'A text input inside a label cannot have its own label');
      checkTextInput(errs, [...at, 'component'], inner, seen, false);
    } else if (SELECT_TYPES.has(Number(inner.type))) checkSelect(errs, [...at, 'component'], inner, seen);
    else if (inner.type === 19) checkFileUpload(errs, [...at, 'component'], inner, seen);
    else errs.add([...at, 'component', 'type'], 'BASE_TYPE_CHOICES', 'Value must be one of {3, 4, 5, 6, 7, 8, 19}.');
  });
  errs.throwIfAny();
}

/** File Upload (19): 0-10 files, at least one when required (the default); at most as many as `max_values`. */
function checkFileUpload(errs: FormErrors, at: Array<string | number>, upload: Json, seen: Set<string>): void {
  checkCustomId(errs, [...at, 'custom_id'], upload.custom_id, seen);
  checkIntRange(errs, [...at, 'min_values'], upload.min_values, 0, 10);
  checkIntRange(errs, [...at, 'max_values'], upload.max_values, 1, 10);
  const min = typeof upload.min_values === 'number' ? upload.min_values : 1;
  const max = typeof upload.max_values === 'number' ? upload.max_values : 1;
  if (min > max) errs.add([...at, 'min_values'], 'COMPONENT_MIN_VALUES_GREATER_THAN_MAX', 'min_values must be less than or equal to max_values');
  if (upload.required !== false && min === 0)
    errs.add([...at, 'min_values'], 'COMPONENT_REQUIRED_MIN_VALUES', 'A required component must have min_values of at least 1');
}

/**
 * Discord gives every component without an `id` the next free integer (depth first, unique in
 * the message) and fills select defaults; responses always carry them.
 */
export function normalizeComponents(components: unknown): Json[] {
  const list = clone(records(components));
  const used = new Set<number>();
  const each = (visit: (c: Json) => void): void => {
    const walk = (c: Json): void => {
      visit(c);
      for (const child of records(c.components)) walk(child);
      if (isRecord(c.component)) walk(c.component);
      if (isRecord(c.accessory)) walk(c.accessory);
    };
    list.forEach(walk);
  };
  each((c) => {
    if (typeof c.id === 'number') used.add(c.id);
  });
  let next = 1;
  each((c) => {
    if (typeof c.id !== 'number') {
      while (used.has(next)) next += 1;
      c.id = next;
      used.add(next);
    }
    if (SELECT_TYPES.has(Number(c.type))) {
      c.min_values ??= 1;
      c.max_values ??= 1;
    }
  });
  return list;
}

export function normalizeEmbeds(embeds: unknown): Json[] {
  return clone(records(embeds)).map((embed) => {
    embed.type ??= 'rich';
    if (Array.isArray(embed.fields)) embed.fields = records(embed.fields).map((f) => ({ ...f, inline: f.inline === true }));
    if (embed.content_scan_version === undefined) embed.content_scan_version = 0;
    return embed;
  });
}

/** Depth-first search through a message's or modal's components. */
export function findComponent(components: unknown, match: (c: Json) => boolean): Json | undefined {
  for (const c of records(components)) {
    if (match(c)) return c;
    const inner = findComponent(
      [...records(c.components), ...(isRecord(c.component) ? [c.component] : []), ...(isRecord(c.accessory) ? [c.accessory] : [])],
      match,
    );
    if (inner !== undefined) return inner;
  }
  return undefined;
}
