import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { ackLatency, composeAckLatency } from './ack-latency.ts';
import { discordAckLatency } from './discord-ack-latency.ts';
import { growth } from './growth.ts';
import { bestTime } from './best-time.ts';
import { calendar } from './calendar.ts';
import { benchDatabaseServer, median } from './harness.ts';
import { idleMemory } from './idle-memory.ts';
import { mediaMemory } from './media-memory.ts';
import { mediaPublishMemory } from './media-publish.ts';
import { videoUpload } from './video-upload.ts';
import { videoLateness } from './video-lateness.ts';
import { scheduleLateness } from './schedule-lateness.ts';
import { throughput } from './throughput.ts';
import { floor } from './floor.ts';

/**
 * `npm run bench`: each scenario runs several times and the median is reported, with the machine,
 * in bench/RESULTS.md. `BENCH_RUNS` (default 3) and `BENCH_ONLY` (scenario names, comma-separated)
 * narrow it. docs/benchmarks.md says what each scenario measures and how.
 */
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const ONLY = process.env.BENCH_ONLY?.split(',').map((s) => s.trim());

interface Row {
  scenario: string;
  figure: string;
  value: string;
  target: string;
}

interface Scenario<R> {
  name: string;
  /** What the progress line says about one run. */
  label: string;
  run(adminUrl: string): Promise<R>;
  rows(runs: R[]): Row[];
  /** Extra text for the report (query plans), from the last run. */
  appendix?(runs: R[]): string;
}

const ms = (v: number) => `${Math.round(v)} ms`;
const med = <R>(runs: R[], pick: (r: R) => number) => median(runs.map(pick));
const worst = <R>(runs: R[], pick: (r: R) => number) => Math.max(...runs.map(pick));

/** The publish settings the delivery scenarios share (chosen by the throughput sweep). */
const PUBLISH_ENV = { PUBLISH_CONCURRENCY: '200', DATABASE_POOL_SIZE: '20' };
const CONCURRENCIES = [100, 200, 400];
/** Deliveries of the burst scenario (issue 18 asks for 100,000; `BENCH_BURST_DELIVERIES` sets fewer on a small machine). */
const BURST = Number(process.env.BENCH_BURST_DELIVERIES ?? 100_000);
/** The concurrencies the floor runs at, and where Greenlight / floor is reported. */
const FLOOR_CONCURRENCIES = [100, 400];
/** The video of the video-upload scenario (issue 15 asks for 500 MB; `BENCH_VIDEO_MB` sets another size). */
const VIDEO_MB = Number(process.env.BENCH_VIDEO_MB ?? 500);
/** Medians of deliveries/s per concurrency, for the Greenlight / floor rows (both scenarios in the same run). */
/** The compose-ack scenario's rate and length (each phase). */
const COMPOSE_ACK = { rate: Number(process.env.BENCH_COMPOSE_RATE ?? 20), seconds: 10 };
const rates: { floor: Record<number, number>; throughput: Record<number, number> } = { floor: {}, throughput: {} };

const scenarios: Scenario<any>[] = [
  {
    name: 'ack',
    label: '100 Slack interactions/s for 10 s, then 100 Discord HTTP interactions/s for 10 s',
    run: async (adminUrl) => ({
      slack: await ackLatency(adminUrl, { rate: 100, seconds: 10 }),
      discord: await discordAckLatency(adminUrl, { rate: 100, seconds: 10 }),
    }),
    rows: (runs: { slack: Awaited<ReturnType<typeof ackLatency>>; discord: Awaited<ReturnType<typeof discordAckLatency>> }[]) =>
      (['slack', 'discord'] as const).flatMap((chat) => {
        const scenario = chat === 'slack' ? 'Slack ack at 100/s (1,000 interactions)' : 'Discord ack at 100/s (1,000 HTTP interactions, Ed25519-signed)';
        const of = runs.map((r) => r[chat]);
        return [
          {
            scenario,
            figure: 'p50 / p99 in the app (request in → ack out; histogram bucket bound)',
            value: `≤ ${med(of, (r) => r.serverP50)} ms / ≤ ${med(of, (r) => r.serverP99)} ms`,
            target: 'p99 < 50 ms',
          },
          {
            scenario,
            figure: `p50 / p99 at the client (adds signing, loopback and the emulator process, which also serves the app's ${chat === 'slack' ? 'Web API' : 'REST'} calls)`,
            value: `${med(of, (r) => r.p50).toFixed(1)} ms / ${med(of, (r) => r.p99).toFixed(1)} ms`,
            target: '',
          },
          { scenario, figure: 'non-200 answers', value: String(worst(of, (r) => r.failed)), target: '0' },
        ];
      }),
  },
  {
    name: 'compose-ack',
    label: `Slack compose form: ${COMPOSE_ACK.rate} view_submissions/s for ${COMPOSE_ACK.seconds} s without files, then with 10 files each (downloads held), then with 10 files each (copies running)`,
    run: (adminUrl) => composeAckLatency(adminUrl, COMPOSE_ACK),
    rows: (runs: Awaited<ReturnType<typeof composeAckLatency>>[]) => {
      const forms = COMPOSE_ACK.rate * COMPOSE_ACK.seconds;
      const scenario = `Slack compose form (/post) submitted at ${COMPOSE_ACK.rate}/s, ${forms} forms a phase, each a new post: no files / 10 files with Slack's downloads held (intake jobs started, nothing copied) / 10 files with the intake copying them meanwhile`;
      type Phase = Awaited<ReturnType<typeof composeAckLatency>>['plain'];
      const three = (pick: (r: Phase) => number, digits: number) =>
        (['plain', 'held', 'files'] as const).map((k) => `${med(runs, (r) => pick(r[k])).toFixed(digits)} ms`).join(' / ');
      return [
        { scenario, figure: 'p50 in the app (request in → ack out; histogram bucket bound)', value: three((r) => r.serverP50, 0), target: '' },
        { scenario, figure: 'p99 in the app (histogram bucket bound)', value: three((r) => r.serverP99, 0), target: 'p99 < 50 ms with 10 files' },
        { scenario, figure: 'p50 at the client (adds signing, loopback and the emulator process)', value: three((r) => r.p50, 1), target: '' },
        { scenario, figure: 'p99 at the client', value: three((r) => r.p99, 1), target: '' },
        {
          scenario,
          figure: 'client p99 ratios: 10 files held ÷ no files; 10 files copying ÷ no files',
          value: `${(med(runs, (r) => r.held.p99) / med(runs, (r) => r.plain.p99)).toFixed(2)}; ${(med(runs, (r) => r.files.p99) / med(runs, (r) => r.plain.p99)).toFixed(2)}`,
          target: '',
        },
        {
          scenario,
          figure: 'forms accepted (empty ack), worst run, per phase; non-200 answers',
          value: `${(['plain', 'held', 'files'] as const).map((k) => Math.min(...runs.map((r) => r[k].accepted))).join(' / ')}; ${worst(runs, (r) => r.plain.failed + r.held.failed + r.files.failed)}`,
          target: `${forms} each; 0`,
        },
      ];
    },
  },
  {
    name: 'burst',
    label: `${BURST.toLocaleString('en')} deliveries to 1,000 accounts due within one minute, one process and then two replicas on one database`,
    run: async (adminUrl) => {
      const options = { deliveries: BURST, windowSeconds: 60, leadSeconds: Math.max(30, BURST / 2_000), accounts: 1_000, latencyMs: 100, env: PUBLISH_ENV };
      const one = await scheduleLateness(adminUrl, { ...options, replicas: 1 });
      process.stdout.write(`  one process: p99 ${Math.round(one.p99)} ms, ${one.perSecond.toFixed(0)}/s\n`);
      const two = await scheduleLateness(adminUrl, { ...options, replicas: 2 });
      process.stdout.write(`  two replicas: p99 ${Math.round(two.p99)} ms, ${two.perSecond.toFixed(0)}/s\n`);
      return { one, two };
    },
    rows: (runs: { one: Awaited<ReturnType<typeof scheduleLateness>>; two: Awaited<ReturnType<typeof scheduleLateness>> }[]) => {
      const scenario = `Burst: ${BURST.toLocaleString('en')} deliveries to 1,000 accounts due within one minute (Mastodon emulator at 100 ms, PUBLISH_CONCURRENCY=${PUBLISH_ENV.PUBLISH_CONCURRENCY} per process)`;
      return [
        ...(['one', 'two'] as const).flatMap((k) => {
          const of = runs.map((r) => r[k]);
          const who = k === 'one' ? 'one process' : 'two replicas on one database';
          return [
            {
              scenario,
              figure: `${who}: p50 / p99 / max lateness (create received at the emulator − due time)`,
              value: `${ms(med(of, (r) => r.p50))} / ${ms(med(of, (r) => r.p99))} / ${ms(med(of, (r) => r.max))}`,
              target: 'p99 < 1 s',
            },
            {
              scenario,
              figure: `${who}: published / early / duplicated, worst run; deliveries/s from the first due time to the last create`,
              // Not all published: the bench stopped waiting (3 minutes after the first due time) before the app was done; none lost.
              value: `${Math.min(...of.map((r) => r.delivered))} / ${worst(of, (r) => r.early)} / ${worst(of, (r) => r.duplicates)}; ${med(of, (r) => r.perSecond).toFixed(0)}/s${of.every((r) => r.complete) ? '' : ' (the bench stopped waiting before all were published: lateness of those not counted)'}`,
              target: `${BURST.toLocaleString('en')} / 0 / 0`,
            },
          ];
        }),
        {
          scenario,
          figure: 'scaling: deliveries/s of two replicas ÷ one process',
          value: (med(runs, (r) => r.two.perSecond) / med(runs, (r) => r.one.perSecond)).toFixed(2),
          target: '',
        },
      ];
    },
  },
  {
    name: 'lateness',
    label: '10,000 deliveries due within one minute, Mastodon at 100 ms',
    run: (adminUrl) => scheduleLateness(adminUrl, { deliveries: 10_000, windowSeconds: 60, leadSeconds: 30, accounts: 100, latencyMs: 100, env: PUBLISH_ENV }),
    rows: (runs: Awaited<ReturnType<typeof scheduleLateness>>[]) => {
      const scenario = `Schedule lateness: 10,000 deliveries due within one minute (Mastodon emulator at 100 ms, PUBLISH_CONCURRENCY=${PUBLISH_ENV.PUBLISH_CONCURRENCY})`;
      return [
        {
          scenario,
          figure: 'p50 / p99 / max: create request received at the emulator − due time',
          value: `${ms(med(runs, (r) => r.p50))} / ${ms(med(runs, (r) => r.p99))} / ${ms(med(runs, (r) => r.max))}`,
          target: 'p99 < 1 s',
        },
        {
          scenario,
          figure: 'published / early (before the due time) / duplicated, worst run',
          value: `${Math.min(...runs.map((r) => r.delivered))} / ${worst(runs, (r) => r.early)} / ${worst(runs, (r) => r.duplicates)}`,
          target: '10,000 / 0 / 0',
        },
      ];
    },
  },
  {
    name: 'throughput',
    label: `5,000 deliveries due now, Mastodon at 100 ms, PUBLISH_CONCURRENCY ${CONCURRENCIES.join('/')}`,
    async run(adminUrl) {
      const byConcurrency: Record<number, Awaited<ReturnType<typeof throughput>>> = {};
      for (const c of CONCURRENCIES) {
        byConcurrency[c] = await throughput(adminUrl, {
          deliveries: 5_000,
          accounts: 50,
          latencyMs: 100,
          env: { ...PUBLISH_ENV, PUBLISH_CONCURRENCY: String(c) },
        });
        process.stdout.write(`  PUBLISH_CONCURRENCY=${c}: ${byConcurrency[c].perSecond.toFixed(0)}/s\n`);
      }
      return byConcurrency;
    },
    rows: (runs: Record<number, Awaited<ReturnType<typeof throughput>>>[]) =>
      CONCURRENCIES.flatMap((c) => {
        rates.throughput[c] = med(runs, (r) => r[c]!.perSecond);
        const scenario = 'Throughput: 5,000 deliveries due now, one process (Mastodon emulator at 100 ms)';
        const cpu = (pick: (r: Awaited<ReturnType<typeof throughput>>['cpuMsPerDelivery']) => number) =>
          med(runs, (r) => pick(r[c]!.cpuMsPerDelivery)).toFixed(2);
        return [
          {
            scenario,
            figure: `deliveries/s, first to last create at the emulator, PUBLISH_CONCURRENCY=${c}, DATABASE_POOL_SIZE=${PUBLISH_ENV.DATABASE_POOL_SIZE} (published / duplicated, worst run)`,
            value: `${Math.round(med(runs, (r) => r[c]!.perSecond))}/s (${Math.min(...runs.map((r) => r[c]!.delivered))} / ${worst(runs, (r) => r[c]!.duplicates)})`,
            target: '≥ 500/s',
          },
          {
            scenario,
            figure: `CPU ms per delivery, PUBLISH_CONCURRENCY=${c}: Greenlight / PostgreSQL / emulator and bench process`,
            value: `${cpu((x) => x.app)} / ${cpu((x) => x.postgres)} / ${cpu((x) => x.emulator)}`,
            target: '≤ 4 in all for 500/s on 2 cores',
          },
          {
            scenario,
            figure: `PostgreSQL CPU ms per delivery with the receipts' notify jobs run too (until the notify queue is empty; drained in every run: ${runs.every((r) => r[c]!.receiptsDrained) ? 'yes' : 'no'}), PUBLISH_CONCURRENCY=${c}`,
            value: cpu((x) => x.postgresWithReceipts),
            target: '≤ 0.8',
          },
          {
            scenario,
            figure: `statements / transactions per delivery, PUBLISH_CONCURRENCY=${c} (pg_stat_statements, pg_stat_database; start of the process until its notify jobs are done and it stopped)`,
            value: `${med(runs, (r) => r[c]!.perDelivery.statements).toFixed(1)} / ${med(runs, (r) => r[c]!.perDelivery.transactions).toFixed(1)}`,
            target: '',
          },
          {
            scenario,
            figure: `WAL per delivery, PUBLISH_CONCURRENCY=${c}: kB / records (pg_stat_wal, the same span)`,
            value: `${(med(runs, (r) => r[c]!.perDelivery.walBytes) / 1024).toFixed(1)} / ${med(runs, (r) => r[c]!.perDelivery.walRecords).toFixed(1)}`,
            target: '',
          },
        ];
      }),
    appendix: (runs: Record<number, Awaited<ReturnType<typeof throughput>>>[]) => {
      const c = CONCURRENCIES[0]!;
      const last = runs.at(-1)![c]!;
      const lines = last.top.map(
        (t) =>
          `| ${(t.ms / last.delivered).toFixed(3)} | ${(t.planMs / last.delivered).toFixed(3)} | ${(t.calls / last.delivered).toFixed(2)} | ${t.query.replaceAll('|', '\\|')} |`,
      );
      const per = (n: number) => (n / last.delivered).toFixed(2);
      const writes = last.writes.map(
        (w) => `| ${w.table} | ${per(w.inserted)} | ${per(w.updated)} | ${per(w.hot)} | ${per(w.deleted)} | ${w.vacuums} / ${w.analyzes} |`,
      );
      return `### Throughput: the statements per delivery at PUBLISH_CONCURRENCY=${c} (last run, pg_stat_statements, the 25 with the most execution and planning time)\n\n| execution ms per delivery | planning ms per delivery | calls per delivery | statement |\n| --- | --- | --- | --- |\n${lines.join('\n')}\n\n### Throughput: rows written per delivery at PUBLISH_CONCURRENCY=${c} (last run, pg_stat_user_tables; a HOT update writes no index entry)\n\n| table | inserted | updated | of them HOT | deleted | autovacuum / autoanalyze runs |\n| --- | --- | --- | --- | --- | --- |\n${writes.join('\n')}`;
    },
  },
  {
    name: 'floor',
    label: `the throughput scenario's 5,000 jobs in bare pg-boss, one create request each, concurrency ${FLOOR_CONCURRENCIES.join('/')}`,
    async run(adminUrl) {
      const byConcurrency: Record<number, Awaited<ReturnType<typeof floor>>> = {};
      for (const c of FLOOR_CONCURRENCIES) {
        // pg-boss's own pool size, as Greenlight's queue (createQueue's default, 10).
        byConcurrency[c] = await floor(adminUrl, { deliveries: 5_000, accounts: 50, latencyMs: 100, concurrency: c, poolSize: 10 });
        process.stdout.write(`  floor at concurrency ${c}: ${byConcurrency[c].perSecond.toFixed(0)}/s\n`);
      }
      return byConcurrency;
    },
    rows: (runs: Record<number, Awaited<ReturnType<typeof floor>>>[]) =>
      FLOOR_CONCURRENCIES.flatMap((c) => {
        rates.floor[c] = med(runs, (r) => r[c]!.perSecond);
        const scenario = 'Floor: the same 5,000 jobs in bare pg-boss (same version, server, loop shape and emulator latency), one create request per job';
        return [
          {
            scenario,
            figure: `jobs/s, first to last create at the emulator, concurrency ${c} (published / duplicated, worst run)`,
            value: `${Math.round(rates.floor[c])}/s (${Math.min(...runs.map((r) => r[c]!.delivered))} / ${worst(runs, (r) => r[c]!.duplicates)})`,
            target: '',
          },
          {
            scenario,
            figure: `CPU ms per job, concurrency ${c}: worker / PostgreSQL`,
            value: `${med(runs, (r) => r[c]!.cpuMsPerDelivery.app).toFixed(2)} / ${med(runs, (r) => r[c]!.cpuMsPerDelivery.postgres).toFixed(2)}`,
            target: '',
          },
          {
            scenario,
            figure: `statements / transactions per job, concurrency ${c}`,
            value: `${med(runs, (r) => r[c]!.perDelivery.statements).toFixed(1)} / ${med(runs, (r) => r[c]!.perDelivery.transactions).toFixed(1)}`,
            target: '',
          },
        ];
      }),
    appendix: (runs: Record<number, Awaited<ReturnType<typeof floor>>>[]) => {
      const c = FLOOR_CONCURRENCIES[0]!;
      const last = runs.at(-1)![c]!;
      const lines = last.top.map(
        (t) =>
          `| ${(t.ms / last.delivered).toFixed(3)} | ${(t.planMs / last.delivered).toFixed(3)} | ${(t.calls / last.delivered).toFixed(2)} | ${t.query.replaceAll('|', '\\|')} |`,
      );
      return `### Floor: the statements per job at concurrency ${c} (last run, pg_stat_statements, the 8 with the most execution and planning time)\n\n| execution ms per job | planning ms per job | calls per job | statement |\n| --- | --- | --- | --- |\n${lines.join('\n')}`;
    },
  },
  {
    name: 'growth',
    label: "1,000 vs 1,000,000 scheduled posts: due work and the week's queue",
    run: (adminUrl) => growth(adminUrl),
    rows: (runs: Awaited<ReturnType<typeof growth>>[]) =>
      runs[0]!.queries.map((q, i) => ({
        scenario: 'Growth: 1,000 vs 1,000,000 scheduled posts (median of 20 executions each)',
        figure: q.name,
        value: `${med(runs, (r) => r.queries[i]!.smallMs).toFixed(2)} ms vs ${med(runs, (r) => r.queries[i]!.largeMs).toFixed(2)} ms`,
        target: 'equal within noise',
      })),
    appendix: (runs: Awaited<ReturnType<typeof growth>>[]) => runs[runs.length - 1]!.plans,
  },
  {
    name: 'besttime',
    label: 'best times over 1,000,000 stored metric rows in one workspace',
    run: (adminUrl) => bestTime(adminUrl),
    rows: (runs: Awaited<ReturnType<typeof bestTime>>[]) => {
      const scenario = 'Best time: one workspace, 1,000,000 metric rows (250,000 deliveries × 4 slots, 7 networks, a year); median of 20 executions';
      return [
        { scenario, figure: 'aggregation for one network (SQL, index-only scan)', value: ms(med(runs, (r) => r.oneNetworkMs)), target: '< 200 ms' },
        {
          scenario,
          figure: '`/greenlight besttime` for all 7 networks: one statement per network side by side, plus ranking',
          value: ms(med(runs, (r) => r.serviceMs)),
          target: '< 200 ms',
        },
        { scenario, figure: 'for comparison: one statement for all 7 networks', value: ms(med(runs, (r) => r.allNetworksMs)), target: '' },
      ];
    },
    appendix: (runs: Awaited<ReturnType<typeof bestTime>>[]) =>
      `### Best time: plans (last run)\n\nOne network:\n\n\`\`\`\n${runs.at(-1)!.plan}\n\`\`\`\n\nOne statement for all seven:\n\n\`\`\`\n${runs.at(-1)!.allPlan}\n\`\`\``,
  },
  {
    name: 'calendar',
    label: 'a week of 5,000 posts and "next slot", with 5,000 and with 1,000,000 posts stored',
    run: (adminUrl) => calendar(adminUrl),
    rows: (runs: Awaited<ReturnType<typeof calendar>>[]) => {
      const scenario =
        'Calendar and "next slot": one workspace, 5,000 posts in the week shown, 70 weekly slots (2 accounts), the first 40 slot instants taken; median of 20 executions';
      return [
        {
          scenario,
          figure: 'the week rendered (calendar statement, free slots, text): 5,000 vs 1,000,000 posts stored',
          value: `${med(runs, (r) => r.small.renderMs).toFixed(1)} ms vs ${med(runs, (r) => r.large.renderMs).toFixed(1)} ms`,
          target: '< 50 ms',
        },
        {
          scenario,
          figure: 'of which the calendar statement (posts of 7 days, their networks and cards, counts)',
          value: `${med(runs, (r) => r.small.statementMs).toFixed(1)} ms vs ${med(runs, (r) => r.large.statementMs).toFixed(1)} ms`,
          target: '',
        },
        {
          scenario,
          figure: 'of which the free slots (slots, accounts, the posts at the slot instants)',
          value: `${med(runs, (r) => r.small.freeMs).toFixed(1)} ms vs ${med(runs, (r) => r.large.freeMs).toFixed(1)} ms`,
          target: '',
        },
        {
          scenario,
          figure: 'of which the text (no I/O)',
          value: `${med(runs, (r) => r.small.textMs).toFixed(1)} ms vs ${med(runs, (r) => r.large.textMs).toFixed(1)} ms`,
          target: '',
        },
        {
          scenario,
          figure: '"next slot" chosen and booked for 2 accounts (one transaction, rolled back): 5,000 vs 1,000,000 posts stored',
          value: `${med(runs, (r) => r.small.nextSlotMs).toFixed(1)} ms vs ${med(runs, (r) => r.large.nextSlotMs).toFixed(1)} ms`,
          target: '< 50 ms',
        },
      ];
    },
    appendix: (runs: Awaited<ReturnType<typeof calendar>>[]) =>
      `### Calendar: plans with ${'1,000,000'} posts stored (last run)\n\nThe week's statement (calendarSql):\n\n\`\`\`\n${runs.at(-1)!.plans.calendarPlan}\n\`\`\`\n\n"next slot": the busy look-up at the candidate instants (busyInstants):\n\n\`\`\`\n${runs.at(-1)!.plans.busyPlan}\n\`\`\``,
  },
  {
    name: 'memory',
    label: 'idle for 15 s: `npm start` without and with Slack, the built service with Slack',
    run: (adminUrl) => idleMemory(adminUrl, { idleSeconds: 15 }),
    rows: (runs: Awaited<ReturnType<typeof idleMemory>>[]) => [
      {
        scenario: 'Idle database load: `npm start`, no chat, over the last 7.5 s of 15 s idle (QUEUE_POLL_SECONDS=5, the default)',
        figure: 'committed transactions per second (pg_stat_database)',
        value: `${med(runs, (r) => r.idleTransactionsPerSecond).toFixed(1)}/s`,
        target: '',
      },
      {
        scenario: 'Idle memory with DATABASE_URL, after 15 s idle (all with --max-semi-space-size=4)',
        figure: 'VmRSS: `npm start` (src/main.ts), no chat / `npm start`, Slack configured / built as in the Docker image (dist/src/main.js), Slack configured',
        value: `${med(runs, (r) => r.sourceNoChatMb).toFixed(0)} MB / ${med(runs, (r) => r.sourceSlackMb).toFixed(0)} MB / ${med(runs, (r) => r.builtSlackMb).toFixed(0)} MB`,
        target: '< 150 MB',
      },
    ],
  },
  {
    name: 'media',
    label: '10 PNGs of 5 MB stored from disk into the media store, then downloaded at once through the signed /media route',
    run: (adminUrl) => mediaMemory(adminUrl, { files: 10, megabytes: 5 }),
    rows: (runs: Awaited<ReturnType<typeof mediaMemory>>[]) => [
      {
        scenario: 'Media store: 10 images of 5 MB, stored one after another (probed with sharp), then served to 10 clients at once',
        figure: 'resident memory growth over the warmed-up process: storing / serving (peak VmRSS, sampled every 20 ms)',
        value: `${med(runs, (r) => r.storeGrowthMb).toFixed(1)} MB / ${med(runs, (r) => r.serveGrowthMb).toFixed(1)} MB`,
        target: '< 64 MB',
      },
      {
        scenario: 'Media store: 10 images of 5 MB',
        figure: 'time to store all 10 / to serve all 10 at once',
        value: `${(med(runs, (r) => r.storeMs) / 1000).toFixed(1)} s / ${(med(runs, (r) => r.serveMs) / 1000).toFixed(1)} s`,
        target: '',
      },
    ],
  },
  {
    name: 'media-s3',
    label: 'the media scenario with MEDIA_STORE=s3 (s3rver on 127.0.0.1), against the PostgreSQL store in the same run',
    run: async (adminUrl) => ({
      postgres: await mediaMemory(adminUrl, { files: 10, megabytes: 5 }),
      s3: await mediaMemory(adminUrl, { files: 10, megabytes: 5, store: 's3' }),
    }),
    rows: (runs: { postgres: Awaited<ReturnType<typeof mediaMemory>>; s3: Awaited<ReturnType<typeof mediaMemory>> }[]) => [
      {
        scenario: 'Media store, S3 (s3rver) vs PostgreSQL: 10 images of 5 MB stored one after another, then served to 10 clients at once',
        figure: 'resident memory growth, storing / serving: S3 vs PostgreSQL (peak VmRSS, sampled every 20 ms)',
        value: `${med(runs, (r) => r.s3.storeGrowthMb).toFixed(1)} / ${med(runs, (r) => r.s3.serveGrowthMb).toFixed(1)} MB vs ${med(runs, (r) => r.postgres.storeGrowthMb).toFixed(1)} / ${med(runs, (r) => r.postgres.serveGrowthMb).toFixed(1)} MB`,
        target: '< 64 MB',
      },
      {
        scenario: 'Media store, S3 (s3rver) vs PostgreSQL: 10 images of 5 MB',
        figure: 'time to store all 10 / to serve all 10, as a ratio S3 ÷ PostgreSQL',
        value: `${(med(runs, (r) => r.s3.storeMs) / med(runs, (r) => r.postgres.storeMs)).toFixed(2)} / ${(med(runs, (r) => r.s3.serveMs) / med(runs, (r) => r.postgres.serveMs)).toFixed(2)}`,
        target: '',
      },
    ],
  },
  {
    name: 'media-publish',
    label:
      '100 posts of one stored 5 MB image each, published to an X-shaped sink at once, streamed from the media store (binary COPY reads, then the hex-text reads they replaced)',
    run: async (adminUrl) => {
      const options = { posts: 100, files: 10, megabytes: 5 };
      const store = await mediaPublishMemory(adminUrl, { ...options, read: 'store' });
      const hex = await mediaPublishMemory(adminUrl, { ...options, read: 'hex' });
      process.stdout.write(
        `  binary COPY: +${store.growthMb.toFixed(1)} MB in ${(store.publishMs / 1000).toFixed(1)} s; hex text: +${hex.growthMb.toFixed(1)} MB in ${(hex.publishMs / 1000).toFixed(1)} s\n`,
      );
      return { store, hex };
    },
    rows: (runs: { store: Awaited<ReturnType<typeof mediaPublishMemory>>; hex: Awaited<ReturnType<typeof mediaPublishMemory>> }[]) => {
      const scenario = 'Publishing 100 image posts at once: one stored 5 MB PNG each (10 files), X adapter, 10 database connections';
      const of = (k: 'store' | 'hex') => runs.map((r) => r[k]);
      return [
        {
          scenario,
          figure:
            "resident memory growth over the warmed-up process (peak VmRSS, sampled every 20 ms) / time for all 100: the store's reads (binary COPY, 64 KiB per query)",
          value: `${med(of('store'), (r) => r.growthMb).toFixed(1)} MB / ${(med(of('store'), (r) => r.publishMs) / 1000).toFixed(1)} s`,
          target: '< 64 MB',
        },
        {
          scenario,
          figure: 'the same with the reads they replaced (baseline, same run: bytea as hex text, one query per 256 KiB chunk)',
          value: `${med(of('hex'), (r) => r.growthMb).toFixed(1)} MB / ${(med(of('hex'), (r) => r.publishMs) / 1000).toFixed(1)} s`,
          target: '',
        },
        {
          scenario,
          figure: 'at the VmRSS peak, growth of what V8 accounts for: Buffers (arrayBuffers) / JS heap; binary COPY vs hex text',
          value: `${med(of('store'), (r) => r.buffersMb).toFixed(1)} MB / ${med(of('store'), (r) => r.heapMb).toFixed(1)} MB vs ${med(of('hex'), (r) => r.buffersMb).toFixed(1)} MB / ${med(of('hex'), (r) => r.heapMb).toFixed(1)} MB`,
          target: '',
        },
        {
          scenario,
          figure: 'bytes uploaded / posts created at the sink, worst run (binary COPY)',
          value: `${Math.min(...of('store').map((r) => r.uploadedMb)).toFixed(0)} MB / ${Math.min(...of('store').map((r) => r.posts))}`,
          target: '',
        },
      ];
    },
  },
  {
    name: 'video-upload',
    label: `a ${VIDEO_MB} MB video from the media store through X's chunked upload and Instagram's pull of the signed URL, and the same from a plain file`,
    run: (adminUrl) => videoUpload(adminUrl, { megabytes: VIDEO_MB }),
    rows: (runs: Awaited<ReturnType<typeof videoUpload>>[]) => {
      const scenario = `Video: one ${VIDEO_MB} MB video (synthetic MP4) stored in PostgreSQL, sent to the X emulator (chunked upload, 4 MiB segments) and pulled by the Instagram emulator's fetch from the signed /media URL`;
      return [
        {
          scenario,
          figure:
            "resident memory growth while it is sent (peak VmRSS over the value at the phase's start, sampled every 20 ms): X chunked upload / Instagram's pull",
          value: `${med(runs, (r) => r.x.growthMb).toFixed(1)} MB / ${med(runs, (r) => r.pull.growthMb).toFixed(1)} MB`,
          target: '< 64 MB',
        },
        {
          scenario,
          figure: 'the same bytes from a plain file on disk (baseline, same run): X adapter reading the file / a static file server',
          value: `${med(runs, (r) => r.x.fileGrowthMb).toFixed(1)} MB / ${med(runs, (r) => r.pull.fileGrowthMb).toFixed(1)} MB`,
          target: '',
        },
        {
          scenario,
          figure: "throughput from the store: X chunked upload / Instagram's pull (MB/s)",
          value: `${med(runs, (r) => r.x.mbPerSecond).toFixed(0)} / ${med(runs, (r) => r.pull.mbPerSecond).toFixed(0)}`,
          target: '',
        },
        {
          scenario,
          figure: "throughput from the store ÷ throughput of the plain file copy to the same emulator (same run): X / Instagram's pull",
          value: `${med(runs, (r) => r.x.ratio).toFixed(2)} / ${med(runs, (r) => r.pull.ratio).toFixed(2)}`,
          target: '',
        },
        {
          scenario,
          figure: 'time to store the video (read from disk in 64 KiB pieces, 256 KiB chunks, one transaction each)',
          value: `${med(runs, (r) => r.storeSeconds).toFixed(1)} s`,
          target: '',
        },
      ];
    },
  },
  {
    name: 'video-lateness',
    label:
      '2,000 text and image deliveries to Mastodon due within 30 s, alone (ten 50 MB videos stored, not due) and then with the videos to X due at their start',
    run: async (adminUrl) => {
      const result = await videoLateness(adminUrl, {
        deliveries: 2_000,
        windowSeconds: 30,
        leadSeconds: 10,
        imageEvery: 10,
        accounts: 100,
        latencyMs: 100,
        videos: 10,
        videoMegabytes: 50,
        env: PUBLISH_ENV,
      });
      process.stdout.write(
        `  alone: p99 ${Math.round(result.alone.p99)} ms; with ten videos: p99 ${Math.round(result.withVideos.p99)} ms (videos done after ${result.withVideos.videoSeconds.toFixed(1)} s)\n`,
      );
      return result;
    },
    rows: (runs: Awaited<ReturnType<typeof videoLateness>>[]) => {
      const scenario = `Ten videos publishing at once: 2,000 Mastodon deliveries due within 30 s (every 10th with a stored 1 MB PNG; emulators at 100 ms, PUBLISH_CONCURRENCY=${PUBLISH_ENV.PUBLISH_CONCURRENCY}), alone and with ten 50 MB stored videos to X due at the window's start`;
      const late = (k: 'alone' | 'withVideos') => {
        const of = runs.map((r) => r[k]);
        return `${ms(med(of, (r) => r.p50))} / ${ms(med(of, (r) => r.p99))} / ${ms(med(of, (r) => r.max))}`;
      };
      return [
        { scenario, figure: 'p50 / p99 / max lateness of the Mastodon deliveries, with the ten videos', value: late('withVideos'), target: 'as without' },
        { scenario, figure: 'the same with the videos stored but not due (baseline, same run)', value: late('alone'), target: 'p99 < 1 s' },
        {
          scenario,
          figure: 'p50 / p99 of the text-only deliveries / of those with an image: with the videos vs without',
          value: (['withVideos', 'alone'] as const)
            .map((k) => {
              const of = runs.map((r) => r[k]);
              return `${ms(med(of, (r) => r.text.p50))} / ${ms(med(of, (r) => r.text.p99))} / ${ms(med(of, (r) => r.image.p50))} / ${ms(med(of, (r) => r.image.p99))}`;
            })
            .join(' vs '),
          target: '',
        },
        {
          scenario,
          figure: 'p99 lateness with ÷ without the videos',
          value: (med(runs, (r) => r.withVideos.p99) / med(runs, (r) => r.alone.p99)).toFixed(2),
          target: '',
        },
        {
          scenario,
          figure: 'published / early / duplicated at Mastodon, worst run, with the videos; videos posted at X; seconds from their due time until all were',
          value: `${Math.min(...runs.map((r) => r.withVideos.delivered))} / ${worst(runs, (r) => r.withVideos.early)} / ${worst(runs, (r) => r.withVideos.duplicates)}; ${Math.min(...runs.map((r) => r.withVideos.videos))} of 10; ${med(runs, (r) => r.withVideos.videoSeconds).toFixed(1)} s`,
          target: '2,000 / 0 / 0; 10',
        },
      ];
    },
  },
];

async function main(): Promise<void> {
  const server = await benchDatabaseServer();
  const rows: Row[] = [];
  const appendices: string[] = [];
  // Other work on the machine shows in every wall-clock figure: say how busy it was.
  const loads: string[] = [];
  const started = Date.now();
  try {
    for (const scenario of scenarios) {
      if (ONLY && !ONLY.includes(scenario.name)) continue;
      const runs = [];
      loads.push(`${scenario.name} ${os.loadavg()[0]!.toFixed(1)}`);
      for (let i = 0; i < RUNS; i++) {
        process.stdout.write(`${scenario.name}: run ${i + 1}/${RUNS} (${scenario.label})...\n`);
        runs.push(await scenario.run(server.adminUrl));
      }
      rows.push(...scenario.rows(runs));
      const appendix = scenario.appendix?.(runs);
      if (appendix) appendices.push(appendix);
    }
  } finally {
    await server.stop();
  }
  for (const c of FLOOR_CONCURRENCIES) {
    const [g, f] = [rates.throughput[c], rates.floor[c]];
    if (g === undefined || f === undefined) continue;
    rows.push({
      scenario: 'Greenlight / floor, measured in the same run',
      figure: `deliveries/s of throughput ÷ jobs/s of floor, concurrency ${c}`,
      value: (g / f).toFixed(2),
      target: c === 100 ? '≥ 0.8' : '≥ 0.6',
    });
  }
  const table = [
    '| scenario | figure | median of runs | target |',
    '| --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.scenario} | ${r.figure} | ${r.value} | ${r.target} |`),
  ].join('\n');
  const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}, ${process.env.DATABASE_URL ? 'PostgreSQL from DATABASE_URL' : 'embedded PostgreSQL'}`;
  const minutes = ((Date.now() - started) / 60_000).toFixed(1);
  const report = `# Benchmark results\n\nMachine: ${machine}. ${RUNS} run(s) per scenario; the table shows the median of the runs (${minutes} min in all).\nOne-minute load average when each scenario started (other work on the machine slows every wall-clock figure): ${loads.join(', ')}.\nRun with \`npm run bench\` (\`BENCH_RUNS\`, \`BENCH_ONLY\` narrow it); docs/benchmarks.md explains each scenario.\n\n${table}\n${appendices.map((a) => `\n${a}\n`).join('')}`;
  if (!ONLY) await writeFile(new URL('./RESULTS.md', import.meta.url), report);
  else if (process.env.BENCH_MERGE === '1') await mergeRows(rows, loads);
  process.stdout.write(`${report}\n`);
}

/**
 * `BENCH_MERGE=1` with `BENCH_ONLY`: the scenarios run replace their own rows in bench/RESULTS.md (rows of
 * the same scenario text; new ones go at the end of the table), keeping every other scenario's figures, and
 * a line under the table says when and under which load they were measured.
 */
async function mergeRows(rows: Row[], loads: string[]): Promise<void> {
  const file = new URL('./RESULTS.md', import.meta.url);
  const lines = (await readFile(file, 'utf8')).split('\n');
  const fresh = new Set(rows.map((r) => r.scenario));
  const noteStart = `${ONLY!.join(', ')} measured on `;
  // The main table: from its header to the first line that is not a row. Only its rows are replaced:
  // the dated sections further down keep the figures they were written with.
  const header = lines.findIndex((line) => line.startsWith('| scenario |'));
  let end = header;
  while (lines[end + 1]?.startsWith('| ')) end++;
  const isOld = (line: string, at: number) =>
    line.startsWith(noteStart) || (at > header && at <= end && line.startsWith('| ') && fresh.has(line.split(' | ')[0]!.slice(2)));
  const kept = lines.filter((line, at) => !isOld(line, at));
  let lastRow = kept.findIndex((line) => line.startsWith('| scenario |'));
  while (kept[lastRow + 1]?.startsWith('| ')) lastRow++;
  const added = rows.map((r) => `| ${r.scenario} | ${r.figure} | ${r.value} | ${r.target} |`);
  const note = `\n${noteStart}${new Date().toISOString().slice(0, 16)} UTC (${RUNS} run(s); one-minute load average ${loads.join(', ')}), merged into the table above.`;
  kept.splice(lastRow + 1, 0, ...added, note);
  await writeFile(file, kept.join('\n'));
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
