/**
 * @module The I/O part of the local-process runner: spawn without a shell in a process group of its
 * own, stream output line by line, stop with SIGTERM then SIGKILL to the whole group.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';

import type { LogStream } from '@tminus/sdk/protocol';

import type { ProgramExit } from '../runner.js';
import { LineSplitter } from './line-splitter.js';
import { commandLine, type ProcessSpec } from './spec.js';

export interface LocalProcess {
  readonly pid: number;
  /** Resolves once the process has exited and all of its output has been delivered. */
  readonly exited: Promise<ProgramExit>;
  /** SIGTERM the process group; SIGKILL it after `graceMs`. Resolves when the process has exited. */
  stop(graceMs: number): Promise<ProgramExit>;
}

/**
 * After the main process exits, how long its leftover children may hold the output pipes open
 * before they are killed: a run ends with its main process, not with a forgotten background job.
 */
export const PIPE_DRAIN_MS = 2_000;

export function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The whole group is gone already.
  }
}

/** Starts `spec` in `cwd`; rejects if it cannot be started (e.g. the program does not exist). */
export function startLocalProcess(
  spec: ProcessSpec,
  cwd: string,
  onLine: (stream: LogStream, text: string) => void,
): Promise<LocalProcess> {
  return new Promise((resolve, reject) => {
    const [command, ...args] = commandLine(spec);
    // detached: a new session and process group, so that stop() reaches the program's children too.
    const child = spawn(command, args, {
      cwd,
      env: spec.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out = new LineSplitter((t) => onLine('stdout', t));
    const err = new LineSplitter((t) => onLine('stderr', t));
    child.stdout.setEncoding('utf8').on('data', (d: string) => out.push(d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => err.push(d));

    let drainTimer: NodeJS.Timeout | undefined;
    const exited = new Promise<ProgramExit>((done) => {
      let exit: ProgramExit | undefined;
      child.once('exit', (code, signal) => {
        const signo = signal === null ? 0 : (constants.signals[signal] ?? 0);
        exit = { exitCode: code ?? 128 + signo, signal };
        drainTimer = setTimeout(() => {
          killGroup(child.pid!, 'SIGKILL');
          child.stdout.destroy();
          child.stderr.destroy();
        }, PIPE_DRAIN_MS);
      });
      // 'close' comes after 'exit' once both pipes are closed: only then is every line delivered.
      child.once('close', (code, signal) => {
        clearTimeout(drainTimer);
        out.end();
        err.end();
        // Background processes that let go of the pipes still belong to the run.
        if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
        done(exit ?? { exitCode: code ?? 128, signal });
      });
    });

    child.once('error', reject);
    child.once('spawn', () => {
      const pid = child.pid!;
      resolve({
        pid,
        exited,
        async stop(graceMs) {
          killGroup(pid, 'SIGTERM');
          const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), graceMs);
          const exit = await exited;
          clearTimeout(timer);
          return exit;
        },
      });
    });
  });
}
