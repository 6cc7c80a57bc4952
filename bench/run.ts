import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { ackLatency } from './ack-latency.ts';
import { benchDatabaseServer, median } from './harness.ts';

/**
 * `npm run bench`: each scenario runs several times and the median is reported, with the machine,
 * in bench/RESULTS.md. `BENCH_RUNS` (default 3) and `BENCH_ONLY` (a scenario name) narrow it.
 */
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const ONLY = process.env.BENCH_ONLY;

interface Row { scenario: string; figure: string; value: string; target: string }

async function main(): Promise<void> {
  const server = await benchDatabaseServer();
  const rows: Row[] = [];
  try {
    if (!ONLY || ONLY === 'ack') {
      const runs = [];
      for (let i = 0; i < RUNS; i++) {
        process.stdout.write(`ack latency: run ${i + 1}/${RUNS} (100 interactions/s for 10 s)...\n`);
        runs.push(await ackLatency(server.adminUrl, { rate: 100, seconds: 10 }));
      }
      rows.push(
        { scenario: 'Slack ack at 100/s (1,000 interactions)', figure: 'p50 / p99 in the app (request in → ack out; histogram bucket bound)', value: `≤ ${median(runs.map((r) => r.serverP50))} ms / ≤ ${median(runs.map((r) => r.serverP99))} ms`, target: 'p99 < 50 ms' },
        { scenario: 'Slack ack at 100/s (1,000 interactions)', figure: 'p50 / p99 at the client (adds signing, loopback and the emulator process, which also serves the app\'s Web API calls)', value: `${median(runs.map((r) => r.p50)).toFixed(1)} ms / ${median(runs.map((r) => r.p99)).toFixed(1)} ms`, target: '' },
        { scenario: 'Slack ack at 100/s (1,000 interactions)', figure: 'non-200 answers', value: String(Math.max(...runs.map((r) => r.failed))), target: '0' },
      );
    }
  } finally {
    await server.stop();
  }
  const table = ['| scenario | figure | median of runs | target |', '| --- | --- | --- | --- |', ...rows.map((r) => `| ${r.scenario} | ${r.figure} | ${r.value} | ${r.target} |`)].join('\n');
  const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}, ${process.env.DATABASE_URL ? 'PostgreSQL from DATABASE_URL' : 'embedded PostgreSQL'}`;
  const report = `# Benchmark results\n\nMachine: ${machine}. ${RUNS} runs per scenario; the table shows the median of the runs.\nRun with \`npm run bench\` (\`BENCH_RUNS\`, \`BENCH_ONLY\` narrow it).\n\n${table}\n`;
  await writeFile(new URL('./RESULTS.md', import.meta.url), report);
  process.stdout.write(`${report}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
