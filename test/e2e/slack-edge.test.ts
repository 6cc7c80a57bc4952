import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ACTIONS, COMMANDS } from '../../src/chat/slack/ids.ts';
import { ADMIN, APPROVALS, AUTHOR, CHANNEL, MANAGER, card, click, draft, startStack, thread, type Stack } from '../helpers/greenlight.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

describe('manifests/slack.yaml', () => {
  it('declares exactly the commands the app handles, each answering', async () => {
    const manifest = parse(await readFile('manifests/slack.yaml', 'utf8')) as { features: { slash_commands: { command: string }[] } };
    const declared = manifest.features.slash_commands.map((c) => c.command).sort();
    expect(declared).toEqual(Object.values(COMMANDS).sort());
    for (const command of declared) {
      const res = await stack.slack.slashCommand({ command, text: 'help', userId: AUTHOR, channelId: CHANNEL });
      expect(res.status).toBe(200);
    }
    // /greenlight help answers with the help text; /post opens the compose form.
    await stack.slack.waitFor(() => stack.slack.ephemerals(AUTHOR).find((e) => e.text.includes('/greenlight queue')), { what: 'help text' });
    await stack.slack.waitFor(() => stack.slack.openModals(AUTHOR)[0], { what: 'compose form' });
  });

  it('has a listener for every action id on its cards and receipts', async () => {
    await draft(stack, { text: 'A card to click on', accounts: [stack.accounts.mastodon], when: 'in 5 days' });
    const cardMessage = await stack.slack.waitFor(() => card(stack), { what: 'a card' });
    // Receipt buttons live on thread replies; one message carrying all of them stands in for those.
    const receiptActions = [ACTIONS.retryDelivery, ACTIONS.confirmLive, ACTIONS.publishAgain, ACTIONS.publishLate, ACTIONS.retryComment];
    const posted = await fetch(`${stack.slack.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.slack.botToken}`, 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({
        channel: APPROVALS,
        text: 'receipt buttons',
        blocks: [
          { type: 'actions', elements: receiptActions.map((a) => ({ type: 'button', action_id: a, text: { type: 'plain_text', text: a }, value: 'none' })) },
          // The card's "Approve, but hold…" menu, for a post that does not exist.
          {
            type: 'actions',
            elements: [
              {
                type: 'static_select',
                action_id: ACTIONS.approveHolding,
                placeholder: { type: 'plain_text', text: 'hold' },
                options: [{ text: { type: 'plain_text', text: 'Hold X' }, value: `${ZERO}:0000000000000000:x` }],
              },
            ],
          },
        ],
      }),
    }).then((r) => r.json() as Promise<{ ts: string }>);
    for (const actionId of Object.values(ACTIONS).filter((a) => a !== ACTIONS.openLink)) {
      const messageTs = ([...receiptActions, ACTIONS.approveHolding] as string[]).includes(actionId) ? posted.ts : cardMessage.ts;
      const answers = () => stack.slack.ephemerals(MANAGER).length + stack.slack.callsTo('views.open').length;
      const before = answers();
      const res =
        actionId === ACTIONS.approveHolding
          ? await stack.slack.chooseOption({ userId: MANAGER, actionId, value: `${ZERO}:0000000000000000:x`, channelId: APPROVALS, messageTs })
          : await stack.slack.clickButton({ userId: MANAGER, actionId, value: ZERO, channelId: APPROVALS, messageTs });
      expect(res.status, actionId).toBe(200);
      // Each answers the person: a refusal for a post that does not exist, or a form.
      await stack.slack.waitFor(() => (answers() > before ? true : undefined), { what: `an answer to ${actionId}` });
    }
  });
});

const ZERO = '00000000-0000-0000-0000-000000000000';

describe('/greenlight', () => {
  it('answers unknown input with the help text, ephemerally', async () => {
    await stack.slack.slashCommand({ command: '/greenlight', text: 'frobnicate', userId: AUTHOR, channelId: CHANNEL });
    const told = await stack.slack.waitFor(() => stack.slack.ephemerals(AUTHOR).find((e) => e.text.includes('frobnicate')), { what: 'unknown subcommand' });
    expect(told.text).toContain('/greenlight help');
  });

  it('lists accounts with their health', async () => {
    await stack.slack.slashCommand({ command: '/greenlight', text: 'accounts', userId: AUTHOR, channelId: CHANNEL });
    const told = await stack.slack.waitFor(() => stack.slack.ephemerals(AUTHOR).find((e) => e.text.includes('@greenlight@mastodon.test')), {
      what: 'accounts',
    });
    expect(told.text).toContain('connected');
  });

  it('refuses settings changes from non-admins and saves them for admins', async () => {
    await stack.slack.slashCommand({ command: '/greenlight', text: 'settings approvals_required=2', userId: AUTHOR, channelId: CHANNEL });
    await stack.slack.waitFor(() => stack.slack.ephemerals(AUTHOR).find((e) => e.text.includes('Only workspace admins')), { what: 'refusal' });
    await stack.slack.slashCommand({ command: '/greenlight', text: 'settings approvals_required=11', userId: ADMIN, channelId: CHANNEL });
    await stack.slack.waitFor(() => stack.slack.ephemerals(ADMIN).find((e) => e.text.includes('0 to 10')), { what: 'range error' });
    await stack.slack.slashCommand({ command: '/greenlight', text: 'settings approvals_required=2 zone=America/New_York', userId: ADMIN, channelId: CHANNEL });
    await stack.slack.waitFor(() => stack.slack.ephemerals(ADMIN).find((e) => e.text.includes('Settings saved')), { what: 'saved' });
    const ws = await stack.app.db.selectFrom('workspaces').selectAll().where('id', '=', stack.workspaceId).executeTakeFirstOrThrow();
    expect([ws.approvals_required, ws.default_zone]).toEqual([2, 'America/New_York']);
    await stack.app.db.updateTable('workspaces').set({ approvals_required: 1, default_zone: 'UTC' }).where('id', '=', stack.workspaceId).execute();
  });

  it('pause holds a due delivery, announces it, and resume publishes it', async () => {
    await stack.slack.slashCommand({ command: '/greenlight', text: 'pause', userId: ADMIN, channelId: CHANNEL });
    await stack.slack.waitFor(() => stack.slack.channelMessages(APPROVALS).find((m) => m.text.includes('Publishing is paused')), {
      what: 'pause announcement',
    });
    const before = stack.mastodon.posts.length;
    await draft(stack, { text: 'During the brake', accounts: [stack.accounts.mastodon] });
    const index = await stack.slack.waitFor(
      () => {
        const i = stack.slack.channelMessages(APPROVALS).findIndex((m) => (JSON.stringify(m.blocks) ?? '').includes('During the brake'));
        return i >= 0 ? i : undefined;
      },
      { what: 'the card' },
    );
    await click(stack, MANAGER, 'approve', index);
    await stack.slack.waitFor(() => thread(stack, index).find((t) => t.includes('on hold')), { what: 'held receipt', timeoutMs: 10_000 });
    expect(stack.mastodon.posts.length).toBe(before);
    await stack.slack.slashCommand({ command: '/greenlight', text: 'resume', userId: ADMIN, channelId: CHANNEL });
    await stack.slack.waitFor(() => thread(stack, index).find((t) => t.startsWith('Published to Mastodon')), {
      what: 'published after resume',
      timeoutMs: 10_000,
    });
    expect(stack.mastodon.posts.filter((p) => p.text === 'During the brake')).toHaveLength(1);
    // The card is updated by the same notify job right after the thread's receipt: wait for it rather than race it.
    await stack.slack.waitFor(() => (card(stack, index)?.text.includes('Published') ? true : undefined), { what: 'the card saying Published' });
  });

  it('shows the week in /greenlight queue', async () => {
    await draft(stack, { text: 'Queued for later', accounts: [stack.accounts.mastodon], when: 'in 3 days' });
    await stack.slack.slashCommand({ command: '/greenlight', text: 'queue', userId: AUTHOR, channelId: CHANNEL });
    const told = await stack.slack.waitFor(() => stack.slack.ephemerals(AUTHOR).find((e) => e.text.includes('Queued for later')), { what: 'queue' });
    expect(told.text).toContain('*This week*');
  });
});

describe('App Home', () => {
  it('publishes the four lists when a member opens it', async () => {
    const res = await stack.slack.appHomeOpened(MANAGER);
    expect(res.status).toBe(200);
    const home = await stack.slack.waitFor(() => stack.slack.homeView(MANAGER), { what: 'home view' });
    const text = JSON.stringify(home.blocks);
    expect(text).toContain('Waiting for my approval');
    expect(text).toContain('Queued for later');
  });
});

describe('/greenlight connect', () => {
  it('gives admins a personal link and refuses everyone else', async () => {
    await stack.slack.slashCommand({ command: '/greenlight', text: 'connect x', userId: AUTHOR, channelId: CHANNEL });
    await stack.slack.waitFor(() => stack.slack.ephemerals(AUTHOR).find((e) => e.text.includes('Only workspace admins')), { what: 'refusal' });
    await stack.slack.slashCommand({ command: '/greenlight', text: 'connect x', userId: ADMIN, channelId: CHANNEL });
    const told = await stack.slack.waitFor(() => stack.slack.ephemerals(ADMIN).find((e) => e.text.includes('Open this link to connect X')), { what: 'link' });
    expect(told.text).toMatch(/\/connect\/x\?workspace=[^&\s]+&t=/);
    await stack.slack.slashCommand({ command: '/greenlight', text: 'connect myspace', userId: ADMIN, channelId: CHANNEL });
    await stack.slack.waitFor(() => stack.slack.ephemerals(ADMIN).find((e) => e.text.includes('Which network?')), { what: 'unknown network' });
  });
});
