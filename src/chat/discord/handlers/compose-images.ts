import type { ComposeFile } from '../../../workflow/compose.ts';
import { ALT_LIMIT, applyAltLines, MAX_FILES, uploadedFiles } from '../attachments.ts';
import { errorStepText, expiredMessage, targetsStep } from '../compose-messages.ts';
import { ALT_FIELD_LIMIT, imagesModal, modalValues, overLimit } from '../compose-modal.ts';
import { loadDraft } from '../compose-state.ts';
import { actorFor, reply, type Turn } from '../edge-context.ts';
import { MODALS, customId } from '../ids.ts';
import { changeDraft } from './draft-step.ts';

/** "Images, video and alt text" on the account step: the images form for the draft. */
export async function composeImages(turn: Turn, [draftId]: string[]): Promise<void> {
  const draft = await loadDraft(turn.edge.deps.db, await actorFor(turn), draftId);
  if (!draft) return reply(turn, expiredMessage(undefined).content!);
  await turn.respond(imagesModal(customId(MODALS.composeImages, draft.id), draft.input.files ?? []));
}

/**
 * The images form's submit: alt text per line for the images already there, then removals, then the new
 * uploads (each takes the next line, else its own Discord description). The account step comes back with them.
 */
export async function composeImagesSubmit(turn: Turn, [draftId]: string[]): Promise<void> {
  const values = modalValues(turn.interaction);
  const tooLong = overLimit(values, { alt: ALT_FIELD_LIMIT });
  if (tooLong) return reply(turn, `⚠️ ${tooLong}`);
  await changeDraft(turn, draftId, 'form', (draft, accounts) => {
    const current = draft.input.files ?? [];
    const uploaded = uploadedFiles(turn.interaction);
    const all = [...current, ...uploaded];
    const withAlt = applyAltLines(all, values.alt ?? '');
    // A new upload without its own line keeps the description written on Discord.
    const files = withAlt.files.map((f, i) => (i >= current.length && !f.alt && uploaded[i - current.length]?.alt ? uploaded[i - current.length]! : f));
    const removed = new Set((values.remove ?? '').split('\n').filter(Boolean).map(Number));
    const kept: ComposeFile[] = files.filter((_, i) => !(i < current.length && removed.has(i)));
    const problems: string[] = [];
    if (withAlt.tooLong) problems.push(`The alt text of ${withAlt.tooLong} is over ${ALT_LIMIT} characters; it was shortened to ${ALT_LIMIT}.`);
    if (withAlt.extra > 0) problems.push(`${withAlt.extra} alt text line(s) had no file to go with; they were left out.`);
    if (kept.length > MAX_FILES) problems.push(`A post takes at most ${MAX_FILES} files; the last ${kept.length - MAX_FILES} were left out.`);
    draft.input.files = kept.slice(0, MAX_FILES);
    const step = targetsStep(draft, accounts);
    if (problems.length > 0) step.content = errorStepText(problems);
    return step;
  });
}
