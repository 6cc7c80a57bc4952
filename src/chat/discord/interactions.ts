import { clip, type DiscordEdge, followUp, reply, type Turn } from './edge-context.ts';
import { approve, approveHolding, reject, rejectForm, requestChanges, requestChangesForm } from './handlers/review.ts';
import { cancelButton, edit, publishNowButton, reschedule, rescheduleForm } from './handlers/author.ts';
import { composeReopen, composeSend, composeSubmit, composeTargets } from './handlers/compose.ts';
import { composeInstagram } from './handlers/compose-instagram.ts';
import { deliveryButton } from './handlers/delivery.ts';
import { greenlightCommand } from './handlers/greenlight-command.ts';
import { draftFromMessage, postCommand } from './handlers/post-command.ts';
import { composeImages, composeImagesSubmit } from './handlers/compose-images.ts';
import { composeVersions, composeVersionsSubmit } from './handlers/compose-versions.ts';
import { composeComments, composeCommentsSubmit, composeLinkPreview } from './handlers/compose-comments.ts';
import { BUTTONS, type COMMANDS, MODALS, parseCustomId, type ButtonPrefix, type ModalPrefix } from './ids.ts';
import { EPHEMERAL, InteractionType, ResponseType, type DiscordInteraction, type InteractionResponse } from './types.ts';

type Handler = (turn: Turn, args: string[]) => Promise<void>;

/** One handler per command, button and form; the types make a missing one a compile error. */
export const COMMAND_HANDLERS: Record<(typeof COMMANDS)[keyof typeof COMMANDS], Handler> = {
  post: postCommand,
  greenlight: greenlightCommand,
  'Draft a post': draftFromMessage,
};

export const BUTTON_HANDLERS: Record<ButtonPrefix, Handler> = {
  [BUTTONS.approve]: approve,
  [BUTTONS.approveHolding]: approveHolding,
  [BUTTONS.requestChanges]: requestChanges,
  [BUTTONS.reject]: reject,
  [BUTTONS.edit]: edit,
  [BUTTONS.reschedule]: reschedule,
  [BUTTONS.publishNow]: publishNowButton,
  [BUTTONS.cancel]: cancelButton,
  [BUTTONS.retryDelivery]: deliveryButton('retry'),
  [BUTTONS.confirmLive]: deliveryButton('confirm_live'),
  [BUTTONS.publishAgain]: deliveryButton('publish_again'),
  [BUTTONS.publishLate]: deliveryButton('publish_late'),
  [BUTTONS.retryComment]: deliveryButton('retry_comment'),
  [BUTTONS.composeTargets]: composeTargets,
  [BUTTONS.composeInstagram]: composeInstagram,
  [BUTTONS.composeSend]: composeSend,
  [BUTTONS.composeReopen]: composeReopen,
  [BUTTONS.composeImages]: composeImages,
  [BUTTONS.composeVersions]: composeVersions(0),
  [BUTTONS.composeVersionsMore]: composeVersions(1),
  [BUTTONS.composeComments]: composeComments(0),
  [BUTTONS.composeCommentsMore]: composeComments(1),
  [BUTTONS.composeLinkPreview]: composeLinkPreview,
};

export const MODAL_HANDLERS: Record<ModalPrefix, Handler> = {
  [MODALS.compose]: composeSubmit,
  [MODALS.requestChanges]: requestChangesForm,
  [MODALS.reject]: rejectForm,
  [MODALS.reschedule]: rescheduleForm,
  [MODALS.composeImages]: composeImagesSubmit,
  [MODALS.composeVersions]: composeVersionsSubmit,
  [MODALS.composeComments]: composeCommentsSubmit,
};

export const UNKNOWN_COMPONENT = 'That button or form is not one this version of Greenlight knows (an old message, perhaps). Nothing was changed.';

/**
 * Routes one interaction (PING is answered by the transport) to its handler. `respond` sends the
 * initial response: the HTTP answer body, or the callback route for gateway interactions.
 */
export async function handleInteraction(edge: DiscordEdge, interaction: DiscordInteraction, respond: (r: InteractionResponse) => Promise<void>): Promise<void> {
  const turn = createTurn(edge, interaction, respond);
  try {
    await route(turn);
  } catch (error) {
    edge.log.error(
      {
        err: error,
        interactionId: interaction.id,
        type: interaction.type,
        customId: interaction.data?.custom_id?.slice(0, 100),
        command: interaction.data?.name,
      },
      'a Discord interaction failed',
    );
    await apologise(turn).catch((e: unknown) => edge.log.warn({ err: e, interactionId: interaction.id }, 'could not tell the user about the failure'));
  } finally {
    turn.done();
  }
}

async function route(turn: Turn): Promise<void> {
  const { interaction } = turn;
  if (interaction.type === InteractionType.Autocomplete) return turn.respond({ type: ResponseType.Autocomplete, data: { choices: [] } });
  if (!turn.guildId || !turn.userId) return reply(turn, 'Greenlight works in server channels, not in direct messages.');
  if (interaction.type === InteractionType.Command) {
    const handler = COMMAND_HANDLERS[interaction.data?.name as keyof typeof COMMAND_HANDLERS];
    return handler ? handler(turn, []) : reply(turn, `I don't know that command. Try /greenlight help.`);
  }
  const table: Record<string, Handler> | undefined =
    interaction.type === InteractionType.Component ? BUTTON_HANDLERS : interaction.type === InteractionType.ModalSubmit ? MODAL_HANDLERS : undefined;
  const parsed = parseCustomId(interaction.data?.custom_id ?? '');
  const handler = table && parsed && Object.hasOwn(table, parsed.prefix) && arityFits(parsed) ? table[parsed.prefix] : undefined;
  if (!handler || !parsed) {
    turn.edge.log.warn(
      { interactionId: interaction.id, type: interaction.type, customId: interaction.data?.custom_id?.slice(0, 100) },
      'unknown Discord interaction ignored',
    );
    return reply(turn, `⚠️ ${UNKNOWN_COMPONENT}`);
  }
  await handler(turn, parsed.args);
}

/** Discord drops an interaction not answered within 3 s; a handler still busy at this point is deferred for it. */
const WATCHDOG_MS = 2_500;

/** How many arguments each custom id carries: one id, except these. */
const ARITY: Record<string, [number, number]> = { [BUTTONS.approve]: [2, 2], [BUTTONS.approveHolding]: [2, 2], [MODALS.compose]: [0, 1] };

function arityFits({ prefix, args }: { prefix: string; args: string[] }): boolean {
  const [min, max] = ARITY[prefix] ?? [1, 1];
  return args.length >= min && args.length <= max;
}

function createTurn(edge: DiscordEdge, interaction: DiscordInteraction, respond: (r: InteractionResponse) => Promise<void>): Turn & { done(): void } {
  let responded = false;
  let late = false;
  const watchdog = setTimeout(() => {
    if (responded) return;
    responded = late = true;
    edge.log.warn({ interactionId: interaction.id }, 'a Discord handler took over 2.5 s to answer; deferred for it');
    respond({ type: ResponseType.DeferredMessage, data: { flags: EPHEMERAL } }).catch((e: unknown) => edge.log.warn({ err: e }, 'watchdog deferral failed'));
  }, WATCHDOG_MS);
  const turn: Turn & { done(): void } = {
    edge,
    interaction,
    guildId: interaction.guild_id ?? '',
    userId: interaction.member?.user?.id ?? '',
    channelId: interaction.channel_id ?? '',
    get responded() {
      return responded;
    },
    async respond(response) {
      if (late) return lateResponse(turn, response);
      if (responded) throw new Error(`interaction ${interaction.id} was already answered`);
      responded = true;
      clearTimeout(watchdog);
      await respond(response);
    },
    done: () => clearTimeout(watchdog),
  };
  return turn;
}

/** After the watchdog deferred: deferrals are no-ops, a message becomes the follow-up; a form can no longer open. */
async function lateResponse(turn: Turn, response: InteractionResponse): Promise<void> {
  if (response.type === ResponseType.DeferredMessage || response.type === ResponseType.DeferredUpdate) return;
  if (response.type === ResponseType.Message) return followUp(turn, clip(String(response.data?.content ?? '')));
  throw new Error('too slow to open the form in time');
}

/** Something of ours failed: the person hears so (ephemerally), instead of Discord's "interaction failed". */
async function apologise(turn: Turn): Promise<void> {
  const text = '⚠️ Greenlight could not finish that; the error is logged. Try again in a moment.';
  if (!turn.responded) return reply(turn, text);
  await followUp(turn, text);
}
