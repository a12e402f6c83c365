/**
 * `npm run bench [-- --quick | --smoke]`: runs the benchmarks on this machine, prints a table and writes
 * bench/results/latest.json (or `--out FILE`). Full ≈ several minutes; quick ≈ a minute; smoke: a few
 * iterations, to keep the harness working (the test suite runs it).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

import { printReport } from './report.js';
import { type BenchMode, runBench } from './run.js';

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  console.log(`usage: npm run bench [-- --quick | --smoke] [--out FILE]

  (default)  full run: 250 dispatch samples per program, 10,000-run throughput, scale up to 1,000,000 pending,
             300 git runs against 300 code runs of one program, 30 dispatches to Slurm against a bare sbatch,
             30 to a container against a bare docker run
  --quick    about a minute, same measurements with fewer samples
  --smoke    a few iterations of dispatch and throughput only (keeps the harness working)
  --out FILE where to write the JSON (default bench/results/latest.json)

Slurm: scripts/slurm-stack.sh (a one-node cluster on this machine) is run; when it cannot be had, that
part says why it was skipped. Containers: likewise scripts/container-stack.sh (docker and its Python image).
PostgreSQL: TMINUS_BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test) names a server
where a scratch database is created and dropped; without one, that part says it was skipped.`);
  process.exit(0);
}
const mode: BenchMode = args.includes('--smoke')
  ? 'smoke'
  : args.includes('--quick')
    ? 'quick'
    : 'full';
const outAt = args.indexOf('--out');
const out =
  outAt === -1
    ? fileURLToPath(new URL('../results/latest.json', import.meta.url))
    : args[outAt + 1];
if (out === undefined) {
  console.error('--out needs a file name');
  process.exit(2);
}

const result = await runBench(mode, (line) => process.stderr.write(`${line}\n`));
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
printReport(result);
console.log(`\nwritten to ${out}`);
