/**
 * Git runs against code runs: the same short Python program (bench/end-to-end/program.ts) as a
 * `code` job (an uploaded snapshot) and as a `git` job (a commit of a repository on this machine),
 * each run `runs` times through a real server and 4 real agents (`--max-jobs 4`), after a warm-up
 * in which every agent has cached both sources. Reported per kind: runs/s and the agents' CPU per
 * run — the agent processes and everything they reaped (the program, and git for a git run), so a
 * git process started per run shows up. The phases alternate (code, git, code, git) so that drift
 * in machine load hits both alike. Target (issue 12): git CPU per run ≤ 1.2× code's.
 *
 * Standalone: `npm run build && npx tsc -p bench && node bench/dist/git-vs-code.js [--quick]`.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { type Api, launchAdd } from '@tminus/sdk';

import { ARGV, checksum, MARK, programJob, writeProgram } from './end-to-end/program.js';
import { mapPool } from './pool.js';
import { clockTicks, processCpu } from './proc.js';
import { startTminus, stopProcess } from './processes.js';
import { benchApiKey, startServer } from './server.js';
import { isMain, printStandalone } from './standalone.js';
import { round } from './stats.js';

const AGENTS = 4;
const MAX_JOBS = 4;

export interface SourceKindResult {
  readonly runs: number;
  readonly runs_per_s: number;
  /** Agent processes and what they reaped (programs, git), per run. */
  readonly agent_cpu_ms_per_run: number;
  /** Of which the agent processes themselves. */
  readonly agent_self_cpu_ms_per_run: number;
}

export interface GitVsCodeResult {
  readonly agents: number;
  readonly max_jobs: number;
  readonly program: string;
  readonly code: SourceKindResult;
  readonly git: SourceKindResult;
  /** git ÷ code agent CPU per run. */
  readonly cpu_ratio: number;
}

/** A repository holding the program, committed once; returns its path and the commit. */
function programRepo(dir: string): { remote: string; commit: string } {
  writeProgram(dir);
  writeFileSync(join(dir, 'salt.txt'), randomBytes(8).toString('hex'));
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8' }).trim();
  git('init', '--quiet');
  git('add', '.');
  git('-c', 'user.name=bench', '-c', 'user.email=bench@localhost', 'commit', '--quiet', '-m', 'p');
  return { remote: dir, commit: git('rev-parse', 'HEAD') };
}

async function gitJob(api: Api, repo: { remote: string; commit: string }): Promise<string> {
  const created = await api.request('createJob', {
    body: {
      project: 'bench',
      name: 'git-program',
      source: { type: 'git', remote: repo.remote, commit: repo.commit, entrypoint: [...ARGV] },
    },
  });
  return created.job.ref;
}

/** Runs `job` `count` times, twice as many in flight as the agents have slots; throws unless each printed its line. */
async function runMany(api: Api, job: string, queueName: string, count: number): Promise<void> {
  const expected = `${checksum()}`;
  await mapPool(count, AGENTS * MAX_JOBS * 2, async () => {
    const queued = await launchAdd({ api, job, queueName });
    const run = await queued.waitUntilFinished({ timeoutMs: 120_000 });
    if (run.state !== 'finished')
      throw new Error(`run ${run.id} of ${job} ${run.state}: ${run.failure?.message ?? ''}`);
    const { lines } = await api.request('getLogs', { params: { id: run.id } });
    if (!lines.some((l) => l.text.startsWith(MARK) && l.text.endsWith(expected)))
      throw new Error(`run ${run.id} of ${job} did not print its checksum`);
  });
}

export async function measureGitVsCode(options: {
  readonly quick: boolean;
  readonly scratch: string;
}): Promise<GitVsCodeResult> {
  const perPhase = options.quick ? 40 : 150;
  mkdirSync(options.scratch, { recursive: true });
  const apiKey = benchApiKey();
  const server = await startServer(join(options.scratch, 'server'), apiKey);
  const agents: Awaited<ReturnType<typeof startTminus>>['child'][] = [];
  try {
    const { api, baseUrl } = server;
    const queueName = (await api.request('createQueue', { body: { name: 'git-vs-code' } })).name;
    const code = await programJob(api, join(options.scratch, 'code'), 'code-program');
    const git = await gitJob(api, programRepo(join(options.scratch, 'repo')));
    for (let i = 0; i < AGENTS; i++) {
      const started = await startTminus(
        [
          'agent',
          '-q',
          queueName,
          '--max-jobs',
          String(MAX_JOBS),
          '--allow-local-repo',
          options.scratch,
        ],
        {
          TMINUS_BASE_URL: baseUrl,
          TMINUS_API_KEY: apiKey,
          TMINUS_DATA_DIR: join(options.scratch, `agent-${i}`),
        },
        /polling on queues/,
      );
      agents.push(started.child);
    }
    // Warm-up: enough runs of each that every agent has both sources cached and its paths compiled.
    for (const job of [code, git]) await runMany(api, job, queueName, AGENTS * MAX_JOBS * 2);

    const ticks = clockTicks() ?? 100;
    const cpu = () =>
      agents.reduce(
        (sum, a) => {
          const c = processCpu(a.pid, ticks);
          return {
            all: sum.all + (c ? c.self + c.children : NaN),
            self: sum.self + (c?.self ?? NaN),
          };
        },
        { all: 0, self: 0 },
      );
    const totals = { code: { s: 0, all: 0, self: 0 }, git: { s: 0, all: 0, self: 0 } };
    for (const [kind, job] of [
      ['code', code],
      ['git', git],
      ['code', code],
      ['git', git],
    ] as const) {
      const before = cpu();
      const started = performance.now();
      await runMany(api, job, queueName, perPhase);
      const after = cpu();
      totals[kind].s += (performance.now() - started) / 1000;
      totals[kind].all += after.all - before.all;
      totals[kind].self += after.self - before.self;
    }
    const kindResult = (t: { s: number; all: number; self: number }): SourceKindResult => ({
      runs: perPhase * 2,
      runs_per_s: round((perPhase * 2) / t.s, 1),
      agent_cpu_ms_per_run: round((t.all * 1000) / (perPhase * 2), 1),
      agent_self_cpu_ms_per_run: round((t.self * 1000) / (perPhase * 2), 1),
    });
    const codeResult = kindResult(totals.code);
    const gitResult = kindResult(totals.git);
    return {
      agents: AGENTS,
      max_jobs: MAX_JOBS,
      program: ARGV.join(' '),
      code: codeResult,
      git: gitResult,
      cpu_ratio: round(gitResult.agent_cpu_ms_per_run / codeResult.agent_cpu_ms_per_run),
    };
  } finally {
    await Promise.all(agents.map((a) => stopProcess(a)));
    await stopProcess(server.child);
  }
}

if (isMain(import.meta.url)) await printStandalone('tminus-git-vs-code-', measureGitVsCode);
