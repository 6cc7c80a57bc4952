import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { parseKeyring, TokenCipher, generateKey } from '../src/crypto/token-cipher.ts';
import { connectAccount } from '../src/db/accounts.ts';
import { createDb } from '../src/db/database.ts';
import { findOrCreateWorkspace, setMemberRole, updateWorkspaceSettings } from '../src/db/workspaces.ts';
import { findFreePort } from '../src/db/embedded-postgres.ts';
import { SlackEmulator } from '../emulators/slack.ts';
import { startMastodonEmulator } from '../emulators/mastodon.ts';
import { atRate, freshDatabase, percentile } from './harness.ts';

/**
 * Ack latency of Slack interactions at a steady rate. Greenlight runs as its own process (`node
 * src/main.ts`, as in production) and this process plays Slack, so the load generator never shares
 * an event loop with the app. Half `/greenlight help` commands, half Approve clicks on one card
 * (the first approves, the rest are refused: the ack comes first either way). Measured at the
 * client, from sending the signed request to the HTTP answer.
 */
export async function ackLatency(adminUrl: string, options: { rate: number; seconds: number }) {
  const url = await freshDatabase(adminUrl, 'greenlight_bench_ack');
  const slack = await SlackEmulator.start();
  const mastodon = await startMastodonEmulator();
  const users = Array.from({ length: 20 }, (_, i) => `U0BENCH${i}`);
  for (const id of users) slack.addUser({ id, name: id.toLowerCase(), tz: 'Europe/Berlin' });
  slack.addChannel({ id: 'C0BENCH', name: 'bench' });
  const port = await findFreePort();
  const keys = `bench:${generateKey()}`;
  const child = spawn(process.execPath, ['src/main.ts'], {
    env: {
      ...process.env,
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      DATABASE_URL: url,
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_SIGNING_SECRET: slack.signingSecret,
      SLACK_API_URL: slack.apiUrl,
      ENCRYPTION_KEYS: keys,
      ENCRYPTION_PRIMARY_KEY_ID: 'bench',
      STATE_SECRET: 'b'.repeat(40),
      OUTBOUND_ALLOW_PRIVATE: '127.0.0.0/8,::1/128',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const { db } = createDb({ url, poolSize: 2 });
  try {
    await waitReady(`http://127.0.0.1:${port}/readyz`);
    slack.setAppUrl(`http://127.0.0.1:${port}/slack/events`);
    const workspace = await findOrCreateWorkspace(db, 'slack', slack.teamId);
    await updateWorkspaceSettings(db, workspace.id, { approvals_channel_id: 'C0BENCH' });
    await setMemberRole(db, workspace.id, users[0]!, 'approver');
    const account = mastodon.createAccount('bench');
    const cipher = new TokenCipher(parseKeyring(keys, 'bench'));
    const connected = await connectAccount(db, cipher, {
      workspaceId: workspace.id,
      network: 'mastodon',
      externalAccountId: account.accountId,
      displayName: '@bench',
      instanceUrl: mastodon.url,
      connectedBy: users[0]!,
      credentials: { accessToken: account.accessToken },
    });
    await slack.slashCommand({ command: '/post', text: '', userId: users[1]!, channelId: 'C0BENCH' });
    const view = await slack.waitFor(() => slack.openModals(users[1]!)[0], { what: 'compose', timeoutMs: 10_000 });
    await slack.submitView({
      userId: users[1]!,
      viewId: view.id,
      values: {
        text: { value: { type: 'plain_text_input', value: 'bench' } },
        targets: { value: { type: 'checkboxes', selected_options: [{ value: connected.id }] } },
        when: { value: { type: 'plain_text_input', value: 'in 3 days' } },
        zone: { value: { type: 'plain_text_input', value: 'Europe/Berlin' } },
      },
    });
    const card = await slack.waitFor(() => slack.channelMessages('C0BENCH')[0], { what: 'card', timeoutMs: 10_000 });

    const total = options.rate * options.seconds;
    const results = await atRate(total, options.rate, (i) => {
      const userId = users[i % users.length]!;
      return i % 2 === 0
        ? slack.slashCommand({ command: '/greenlight', text: 'help', userId, channelId: 'C0BENCH' })
        : slack.clickButton({ userId: users[(i % (users.length - 2)) + 2]!, actionId: 'approve', channelId: 'C0BENCH', messageTs: card.ts });
    });
    const failed = results.filter((r) => r.status !== 200).length;
    const sorted = results.map((r) => r.elapsedMs).sort((a, b) => a - b);
    const server = serverSide(await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text()), 'slack');
    return {
      total,
      failed,
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      max: sorted[sorted.length - 1]!,
      serverP50: server(0.5),
      serverP99: server(0.99),
    };
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
    await db.destroy();
    await Promise.all([slack.stop(), mastodon.stop()]);
  }
}

async function waitReady(url: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const ok = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`Greenlight did not become ready at ${url}`);
}

/**
 * The app's own view: the bucket bound under which a share of acks fell (greenlight_interaction_ack_seconds),
 * summed over the kinds of interaction of one chat.
 */
export function serverSide(metrics: string, chat: 'slack' | 'discord' = 'slack'): (share: number) => number {
  const byBound = new Map<number, number>();
  for (const m of metrics.matchAll(/^greenlight_interaction_ack_seconds_bucket\{([^}]*)\} (\d+)/gm)) {
    if (!m[1]!.includes(`chat="${chat}"`)) continue;
    const le = Number(/le="([^"]+)"/.exec(m[1]!)![1]);
    byBound.set(le, (byBound.get(le) ?? 0) + Number(m[2]));
  }
  const buckets = [...byBound].map(([le, count]) => ({ le, count })).sort((a, b) => a.le - b.le);
  const total = buckets.find((b) => !Number.isFinite(b.le))?.count ?? 0;
  return (share) => (buckets.find((b) => b.count >= share * total)?.le ?? Number.NaN) * 1000;
}
