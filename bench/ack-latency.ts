import { parseKeyring, TokenCipher, generateKey } from '../src/crypto/token-cipher.ts';
import { connectAccount } from '../src/db/accounts.ts';
import { createDb } from '../src/db/database.ts';
import { findOrCreateWorkspace, setMemberRole, updateWorkspaceSettings } from '../src/db/workspaces.ts';
import sharp from 'sharp';
import { SlackEmulator } from '../emulators/slack.ts';
import type { StateValueInput } from '../emulators/slack/types.ts';
import { startMastodonEmulator } from '../emulators/mastodon.ts';
import { atRate, freshDatabase, percentile, spawnGreenlight } from './harness.ts';

/**
 * Ack latency of Slack interactions at a steady rate. Greenlight runs as its own process (`node
 * src/main.ts`, as in production) and this process plays Slack, so the load generator never shares
 * an event loop with the app. Half `/greenlight help` commands, half Approve clicks on one card
 * (the first approves, the rest are refused: the ack comes first either way). Measured at the
 * client, from sending the signed request to the HTTP answer.
 */
export async function ackLatency(adminUrl: string, options: { rate: number; seconds: number }) {
  const app = await startAckApp(adminUrl, 'greenlight_bench_ack');
  const { slack, users } = app;
  try {
    await slack.slashCommand({ command: '/post', text: '', userId: users[1]!, channelId: 'C0BENCH' });
    const view = await slack.waitFor(() => slack.openModals(users[1]!)[0], { what: 'compose', timeoutMs: 10_000 });
    await slack.submitView({ userId: users[1]!, viewId: view.id, values: composeValues(app.accountId, []) });
    const card = await slack.waitFor(() => slack.channelMessages('C0BENCH')[0], { what: 'card', timeoutMs: 10_000 });

    const total = options.rate * options.seconds;
    const results = await atRate(total, options.rate, (i) => {
      const userId = users[i % users.length]!;
      return i % 2 === 0
        ? slack.slashCommand({ command: '/greenlight', text: 'help', userId, channelId: 'C0BENCH' })
        : slack.clickButton({ userId: users[(i % (users.length - 2)) + 2]!, actionId: 'approve', channelId: 'C0BENCH', messageTs: card.ts });
    });
    const server = serverSide(await app.metrics(), 'slack');
    return { ...clientFigures(results), total, serverP50: server(0.5), serverP99: server(0.99) };
  } finally {
    await app.stop();
  }
}

/** Files one compose form carries in the files variant: Slack's file_input takes 10. */
const FILES_PER_FORM = 10;

/**
 * The compose form's own ack (issue 14's figure): `view_submission`s of the /post form at a steady rate,
 * in three phases against the same process: `plain` (text, account, time), `files-held` (the same with 10
 * files in the file_input's state, as Slack sends them: file objects with url_private_download, sizes and
 * pixels, while Slack holds the downloads, so only the submit path is timed) and `files` (the same with
 * the intake job copying the files from Slack after each ack, in the same process, as in production).
 * Each submission is a new post in review; each phase starts once every file of the one before is copied. Every form is
 * opened (/post) before its phase, so only submissions are timed. Server figures are the histogram's
 * counts added during each phase.
 */
export async function composeAckLatency(adminUrl: string, options: { rate: number; seconds: number }) {
  // Slack keeps one open form per person: one person per form of a phase.
  const app = await startAckApp(adminUrl, 'greenlight_bench_compose_ack', options.rate * options.seconds);
  const { slack } = app;
  try {
    const png = await sharp({ create: { width: 200, height: 150, channels: 3, background: { r: 40, g: 120, b: 200 } } })
      .png()
      .toBuffer();
    const total = options.rate * options.seconds;
    const phase = async (variant: 'plain' | 'files' | 'files-held') => {
      const views = await openForms(app, total);
      process.stdout.write(`  ${variant}: ${views.length} forms open, submitting at ${new Date().toISOString()}\n`);
      const files = (userId: string) =>
        variant === 'plain'
          ? []
          : Array.from({ length: FILES_PER_FORM }, (_, n) =>
              slack.shareFile({ userId, name: `photo-${n + 1}.png`, bytes: png, mimetype: 'image/png', width: 200, height: 150 }),
            );
      // Both phases post to Threads, which takes text alone and up to 20 images (Mastodon takes 4, Instagram needs one).
      const prepared = views.map((v) => ({ ...v, values: composeValues(app.threadsId, files(v.userId)) }));
      // files-held: Slack holds every download until the phase is over, so the intake job copies nothing
      // meanwhile and only the submit path itself is timed.
      const release = variant === 'files-held' ? slack.userFiles.hold() : undefined;
      const before = await app.metrics();
      const results = await atRate(total, options.rate, (i) =>
        slack.submitView({ userId: prepared[i]!.userId, viewId: prepared[i]!.viewId, values: prepared[i]!.values }),
      );
      const server = serverSide(await app.metrics(), 'slack', before);
      process.stdout.write(`  ${variant}: submissions done at ${new Date().toISOString()}\n`);
      release?.();
      // The next phase starts on a quiet app: every file of this one copied (or refused) first, so no
      // phase pays for the one before it.
      await app.drained();
      const accepted = results.filter((r) => r.status === 200 && r.body === undefined).length;
      const refused = results.find((r) => r.status === 200 && r.body !== undefined);
      process.stdout.write(`  ${variant}: ${accepted} of ${total} accepted${refused ? `; one refusal: ${JSON.stringify(refused.body).slice(0, 300)}` : ''}\n`);
      return { ...clientFigures(results), total, accepted, serverP50: server(0.5), serverP99: server(0.99) };
    };
    const plain = await phase('plain');
    const held = await phase('files-held');
    const files = await phase('files');
    return { plain, held, files };
  } finally {
    await app.stop();
  }
}

/** `total` compose forms opened with /post across the users, before the timed submissions. */
async function openForms(app: AckApp, total: number): Promise<{ userId: string; viewId: string }[]> {
  const { slack, users } = app;
  const seen = new Set(users.flatMap((u) => slack.openModals(u).map((v) => v.id)));
  const opened: { userId: string; viewId: string }[] = [];
  for (let i = 0; i < total; i += 20) {
    const batch = Array.from({ length: Math.min(20, total - i) }, (_, k) => users[(i + k) % users.length]!);
    await Promise.all(batch.map((userId) => slack.slashCommand({ command: '/post', text: '', userId, channelId: 'C0BENCH' })));
    for (const userId of batch) {
      const view = await slack.waitFor(() => slack.openModals(userId).find((v) => !seen.has(v.id)), { what: 'a compose form', timeoutMs: 10_000 });
      seen.add(view.id);
      opened.push({ userId, viewId: view.id });
    }
  }
  return opened;
}

function composeValues(accountId: string, files: unknown[]): Record<string, Record<string, StateValueInput>> {
  return {
    text: { value: { type: 'plain_text_input', value: 'bench' } },
    targets: { value: { type: 'checkboxes', selected_options: [{ value: accountId }] } },
    when: { value: { type: 'plain_text_input', value: 'in 3 days' } },
    zone: { value: { type: 'plain_text_input', value: 'Europe/Berlin' } },
    ...(files.length > 0
      ? {
          files: { value: { type: 'file_input', files } as StateValueInput },
          alt: { value: { type: 'plain_text_input', value: files.map((_, n) => `Photo ${n + 1}`).join('\n') } },
        }
      : {}),
  };
}

function clientFigures(results: { status: number; elapsedMs: number }[]) {
  const sorted = results.map((r) => r.elapsedMs).sort((a, b) => a - b);
  return {
    failed: results.filter((r) => r.status !== 200).length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1]!,
  };
}

interface AckApp {
  slack: SlackEmulator;
  users: string[];
  /** The Mastodon account the forms publish to. */
  accountId: string;
  /** A Threads account (text alone, or up to 20 images; nothing is published in the bench): the compose-ack forms' target. */
  threadsId: string;
  metrics(): Promise<string>;
  /** Resolves once no attached file is waiting for its copy (at most 10 minutes). */
  drained(): Promise<void>;
  stop(): Promise<void>;
}

/** Greenlight as its own process (`node src/main.ts`, as in production) on a fresh database, with Slack and Mastodon emulators. */
async function startAckApp(adminUrl: string, database: string, userCount = 20): Promise<AckApp> {
  const url = await freshDatabase(adminUrl, database);
  const slack = await SlackEmulator.start();
  const mastodon = await startMastodonEmulator();
  const users = Array.from({ length: userCount }, (_, i) => `U0BENCH${i}`);
  for (const id of users) slack.addUser({ id, name: id.toLowerCase(), tz: 'Europe/Berlin' });
  slack.addChannel({ id: 'C0BENCH', name: 'bench' });
  const keys = `bench:${generateKey()}`;
  // spawnGreenlight: BENCH_CPU_PROF profiles the app (written on the SIGTERM below), BENCH_APP_DIR runs a baseline checkout.
  const app = await spawnGreenlight({
    LOG_LEVEL: 'warn',
    DATABASE_URL: url,
    SLACK_BOT_TOKEN: slack.botToken,
    SLACK_SIGNING_SECRET: slack.signingSecret,
    SLACK_API_URL: slack.apiUrl,
    ENCRYPTION_KEYS: keys,
    ENCRYPTION_PRIMARY_KEY_ID: 'bench',
  });
  const port = new URL(app.url).port;
  const { db } = createDb({ url, poolSize: 2 });
  const stop = async () => {
    await app.stop();
    await db.destroy();
    await Promise.all([slack.stop(), mastodon.stop()]);
  };
  try {
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
    // Never called: the compose-ack posts wait for approval three days ahead.
    const threads = await connectAccount(db, cipher, {
      workspaceId: workspace.id,
      network: 'threads',
      externalAccountId: '17841400000000002',
      displayName: '@bench',
      connectedBy: users[0]!,
      credentials: { accessToken: 'unused' },
    });
    return {
      slack,
      users,
      accountId: connected.id,
      threadsId: threads.id,
      drained: async () => {
        for (let i = 0; i < 1200; i++) {
          const row = await db
            .selectFrom('media')
            .select((eb) => eb.fn.countAll<string>().as('n'))
            .where('state', '=', 'preparing')
            .executeTakeFirstOrThrow();
          if (Number(row.n) === 0) return;
          await new Promise((r) => setTimeout(r, 500));
        }
        throw new Error('the attached files were not all copied within 10 minutes');
      },
      metrics: () => fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text()),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * The app's own view: the bucket bound under which a share of acks fell (greenlight_interaction_ack_seconds),
 * summed over the kinds of interaction of one chat; with `since` (an earlier scrape), only the acks added after it.
 */
export function serverSide(metrics: string, chat: 'slack' | 'discord' = 'slack', since?: string): (share: number) => number {
  const counts = (text: string) => {
    const byBound = new Map<number, number>();
    for (const m of text.matchAll(/^greenlight_interaction_ack_seconds_bucket\{([^}]*)\} (\d+)/gm)) {
      if (!m[1]!.includes(`chat="${chat}"`)) continue;
      const le = Number(/le="([^"]+)"/.exec(m[1]!)![1]);
      byBound.set(le, (byBound.get(le) ?? 0) + Number(m[2]));
    }
    return byBound;
  };
  const earlier = since === undefined ? new Map<number, number>() : counts(since);
  // Cumulative buckets: the counts added since `since` are the differences, bound by bound.
  const buckets = [...counts(metrics)].map(([le, count]) => ({ le, count: count - (earlier.get(le) ?? 0) })).sort((a, b) => a.le - b.le);
  const total = buckets.find((b) => !Number.isFinite(b.le))?.count ?? 0;
  return (share) => (buckets.find((b) => b.count >= share * total)?.le ?? Number.NaN) * 1000;
}
