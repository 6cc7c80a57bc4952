/** The Slack emulator's view state (a section of emulators/slack.ts, which re-exports its public part). */
import type { Block, Json, OptionInput, SelectOption, StateValueInput, StateValues } from './types.ts';
import { clone, isRecord, str } from './helpers.ts';

// ---------------------------------------------------------------------------------------------
// view_submission state
// ---------------------------------------------------------------------------------------------

/**
 * Slack sends a state entry for every input block of the view: what the user entered, or the
 * element's empty value. Values for blocks, actions or types the view does not have are a test bug.
 */
export function buildStateValues(blocks: Block[], input: Record<string, Record<string, StateValueInput>>): StateValues {
  const inputBlocks = blocks.filter((b) => b.type === 'input' && isRecord(b.element));
  for (const blockId of Object.keys(input)) {
    if (!inputBlocks.some((b) => b.block_id === blockId)) throw new Error(`Slack emulator: the view has no input block ${blockId}`);
  }
  const values: StateValues = {};
  for (const block of inputBlocks) {
    const element = block.element as Json;
    const actionId = str(element.action_id) as string;
    const given = input[block.block_id as string] ?? {};
    for (const other of Object.keys(given)) {
      if (other !== actionId) throw new Error(`Slack emulator: block ${block.block_id} has no element ${other}`);
    }
    values[block.block_id as string] = { [actionId]: stateEntry(element, given[actionId]) };
  }
  return values;
}

export function stateEntry(element: Json, given: StateValueInput | undefined): Json {
  const type = str(element.type) ?? '';
  if (given !== undefined && given.type !== type) {
    throw new Error(`Slack emulator: element ${String(element.action_id)} is a ${type}, not a ${given.type}`);
  }
  const value: Json = given === undefined ? emptyState(type) : { ...given };
  if (type === 'file_input') checkFiles(element, value.files as Json[]);
  const option = (o: OptionInput | null): SelectOption | null => (o === null ? null : resolveOption(element, o));
  if ('selected_option' in value) value.selected_option = option(value.selected_option as OptionInput | null);
  if ('selected_options' in value) value.selected_options = (value.selected_options as OptionInput[]).map((o) => option(o));
  return value;
}

export function emptyState(type: string): Json {
  switch (type) {
    case 'checkboxes':
    case 'multi_static_select':
      return { type, selected_options: [] };
    case 'static_select':
    case 'radio_buttons':
      return { type, selected_option: null };
    case 'users_select':
      return { type, selected_user: null };
    case 'multi_users_select':
      return { type, selected_users: [] };
    case 'datepicker':
      return { type, selected_date: null };
    case 'timepicker':
      return { type, selected_time: null };
    case 'datetimepicker':
      return { type, selected_date_time: null };
    case 'file_input':
      return { type, files: [] };
    default:
      return { type, value: null };
  }
}

/** The user can only pick options the element offers; Slack sends the option object as defined. */
export function resolveOption(element: Json, input: OptionInput): SelectOption {
  const groups = Array.isArray(element.option_groups) ? element.option_groups.flatMap((g) => (isRecord(g) && Array.isArray(g.options) ? g.options : [])) : [];
  const options = [...(Array.isArray(element.options) ? element.options : []), ...groups] as SelectOption[];
  const found = options.find((o) => o.value === input.value);
  if (found === undefined) throw new Error(`Slack emulator: element ${String(element.action_id)} offers no option ${input.value}`);
  return clone(found);
}

/** A file_input takes what its `max_files` and `filetypes` allow (Slack's picker enforces both). */
function checkFiles(element: Json, files: Json[]): void {
  const max = typeof element.max_files === 'number' ? element.max_files : 10;
  if (files.length > max) throw new Error(`Slack emulator: file_input ${String(element.action_id)} takes at most ${max} files, not ${files.length}`);
  const types = Array.isArray(element.filetypes) ? (element.filetypes as string[]) : undefined;
  for (const file of files) {
    if (types && !types.includes(String(file.filetype)))
      throw new Error(`Slack emulator: file_input ${String(element.action_id)} does not take ${String(file.filetype)} files`);
  }
}
