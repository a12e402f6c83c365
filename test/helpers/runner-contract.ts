/**
 * The contract every runner passes (local process, container, Slurm, Kubernetes): what the agent
 * relies on when it hands a prepared run to a runner. Programs are POSIX `sh` scripts, so the same
 * cases run in a busybox image as on the host. Each runner's test file supplies a harness.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { LogStream } from '@tminus/sdk/protocol';
import { afterAll, describe, expect, it } from 'vitest';

import { PrepareError } from '../../packages/tminus/src/runners/prepare-error.js';
import type {
  LaunchPlan,
  ProgramRef,
  Runner,
  RunningProgram,
} from '../../packages/tminus/src/runners/runner.js';
import { tempDir } from './temp.js';

export interface RunnerHarness {
  /** A runner as a freshly started agent would have it. */
  runner(): Runner;
  /** What the plan needs besides the program (an image for a container runner). */
  readonly planExtras?: Partial<LaunchPlan>;
  /** Whether the engine still runs the program (for re-attach). */
  isRunning(ref: ProgramRef): Promise<boolean>;
  /** Removes what the runner's engine kept of the runs (containers, jobs). */
  cleanup?(): Promise<void>;
}

interface Output {
  readonly lines: { stream: LogStream; text: string }[];
  readonly sink: (stream: LogStream, text: string) => void;
  /** Resolves once a line equal to `text` arrived. */
  waitFor(text: string): Promise<void>;
  texts(stream?: LogStream): string[];
}

function output(): Output {
  const lines: { stream: LogStream; text: string }[] = [];
  const waiters: { text: string; resolve: () => void }[] = [];
  return {
    lines,
    sink: (stream, text) => {
      lines.push({ stream, text });
      for (const w of waiters.filter((w) => w.text === text)) w.resolve();
    },
    waitFor: (text) =>
      lines.some((l) => l.text === text)
        ? Promise.resolve()
        : new Promise((resolve) => waiters.push({ text, resolve })),
    texts: (stream) =>
      lines.filter((l) => stream === undefined || l.stream === stream).map((l) => l.text),
  };
}

export function describeRunnerContract(name: string, harness: () => RunnerHarness): void {
  describe(`runner contract: ${name}`, () => {
    const tmp = tempDir(`runner-${name}`);
    let n = 0;
    afterAll(async () => {
      await harness().cleanup?.();
      tmp.remove();
    });

    /** A prepared run of `script` (sh -c) whose source holds `files`. */
    const plan = (script: string, files: Record<string, string> = {}): LaunchPlan => {
      const runId = `contract-${name}-${n++}`;
      const dir = join(tmp.path, runId);
      const sourceDir = join(dir, 'src');
      mkdirSync(sourceDir, { recursive: true });
      for (const [file, text] of Object.entries(files)) writeFileSync(join(sourceDir, file), text);
      const configPath = join(dir, 'config.json');
      writeFileSync(configPath, '{"lr":0.5}');
      return {
        runId,
        attempt: 1,
        argv: ['sh', '-c', script],
        runEnv: { TMINUS_RUN_ID: runId, WANDB_LAUNCH: 'True', WANDB_CONFIG: '{"lr":0.5}' },
        inherit: {
          baseEnv: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
          secretEnv: [],
          wandbCredentials: true,
        },
        dir,
        configPath,
        sourceDir,
        sourceLabel: `contract/${runId}`,
        image: undefined,
        resourceArgs: {},
        ...harness().planExtras,
      };
    };

    const start = async (p: LaunchPlan, out: Output): Promise<RunningProgram> => {
      const runner = harness().runner();
      return runner.start(await runner.prepare(p, out.sink), { onLine: out.sink });
    };

    it('delivers stdout and stderr line by line, in order, and the exit code', async () => {
      const out = output();
      const program = await start(
        plan('echo one; echo two >&2; echo three; printf "no newline"'),
        out,
      );
      expect(await program.exited).toMatchObject({ exitCode: 0 });
      expect(out.texts('stdout')).toEqual(['one', 'three', 'no newline']);
      expect(out.texts('stderr')).toEqual(['two']);
    });

    it('says the program is running once it runs (no later than its first line)', async () => {
      const out = output();
      const program = await start(plan('echo ready; sleep 1; echo done'), out);
      await out.waitFor('ready');
      let running = false;
      void program.running.then(() => (running = true));
      await program.exited;
      expect(running).toBe(true);
    });

    it("reports a failing program's exit code", async () => {
      const out = output();
      const program = await start(plan('echo failing >&2; exit 3'), out);
      expect(await program.exited).toMatchObject({ exitCode: 3 });
    });

    it("gives the program the run's variables and its config file, in the job's source", async () => {
      const out = output();
      const p = plan(
        'echo "$TMINUS_RUN_ID $WANDB_LAUNCH"; cat "$TMINUS_CONFIG_PATH"; echo; cat marker.txt',
        {
          'marker.txt': 'from the source\n',
        },
      );
      const program = await start(p, out);
      expect(await program.exited).toMatchObject({ exitCode: 0 });
      expect(out.texts('stdout')).toEqual([`${p.runId} True`, '{"lr":0.5}', 'from the source']);
    });

    it('stop: asks first (SIGTERM), and a program that ends on it is not killed', async () => {
      const out = output();
      const program = await start(
        plan('trap "echo got TERM; exit 0" TERM; echo ready; while true; do sleep 0.1; done'),
        out,
      );
      await out.waitFor('ready');
      const exit = await program.stop(30_000);
      expect(out.texts('stdout')).toContain('got TERM');
      expect(exit.exitCode).toBe(0);
    });

    it('stop: a program that ignores SIGTERM is killed after the grace period', async () => {
      const out = output();
      const program = await start(
        plan('trap "" TERM; echo ready; while true; do sleep 0.1; done'),
        out,
      );
      await out.waitFor('ready');
      const exit = await program.stop(300);
      expect(exit.exitCode).toBe(137); // 128 + SIGKILL, as shells and engines report it
      expect(await program.exited).toEqual(exit);
    });

    it("a restarted agent's runner follows the program to its end, or stops it", async () => {
      const out = output();
      const program = await start(plan('echo ready; sleep 2; echo done'), out);
      await out.waitFor('ready');
      const again = output();
      const followed = await harness().runner().reattach(program.ref, { onLine: again.sink });
      if (followed === undefined) {
        await program.exited;
        expect(await harness().isRunning(program.ref)).toBe(false);
        expect(out.texts('stdout')).not.toContain('done');
      } else {
        expect(await followed.exited).toMatchObject({ exitCode: 0 });
        expect(again.texts('stdout')).toContain('done');
      }
    });

    it('a program that does not exist fails with a message naming it', async () => {
      const out = output();
      const p = { ...plan(''), argv: ['no-such-program-xyz', '--flag'] };
      const runner = harness().runner();
      const result = await runner
        .prepare(p, out.sink)
        .then((prepared) => runner.start(prepared, { onLine: out.sink }))
        .then((program) => program.exited)
        .catch((error: unknown) => error);
      if (result instanceof PrepareError) expect(result.message).toContain('no-such-program-xyz');
      else {
        expect(result).toMatchObject({ exitCode: 127 });
        expect(out.texts().join('\n')).toContain('no-such-program-xyz');
      }
    });
  });
}
