import type { BlockButtonAction, BlockStaticSelectAction, webApi } from '@slack/bolt';
import { isNetwork } from '../../../domain/networks.ts';
import { decidePost, type Decision } from '../../../workflow/decide-post.ts';
import { singleFieldModal } from '../compose-modal.ts';
import { type ActionHandler, actorFor, buttonArgs, requestTeam, type SlackEdge, tellUser, type ViewHandler } from '../edge-context.ts';
import { VIEWS } from '../ids.ts';

// The reviewer's buttons: Approve, Request changes, Reject. Approve acts at once; the other two open a
// form for the comment or reason (the trigger id is used right after the ack, within Slack's 3 seconds).

export const approve: ActionHandler = async (edge, { body, action, client }) => {
  const args = await buttonArgs(client, { channelId: body.channel?.id ?? body.container.channel_id, userId: body.user.id }, action.value);
  if (!args) return;
  const [postId = '', seenHash = ''] = args;
  await decideAndTell(edge, client, body, postId, { kind: 'approve', seenHash });
};

export const approveHolding: ActionHandler<BlockStaticSelectAction> = async (edge, { body, action, client }) => {
  const args = await buttonArgs(client, { channelId: body.channel?.id ?? body.container.channel_id, userId: body.user.id }, action.selected_option.value, 2);
  if (!args) return;
  const [postId = '', seenHash = '', network = ''] = args;
  if (!isNetwork(network))
    return tellUser(
      client,
      { channelId: body.channel?.id ?? body.container.channel_id, userId: body.user.id },
      { ok: false, message: 'Pick a network to hold from the menu on the card.' },
    );
  await decideAndTell(edge, client, body, postId, { kind: 'approve', seenHash, hold: [network] });
};

export const requestChanges: ActionHandler = async (_edge, { body, action, client }) => {
  if (!(await buttonArgs(client, { channelId: body.channel?.id, userId: body.user.id }, action.value))) return;
  await client.views.open({
    trigger_id: body.trigger_id,
    view: singleFieldModal(VIEWS.requestChanges, action.value ?? '', { title: 'Request changes', label: 'What should change?', submit: 'Send to the author' }),
  });
};

export const reject: ActionHandler = async (_edge, { body, action, client }) => {
  if (!(await buttonArgs(client, { channelId: body.channel?.id, userId: body.user.id }, action.value))) return;
  await client.views.open({
    trigger_id: body.trigger_id,
    view: singleFieldModal(VIEWS.reject, action.value ?? '', { title: 'Reject post', label: 'Reason (the author sees it)', submit: 'Reject' }),
  });
};

/** The comment or reason form's submission. */
function decisionForm(kind: 'request_changes' | 'reject'): ViewHandler {
  return async (edge, { ack, body, view }) => {
    const { postId } = JSON.parse(view.private_metadata) as { postId: string };
    const text = view.state.values.value?.value?.value ?? '';
    const actor = await actorFor(edge, requestTeam(body), body.user.id);
    const decision: Decision = kind === 'reject' ? { kind, reason: text } : { kind, comment: text };
    const outcome = await decidePost(edge.deps, actor, postId, decision);
    // A refusal (someone decided first, no rights) is shown on the form itself, where the person is.
    if (!outcome.ok) return ack({ response_action: 'errors', errors: { value: outcome.message } });
    return ack();
  };
}

export const requestChangesForm = decisionForm('request_changes');
export const rejectForm = decisionForm('reject');

async function decideAndTell(
  edge: SlackEdge,
  client: webApi.WebClient,
  body: BlockButtonAction | BlockStaticSelectAction,
  postId: string,
  decision: Decision,
): Promise<void> {
  const actor = await actorFor(edge, requestTeam(body), body.user.id);
  const outcome = await decidePost(edge.deps, actor, postId, decision);
  await tellUser(client, { channelId: body.channel?.id ?? body.container.channel_id, userId: body.user.id }, outcome);
}
