import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/greenlight.ts';
import { isoIn, submit, threadOf, waitForDelivery, waitForPost, waitForReply } from '../helpers/engine.ts';
import { operatorName, runCli, testKeys, type CliRun } from './run-cli.ts';

/**
 * The CLI beside a running Greenlight (the stack's service, its workers and the Slack, X and Mastodon
 * emulators): posts go in through Slack, the operator lists, shows, retries and cancels them from the CLI,
 * and the service's workers carry the retries out and tell the thread.
 */
const keys = testKeys();
let stack: Stack;
let env: Record<string, string>;
let partial: string;

beforeAll(async () => {
  stack = await startStack({ env: () => keys.env });
  env = { DATABASE_URL: stack.testDb.url, ...keys.env };
  stack.x.failNext({ kind: 'rejected' });
  partial = await submit(stack, { text: 'Launch day: the CLI is here', networks: ['mastodon', 'x'] });
  await waitForPost(stack, partial, 'partially_published');
});

afterAll(async () => {
  await stack?.stop();
});

function expectNoSecret(run: CliRun): void {
  for (const secret of [stack.tokens.x.accessToken, stack.tokens.x.refreshToken, stack.tokens.mastodon.accessToken])
    expect(run.stdout + run.stderr).not.toContain(secret);
}

describe('greenlight posts', () => {
  it('list filters by state, age and workspace, as a table or JSON', async () => {
    const table = await runCli(['posts', 'list', '--state', 'partially_published', '--since', '1h'], env);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^ID\s+WORKSPACE\s+STATE\s+PUBLISH AT\s+UPDATED\s+DELIVERIES\s+TEXT$/);
    expect(table.stdout).toContain(partial);
    expect(table.stdout).toContain('mastodon:published x:failed');

    const json = await runCli(['posts', 'list', '--workspace', stack.slack.teamId, '--limit', '5', '--json'], env);
    expect((JSON.parse(json.stdout) as { id: string; state: string }[]).find((p) => p.id === partial)?.state).toBe('partially_published');
    expect(await runCli(['posts', 'list', '--state', 'failed'], env)).toMatchObject({ code: 0, stdout: 'no posts\n' });
    expect((await runCli(['posts', 'list', '--since', 'last tuesday'], env)).code).toBe(2);
    expect((await runCli(['posts', 'list', '--state', 'lost'], env)).code).toBe(2);
    expect((await runCli(['posts', 'list', '--limit', '0'], env)).code).toBe(2);
  });

  it('show gives the post, each delivery with the network’s error, and the event timeline', async () => {
    const run = await runCli(['posts', 'show', partial], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`post        ${partial}`);
    expect(run.stdout).toContain('state       partially_published');
    expect(run.stdout).toMatch(/mastodon\s+@greenlight@mastodon\.test\s+published\s+1/);
    expect(run.stdout).toMatch(/x\s+@greenlight\s+failed\s+1 .*permanent 403: .*You are not permitted to perform this action\./);
    expect(run.stdout).toMatch(/approved\s+U0MANAGER/);
    expect(run.stdout).toContain('delivery_failed');
    const json = JSON.parse((await runCli(['posts', 'show', partial, '--json'], env)).stdout) as {
      post: { state: string };
      deliveries: { network: string; lastError: { networkMessage: string } | null }[];
      events: { kind: string }[];
    };
    expect(json.post.state).toBe('partially_published');
    expect(json.deliveries.find((d) => d.network === 'x')?.lastError?.networkMessage).toBe('You are not permitted to perform this action.');
    expect(json.events.map((e) => e.kind)).toContain('delivery_published');
    expectNoSecret(run);
    expect((await runCli(['posts', 'show', '5c0ffee0-0000-4000-8000-000000000000'], env)).code).toBe(1);
    expect((await runCli(['posts', 'show'], env)).code).toBe(2);
  });

  it('retry re-enqueues the failed delivery through the workflow; the service publishes it and the thread names the operator', async () => {
    const run = await runCli(['posts', 'retry', partial], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^✓ x [0-9a-f-]{36}: queued for a new attempt\n$/);
    await waitForDelivery(stack, partial, 'x', 'published');
    await waitForPost(stack, partial, 'published');
    await waitForReply(stack, partial, 'the retry receipt', (t) => t === `the operator (${operatorName()}) asked to retry X.`);
    expect(stack.x.posts.filter((p) => p.text === 'Launch day: the CLI is here')).toHaveLength(1);

    const nothing = await runCli(['posts', 'retry', partial], env);
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toContain('nothing to retry');
  });

  it('the service’s /metrics counts accounts by network and status (the needs_reconnect alert reads it)', async () => {
    const metrics = await (await fetch(`${stack.app.url}/metrics`)).text();
    expect(metrics).toContain('greenlight_accounts{network="x",status="connected"} 1');
    expect(metrics).toContain('greenlight_accounts{network="mastodon",status="connected"} 1');
  });

  it('cancel withdraws a scheduled post as the operator; a second cancel is refused with exit 1', async () => {
    const later = await submit(stack, { text: 'Next week, maybe', networks: ['mastodon'], when: isoIn(3_600_000) });
    await waitForPost(stack, later, 'scheduled');
    const run = await runCli(['posts', 'cancel', later], env);
    expect(run).toMatchObject({ code: 0, stdout: `posts: ${later} canceled; its thread says so\n` });
    await waitForPost(stack, later, 'canceled');
    await waitForDelivery(stack, later, 'mastodon', 'skipped');
    await waitForReply(stack, later, 'the cancel receipt', (t) => t === `Canceled by the operator (${operatorName()}).`);

    const again = await runCli(['posts', 'cancel', later], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('This post is canceled and can no longer be canceled.');
    expect((await threadOf(stack, later)).filter((t) => t.startsWith('Canceled'))).toHaveLength(1);
    expect((await runCli(['posts', 'cancel', 'tomorrow'], env)).code).toBe(2);
  });
});
