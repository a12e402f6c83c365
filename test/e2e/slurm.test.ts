/**
 * Runs on a real Slurm cluster (scripts/slurm-stack.sh: slurmctld and slurmd on this machine),
 * through a real server and `tminus agent --slurm` processes: what a user of a Slurm queue sees —
 * the job Slurm records with the sbatch options asked for, a job Slurm holds explained, cancel,
 * the time limit, preemption retried as a new attempt, and an agent killed and restarted.
 * Without Slurm these tests skip, saying why; the resource_args checks need no cluster.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { launchAdd, LaunchError, type QueuedRun } from '@tminus/sdk';
import type { Run } from '@tminus/sdk/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { runCli } from '../helpers/cli.js';
import { uploadCodeJob } from '../helpers/code-job.js';
import { spawnTminus, type Spawned } from '../helpers/processes.js';
import {
  cancelJobsNamed,
  jobRecord,
  liveJobs,
  slurmCluster,
  slurmCommand,
} from '../helpers/slurm.js';
import { startStack, type TestStack } from '../helpers/stack.js';

const { cluster, skipReason } = await slurmCluster();
const withSlurm = cluster === undefined ? it.skip : it;
const named = (title: string) => (cluster === undefined ? `${title} — ${skipReason}` : title);

/** What the run sees, then what its arguments ask for. */
const JOB_SH = `echo "job $SLURM_JOB_ID attempt \${WANDB_RESUME:-first} run $TMINUS_RUN_ID"
echo "config $(cat "$TMINUS_CONFIG_PATH") $WANDB_CONFIG"
echo ready
case "$1" in
  sleep) sleep "$2" ;;
  first-sleeps) [ "$WANDB_RESUME" = allow ] || sleep 600 ;;
esac
echo done
`;

let stack: TestStack;
let job: string;
let agent: Spawned | undefined;
const runIds = new Set<string>();

function agentProcess(queues: string[], dataDir: string): Spawned {
  return spawnTminus(['agent', ...queues.flatMap((q) => ['-q', q]), '--max-jobs', '8', '--slurm'], {
    TMINUS_BASE_URL: stack.url,
    TMINUS_API_KEY: stack.apiKey,
    TMINUS_DATA_DIR: dataDir,
    ...(cluster === undefined ? {} : { SLURM_CONF: cluster.env.SLURM_CONF }),
  });
}

async function slurmQueue(maxAttempts = 1): Promise<string> {
  const name = `slurm-${Math.random().toString(36).slice(2, 8)}`;
  await stack.api.request('createQueue', { body: { name, resource: 'slurm', maxAttempts } });
  return name;
}

async function launch(
  queueName: string,
  args: string[],
  slurm: Record<string, unknown> = {},
): Promise<QueuedRun> {
  return launchAdd({
    api: stack.api,
    job,
    queueName,
    resourceArgs: { slurm },
    config: { overrides: { args, run_config: { lr: 0.5 } } },
  });
}

/** The run once it exists (its id noted, to cancel what is left of its jobs at the end). */
async function started(queued: QueuedRun): Promise<Run> {
  const run = await queued.waitUntilStarted({ timeoutMs: 60_000 });
  runIds.add(run.id);
  return run;
}

async function logText(runId: string): Promise<string[]> {
  return (await stack.api.request('getLogs', { params: { id: runId } })).lines.map((l) => l.text);
}

/** Resolves once the run's log has a line matching `pattern`; returns that line. */
async function lineOf(runId: string, pattern: RegExp): Promise<string> {
  let after = -1;
  for (;;) {
    const page = await stack.api.request('getLogs', {
      params: { id: runId },
      query: { after, waitMs: 20_000 },
    });
    const line = page.lines.find((l) => pattern.test(l.text));
    if (line !== undefined) return line.text;
    if (page.done) throw new Error(`run ${runId} ended without a line matching ${pattern}`);
    after = page.next;
  }
}

async function jobIdOf(runId: string): Promise<string> {
  return /^job (\d+)/.exec(await lineOf(runId, /^job \d+/))![1]!;
}

beforeAll(async () => {
  stack = await startStack();
  const code = join(stack.dir, 'code');
  mkdirSync(code);
  writeFileSync(join(code, 'job.sh'), JOB_SH);
  job = (
    await uploadCodeJob(stack.api, code, { project: 'p', name: 'sh', entrypoint: ['sh', 'job.sh'] })
  ).ref;
});

afterAll(async () => {
  await agent?.kill();
  if (cluster !== undefined)
    for (const id of runIds) await cancelJobsNamed(cluster, `tminus-${id}`).catch(() => undefined);
  await stack.close();
});

describe('resource_args.slurm at enqueue', () => {
  it('an unknown key, a job array and a bad value are refused with the key named', async () => {
    const queue = await slurmQueue();
    const refused = async (slurm: Record<string, unknown>) =>
      (await launch(queue, [], slurm).catch((e: unknown) => e)) as LaunchError;
    const unknown = await refused({ cpus: 4 });
    expect(unknown).toBeInstanceOf(LaunchError);
    expect(unknown.code).toBe('INVALID_ARGUMENT');
    expect(unknown.message).toContain(
      'resource_args["slurm"].cpus is not an option tminus passes to sbatch; it accepts partition, time, nodes, ntasks, cpus-per-task, mem',
    );
    expect((await refused({ array: '0-9' })).message).toContain(
      'resource_args["slurm"].array is refused: job arrays are not supported: one run is one Slurm job',
    );
    expect((await refused({ mem: '16 gigs' })).message).toContain(
      'resource_args["slurm"].mem must be memory per node',
    );
    // Nothing was queued.
    expect(
      (
        await stack.api.request('listQueueItems', {
          params: { entity: stack.entity, name: queue },
        })
      ).items,
    ).toEqual([]);
  });
});

describe('a Slurm queue served by `tminus agent --slurm`', () => {
  let dataDir = '';
  let queue = '';
  let retrying = '';
  beforeAll(async () => {
    if (cluster === undefined) return;
    dataDir = join(stack.dir, 'agent');
    queue = await slurmQueue();
    retrying = await slurmQueue(2);
    agent = agentProcess([queue, retrying], dataDir);
    await agent.waitFor('polling on queues');
  });

  withSlurm(
    named('a run finishes with its sbatch options in Slurm’s record of the job, its output kept'),
    async () => {
      const queued = await launch(queue, ['sleep', '1'], {
        partition: 'debug',
        time: '10',
        mem: '300M',
        'cpus-per-task': 1,
        ntasks: 1,
        nodes: 1,
      });
      const run = await started(queued);
      const jobId = await jobIdOf(run.id);
      const ended = await queued.waitUntilFinished({ timeoutMs: 60_000 });
      expect(ended).toMatchObject({ state: 'finished', exitCode: 0 });
      const log = await logText(run.id);
      // What a local process gets (tminus's and W&B's variables, the config file), plus Slurm's own.
      expect(log).toContain(`job ${jobId} attempt first run ${run.id}`);
      expect(log).toContain('config {"lr":0.5} {"lr":0.5}');
      expect(log).toContain('done');
      const record = await jobRecord(cluster!, jobId);
      expect(record).toMatchObject({
        JobName: `tminus-${run.id}`,
        Comment: `tminus run ${run.id} attempt 1`,
        JobState: 'COMPLETED',
        Partition: 'debug',
        TimeLimit: '00:10:00',
        MinMemoryNode: '300M',
        NumNodes: '1',
        NumTasks: '1',
        'CPUs/Task': '1',
      });
      // Slurm wrote the output where Slurm users look for it, and it stays after the run.
      expect(record.StdOut).toBe(join(dataDir, 'runs', 'slurm-logs', `${run.id}.1.${jobId}.out`));
      expect(readFileSync(record.StdOut!, 'utf8')).toContain(`job ${jobId} attempt first`);
    },
  );

  withSlurm(
    named('a run asking for more memory than the node has stays pending; run explain says why'),
    async () => {
      const queued = await launch(queue, ['sleep', '1'], { mem: `${cluster!.memoryMb * 2}M` });
      const run = await started(queued);
      // The agent reports Slurm's reason as soon as Slurm gives one.
      let explained = await queued.explain();
      while (explained.waiting === undefined) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        explained = await queued.explain();
      }
      expect(explained.waiting.reason).toBe('ReqNodeNotAvail');
      const cli = await runCli(['run', 'explain', queued.id], {
        TMINUS_BASE_URL: stack.url,
        TMINUS_API_KEY: stack.apiKey,
      });
      expect(cli.stdout.trim()).toMatch(
        new RegExp(
          `^Not pending: it is run ${run.id} \\(starting\\), handed to slurm, which holds it back \\(ReqNodeNotAvail\\)\\. Slurm job \\d+ is pending: the nodes that could run it are down, drained or reserved`,
        ),
      );
      expect(await stack.api.request('getRun', { params: { id: run.id } })).toMatchObject({
        state: 'starting',
        waiting: explained.waiting,
      });
      expect(await logText(run.id)).toContain(
        `tminus: waiting (ReqNodeNotAvail): ${explained.waiting.message}`,
      );
      // Cancelled while Slurm holds it: stopped, and the job is gone.
      await stack.api.request('cancelRun', { params: { id: run.id } });
      expect(await queued.waitUntilFinished({ timeoutMs: 60_000 })).toMatchObject({
        state: 'stopped',
      });
      expect(await liveJobs(cluster!, `tminus-${run.id}`)).toEqual([]);
    },
  );

  withSlurm(
    named('cancel of a running job: the run ends stopped, the job leaves squeue'),
    async () => {
      const queued = await launch(queue, ['sleep', '600']);
      const run = await started(queued);
      await lineOf(run.id, /^ready$/);
      expect(await liveJobs(cluster!, `tminus-${run.id}`)).toHaveLength(1);
      await stack.api.request('cancelRun', { params: { id: run.id } });
      expect(await queued.waitUntilFinished({ timeoutMs: 60_000 })).toMatchObject({
        state: 'stopped',
      });
      expect(await liveJobs(cluster!, `tminus-${run.id}`)).toEqual([]);
      expect(await logText(run.id)).not.toContain('done');
    },
  );

  withSlurm(
    named('a job killed at its time limit: the run fails with reason timeout'),
    async () => {
      const queued = await launch(queue, ['sleep', '600'], { time: '1' });
      const run = await started(queued);
      const jobId = await jobIdOf(run.id);
      await lineOf(run.id, /^ready$/);
      expect((await jobRecord(cluster!, jobId)).TimeLimit).toBe('00:01:00');
      // Not to wait a minute: the running job's limit is lowered, and Slurm enforces it as any
      // other (on its periodic check, within 30 s).
      await slurmCommand(cluster!, 'scontrol', ['update', `JobId=${jobId}`, 'TimeLimit=0']);
      const ended = await queued.waitUntilFinished({ timeoutMs: 120_000 });
      expect(ended).toMatchObject({
        state: 'failed',
        failure: {
          stage: 'run',
          reason: 'timeout',
          message: `Slurm ended job ${jobId} at its time limit (SIGTERM); ask for more time with resource_args.slurm.time`,
        },
      });
      expect((await jobRecord(cluster!, jobId)).JobState).toBe('TIMEOUT');
    },
  );

  withSlurm(
    named('a preempted job: its run goes back on the queue and finishes as attempt 2'),
    async () => {
      // On the low partition, with every CPU of the node: a debug job needing them preempts it.
      const queued = await launch(retrying, ['first-sleeps'], {
        partition: 'low',
        'cpus-per-task': cluster!.cpus,
      });
      const run = await started(queued);
      const first = await jobIdOf(run.id);
      await lineOf(run.id, /^ready$/);
      const blocker = (
        await slurmCommand(cluster!, 'sbatch', [
          '--parsable',
          '--partition=debug',
          `--cpus-per-task=${cluster!.cpus}`,
          '--job-name=tminus-test-blocker',
          '--output=/dev/null',
          '--wrap=sleep 1',
        ])
      ).trim();
      const ended = await queued.waitUntilFinished({ timeoutMs: 120_000 });
      expect(ended).toMatchObject({ id: run.id, state: 'finished', attempt: 2 });
      expect((await jobRecord(cluster!, first)).JobState).toBe('PREEMPTED');
      const log = await logText(run.id);
      expect(log).toContain(
        `[tminus] Slurm preempted job ${first} for a job with a higher priority; re-queued as attempt 2 of 2`,
      );
      expect(log.filter((l) => /^job \d+ attempt allow/.test(l))).toHaveLength(1);
      expect((await jobRecord(cluster!, blocker)).JobState).toBe('COMPLETED');
    },
  );
});

describe('an agent killed while its Slurm job runs', () => {
  withSlurm(
    named('a restarted agent re-attaches to the job and the run ends correctly, its output whole'),
    async () => {
      const queue = await slurmQueue();
      const dataDir = join(stack.dir, 'killed-agent');
      const first = agentProcess([queue], dataDir);
      await first.waitFor('polling on queues');
      const queued = await launch(queue, ['sleep', '4']);
      const run = await started(queued);
      const jobId = await jobIdOf(run.id);
      await lineOf(run.id, /^ready$/);
      await first.kill('SIGKILL');
      const second = agentProcess([queue], dataDir);
      try {
        await second.waitFor(`run ${run.id}: left by a previous agent; re-attached to ${jobId}`);
        expect(await queued.waitUntilFinished({ timeoutMs: 60_000 })).toMatchObject({
          state: 'finished',
          exitCode: 0,
          attempt: 1,
        });
        // Every line once: the new agent resumed after the last line the old one had read.
        const log = await logText(run.id);
        expect(log.filter((l) => l === 'ready')).toHaveLength(1);
        expect(log.filter((l) => l === 'done')).toHaveLength(1);
        expect(log.filter((l) => l.startsWith('job '))).toHaveLength(1);
      } finally {
        await second.kill();
      }
    },
  );
});
