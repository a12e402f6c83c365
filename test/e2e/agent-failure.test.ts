/**
 * Agents dying: kill -9 of a real agent process while its runs are in progress. Runs end `crashed`
 * (agent_lost) once the lease runs out, or run again as attempt 2 under maxAttempts 2; an agent
 * restarted on the machine stops the processes its predecessor left. No run stays `running`.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { launchAdd, type QueuedRun } from '@tminus/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { uploadCodeJob } from '../helpers/code-job.js';
import { spawnTminus } from '../helpers/processes.js';
import { startStack, type TestStack } from '../helpers/stack.js';

const LEASE_SECONDS = 2;
let stack: TestStack;
let jobRef: string;
let pidDir: string;

// Attempt 1 records its pid and sleeps; a retry (WANDB_RESUME=allow) finishes at once.
const SLEEPER = `import os, sys, time
open(os.path.join(os.environ["PID_DIR"], os.environ["TMINUS_RUN_ID"]), "w").write(str(os.getpid()))
print("attempt resume=" + os.environ.get("WANDB_RESUME", "no"), flush=True)
if os.environ.get("WANDB_RESUME") == "allow":
    sys.exit(0)
time.sleep(120)
`;

function agentProcess(queue: string, workDir: string) {
  return spawnTminus(['agent', '-q', queue, '--max-jobs', '4'], {
    TMINUS_BASE_URL: stack.url,
    TMINUS_API_KEY: stack.apiKey,
    TMINUS_DATA_DIR: workDir,
    PID_DIR: pidDir,
  });
}

/** Running (a killed process not yet reaped by init is a zombie: not running). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function allRunning(runs: QueuedRun[]) {
  for (const queued of runs) {
    const run = await queued.waitUntilStarted({ timeoutMs: 30_000 });
    // Running, and its first output has reached the server.
    await stack.api.request('getLogs', { params: { id: run.id }, query: { waitMs: 20_000 } });
  }
}

beforeAll(async () => {
  stack = await startStack({ leaseSeconds: LEASE_SECONDS });
  pidDir = join(stack.dir, 'pids');
  mkdirSync(pidDir);
  const code = join(stack.dir, 'code');
  mkdirSync(code);
  writeFileSync(join(code, 'sleeper.py'), SLEEPER);
  jobRef = (
    await uploadCodeJob(stack.api, code, {
      project: 'p',
      name: 'sleeper',
      entrypoint: ['python3', 'sleeper.py'],
    })
  ).ref;
  await stack.api.request('createQueue', { body: { name: 'once', maxAttempts: 1 } });
  await stack.api.request('createQueue', { body: { name: 'twice', maxAttempts: 2 } });
});
afterAll(() => stack.close());

describe('kill -9 of an agent', () => {
  it('its runs end crashed (agent_lost) after the lease; a restarted agent kills the orphaned processes', async () => {
    const workDir = join(stack.dir, 'agent-a');
    const agent = agentProcess('once', workDir);
    const runs = await Promise.all(
      [1, 2, 3].map(() => launchAdd({ api: stack.api, job: jobRef, queueName: 'once' })),
    );
    await allRunning(runs);
    await agent.kill('SIGKILL');
    for (const queued of runs) {
      const run = await queued.waitUntilFinished({ timeoutMs: (LEASE_SECONDS + 10) * 1000 });
      expect(run.state).toBe('crashed');
      expect(run.failure).toMatchObject({ stage: 'agent', reason: 'agent_lost' });
    }
    const pids = (await Promise.all(runs.map((q) => q.waitUntilStarted()))).map((r) =>
      Number(readFileSync(join(pidDir, r.id), 'utf8')),
    );
    expect(pids.every(alive)).toBe(true); // Orphans in their own process groups outlive a SIGKILLed agent...
    const restarted = agentProcess('once', workDir);
    await restarted.waitFor('polling on queues');
    // ...until the restarted agent stops them (SIGKILL is delivered asynchronously).
    for (let i = 0; i < 100 && pids.some(alive); i++) await new Promise((r) => setTimeout(r, 50));
    expect(pids.some(alive)).toBe(false);
    await restarted.kill();
  });

  it('under maxAttempts 2 the run is re-queued and runs again as attempt 2 of the same run id', async () => {
    const first = agentProcess('twice', join(stack.dir, 'agent-b'));
    const queued = await launchAdd({ api: stack.api, job: jobRef, queueName: 'twice' });
    await allRunning([queued]);
    const runId = (await queued.waitUntilStarted()).id;
    await first.kill('SIGKILL');
    const second = agentProcess('twice', join(stack.dir, 'agent-c'));
    const run = await queued.waitUntilFinished({ timeoutMs: (LEASE_SECONDS + 20) * 1000 });
    expect(run).toMatchObject({ id: runId, state: 'finished', attempt: 2, exitCode: 0 });
    const logs = (await stack.api.request('getLogs', { params: { id: runId } })).lines.map(
      (l) => l.text,
    );
    expect(logs).toContain('attempt resume=no');
    expect(logs.some((l) => l.includes('re-queued as attempt 2'))).toBe(true);
    expect(logs).toContain('attempt resume=allow');
    await second.kill();
  });
});
