/** The Slack emulator's block kit (a section of emulators/slack.ts, which re-exports its public part). */
import type { Block, Json } from './types.ts';
import { clone, generatedId, isRecord, str, textOf } from './helpers.ts';

// ---------------------------------------------------------------------------------------------
// Block Kit checks (the subset of Slack's validation that catches real app bugs)
// ---------------------------------------------------------------------------------------------

/** Where each block type keeps its interactive elements (rich_text and context elements are not). */
export const ELEMENT_KEYS: Record<string, string> = { actions: 'elements', context_actions: 'elements', section: 'accessory', input: 'element' };
export const NON_INTERACTIVE = new Set(['image', 'mrkdwn', 'plain_text']);

export function elementsOf(block: Block): Json[] {
  const key = ELEMENT_KEYS[block.type];
  const value = key === undefined ? undefined : block[key];
  const found = Array.isArray(value) ? value.filter(isRecord) : isRecord(value) ? [value] : [];
  return found.filter((element) => typeof element.type === 'string' && !NON_INTERACTIVE.has(element.type));
}

export function blockProblems(value: unknown, pointer: string, maxBlocks: number): string[] {
  if (!Array.isArray(value)) return [`[ERROR] must be an array [json-pointer:${pointer}]`];
  const problems: string[] = [];
  if (value.length > maxBlocks) problems.push(`[ERROR] no more than ${maxBlocks} items allowed [json-pointer:${pointer}]`);
  const blockIds = new Set<string>();
  value.forEach((block, index) => {
    const at = `${pointer}/${index}`;
    if (!isRecord(block) || typeof block.type !== 'string') {
      problems.push(`[ERROR] missing required field: type [json-pointer:${at}]`);
      return;
    }
    const blockId = str(block.block_id);
    if (blockId !== undefined) {
      if (blockIds.has(blockId)) problems.push(`[ERROR] duplicate block_id [json-pointer:${at}/block_id]`);
      if (blockId.length > 255) problems.push(`[ERROR] must be less than 256 characters [json-pointer:${at}/block_id]`);
      blockIds.add(blockId);
    }
    problems.push(...textLimitProblems(block as Block, at));
  });
  return problems;
}

export function textLimitProblems(block: Block, at: string): string[] {
  const problems: string[] = [];
  const limit = (text: string | undefined, max: number, where: string): void => {
    if (text !== undefined && text.length > max) problems.push(`[ERROR] must be less than ${max + 1} characters [json-pointer:${where}]`);
  };
  if (block.type === 'section') limit(textOf(block.text), 3000, `${at}/text/text`);
  if (block.type === 'header') limit(textOf(block.text), 150, `${at}/text/text`);
  if (block.type === 'input') limit(textOf(block.label), 2000, `${at}/label/text`);
  for (const element of elementsOf(block)) {
    if (element.type !== 'button') continue;
    limit(textOf(element.text), 75, `${at}/elements/text/text`);
    limit(str(element.value), 2000, `${at}/elements/value`);
  }
  return problems;
}

export function viewProblems(view: Json, allowedTypes: string[]): string[] {
  const problems: string[] = [];
  const type = str(view.type);
  if (type === undefined || !allowedTypes.includes(type)) problems.push('[ERROR] invalid view type [json-pointer:/view/type]');
  if (type === 'modal') {
    const title = textOf(view.title);
    if (title === undefined) problems.push('[ERROR] missing required field: title [json-pointer:/view/title]');
    else if (title.length > 24) problems.push('[ERROR] must be less than 25 characters [json-pointer:/view/title/text]');
    for (const key of ['submit', 'close'] as const) {
      const text = textOf(view[key]);
      if (text !== undefined && text.length > 24) problems.push(`[ERROR] must be less than 25 characters [json-pointer:/view/${key}/text]`);
    }
    const hasInputs = Array.isArray(view.blocks) && view.blocks.some((b) => isRecord(b) && b.type === 'input');
    if (hasInputs && view.submit === undefined) problems.push('[ERROR] submit is required when input blocks are present [json-pointer:/view/submit]');
  }
  if ((str(view.private_metadata) ?? '').length > 3000) problems.push('[ERROR] must be less than 3001 characters [json-pointer:/view/private_metadata]');
  if ((str(view.callback_id) ?? '').length > 255) problems.push('[ERROR] must be less than 256 characters [json-pointer:/view/callback_id]');
  problems.push(...blockProblems(view.blocks ?? [], '/view/blocks', 100));
  problems.push(...fileInputProblems(view));
  return problems;
}

/**
 * `file_input` (docs.slack.dev block-elements/file-input-element): only in a modal's input block;
 * `max_files` 1-10, `filetypes` an array of extensions.
 */
function fileInputProblems(view: Json): string[] {
  const problems: string[] = [];
  const blocks = Array.isArray(view.blocks) ? view.blocks : [];
  blocks.forEach((block, index) => {
    if (!isRecord(block)) return;
    const at = `/view/blocks/${index}`;
    for (const element of elementsOf(block as Block)) {
      if (element.type !== 'file_input') continue;
      if (block.type !== 'input' || view.type !== 'modal') problems.push(`[ERROR] file_input is only allowed in input blocks of modals [json-pointer:${at}]`);
      const max = element.max_files;
      if (max !== undefined && (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > 10))
        problems.push(`[ERROR] max_files must be between 1 and 10 [json-pointer:${at}/element/max_files]`);
      const types = element.filetypes;
      if (types !== undefined && (!Array.isArray(types) || types.some((t) => typeof t !== 'string' || t.startsWith('.'))))
        problems.push(`[ERROR] filetypes must be an array of file extensions [json-pointer:${at}/element/filetypes]`);
    }
  });
  return problems;
}

/** Slack fills in `block_id` and `action_id` where the app left them out. */
export function withGeneratedIds(blocks: Block[]): Block[] {
  return clone(blocks).map((block) => {
    block.block_id ??= generatedId();
    for (const element of elementsOf(block)) element.action_id ??= generatedId();
    return block;
  });
}

export function findElement(blocks: Block[], actionId: string, blockId?: string): { block: Block; element: Json } | undefined {
  for (const block of blocks) {
    if (blockId !== undefined && block.block_id !== blockId) continue;
    const element = elementsOf(block).find((e) => e.action_id === actionId);
    if (element !== undefined) return { block, element };
  }
  return undefined;
}
