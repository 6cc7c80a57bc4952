/** The Discord emulator's interaction helpers (a section of emulators/discord.ts, which re-exports its public part). */
import type { Json } from './types.ts';
import { CallbackType, InteractionType, isRecord, records } from './helpers.ts';
import type { InteractionRecord } from './records.ts';

// ---------------------------------------------------------------------------------------------
// Interaction helpers
// ---------------------------------------------------------------------------------------------

/** Which callback types Discord accepts for an interaction. */
export function allowedCallbackTypes(record: InteractionRecord): number[] {
  switch (record.type) {
    case InteractionType.Ping:
      return [CallbackType.Pong];
    case InteractionType.ApplicationCommand:
      return [CallbackType.ChannelMessage, CallbackType.DeferredChannelMessage, CallbackType.Modal];
    case InteractionType.MessageComponent:
      return [CallbackType.ChannelMessage, CallbackType.DeferredChannelMessage, CallbackType.DeferredUpdate, CallbackType.UpdateMessage, CallbackType.Modal];
    case InteractionType.Autocomplete:
      return [CallbackType.AutocompleteResult];
    case InteractionType.ModalSubmit:
      return record.sourceMessageId === undefined
        ? [CallbackType.ChannelMessage, CallbackType.DeferredChannelMessage]
        : [CallbackType.ChannelMessage, CallbackType.DeferredChannelMessage, CallbackType.DeferredUpdate, CallbackType.UpdateMessage];
    default:
      return [];
  }
}

export function checkSelectValues(select: Json, values: string[]): void {
  const min = typeof select.min_values === 'number' ? select.min_values : 1;
  const max = typeof select.max_values === 'number' ? select.max_values : 1;
  if (values.length < min || values.length > max) {
    throw new Error(`Discord emulator: select ${String(select.custom_id)} takes ${min}..${max} values, got ${values.length}`);
  }
  if (select.type === 3) {
    const allowed = new Set(records(select.options).map((o) => String(o.value)));
    const unknown = values.filter((v) => !allowed.has(v));
    if (unknown.length > 0) throw new Error(`Discord emulator: select ${String(select.custom_id)} has no option ${unknown.join(', ')}`);
  }
}

export function mergeResolved(a: Json | undefined, b: Json): Json {
  const merged: Json = { ...a };
  for (const [key, value] of Object.entries(b)) merged[key] = { ...(isRecord(merged[key]) ? merged[key] : {}), ...(value as Json) };
  return merged;
}

/** What a user's input becomes in a MODAL_SUBMIT, per component of the open modal. */
export function submittedValue(input: Json, values: Record<string, string | string[]>, used: Set<string>): Json {
  const customId = String(input.custom_id);
  const given = values[customId];
  used.add(customId);
  if (input.type === 4) {
    const value = given === undefined ? (typeof input.value === 'string' ? input.value : '') : Array.isArray(given) ? given.join('\n') : given;
    if (input.required !== false && value === '') throw new Error(`Discord emulator: ${customId} is required; the modal cannot be submitted empty`);
    const min = typeof input.min_length === 'number' ? input.min_length : 0;
    const max = typeof input.max_length === 'number' ? input.max_length : 4000;
    if (value !== '' && (value.length < min || value.length > max)) throw new Error(`Discord emulator: ${customId} takes ${min}..${max} characters`);
    return { type: 4, id: input.id, custom_id: customId, value };
  }
  const list = given === undefined ? [] : Array.isArray(given) ? given : [given];
  if (input.required !== false || list.length > 0) checkSelectValues(input, list);
  return { type: input.type, id: input.id, custom_id: customId, values: list };
}

export function modalSubmitComponents(modal: Json[], values: Record<string, string | string[]>, format: 'label' | 'actionRow'): Json[] {
  const used = new Set<string>();
  let nextId = Math.max(0, ...collectIds(modal)) + 1;
  const out: Json[] = [];
  for (const component of modal) {
    const input =
      component.type === 18 && isRecord(component.component) ? component.component : component.type === 1 ? records(component.components)[0] : undefined;
    if (input === undefined) {
      if (component.type === 10) out.push({ type: 10, id: component.id });
      continue;
    }
    const submitted = submittedValue(input, values, used);
    if (format === 'label') out.push({ type: 18, id: component.type === 18 ? component.id : nextId++, component: submitted });
    else out.push({ type: 1, id: component.type === 1 ? component.id : nextId++, components: [submitted] });
  }
  const unknown = Object.keys(values).filter((k) => !used.has(k));
  if (unknown.length > 0) throw new Error(`Discord emulator: the modal has no input ${unknown.join(', ')}`);
  return out;
}

export function adHocSubmitComponents(values: Record<string, string | string[]>, format: 'label' | 'actionRow'): Json[] {
  let id = 1;
  return Object.entries(values).map(([customId, value]) => {
    const inner: Json = Array.isArray(value)
      ? { type: 3, id: id + 1, custom_id: customId, values: value }
      : { type: 4, id: id + 1, custom_id: customId, value };
    const wrapper = format === 'label' ? { type: 18, id, component: inner } : { type: 1, id, components: [inner] };
    id += 2;
    return wrapper;
  });
}

export function collectIds(components: Json[]): number[] {
  const ids: number[] = [];
  const walk = (c: Json): void => {
    if (typeof c.id === 'number') ids.push(c.id);
    records(c.components).forEach(walk);
    if (isRecord(c.component)) walk(c.component);
  };
  components.forEach(walk);
  return ids;
}

export function flipBit(hex: string): string {
  const bytes = Buffer.from(hex, 'hex');
  bytes[0] = (bytes[0] ?? 0) ^ 0x01;
  return bytes.toString('hex');
}
