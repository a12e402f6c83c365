/**
 * @module The I/O part of the local-process runner: spawn without a shell in its own process group,
 * stream output line by line, stop with SIGTERM then SIGKILL.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';

import type { LogStream } from '@tminus/sdk/protocol';

import type { ProcessSpec } from './spec.js';

export interface ProcessExit {
  readonly exitCode: number;
  readonly signal: NodeJS.Signals | null;
}

export interface LocalProcess {
  readonly pid: number;
  readonly exited: Promise<ProcessExit>;
  /** SIGTERM the process group; SIGKILL after `graceMs`. Resolves when the process has exited. */
  stop(graceMs: number): Promise<ProcessExit>;
}

const MAX_LINE = 64 * 1024;

/** Splits a byte stream into lines; a partial last line is flushed at the end. */
function lineSplitter(emit: (text: string) => void) {
  let pending = '';
  return {
    push(chunk: string) {
      pending += chunk;
      let nl: number;
      while ((nl = pending.indexOf('\n')) !== -1) {
        emit(pending.slice(0, nl).replace(/\r$/, ''));
        pending = pending.slice(nl + 1);
      }
      while (pending.length > MAX_LINE) {
        emit(pending.slice(0, MAX_LINE));
        pending = pending.slice(MAX_LINE);
      }
    },
    end() {
      if (pending !== '') emit(pending);
      pending = '';
    },
  };
}

export function startLocalProcess(
  spec: ProcessSpec,
  cwd: string,
  onLine: (stream: LogStream, text: string) => void,
): Promise<LocalProcess> {
  return new Promise((resolve, reject) => {
    const [command, ...args] = spec.argv;
    const child = spawn(command, args, { cwd, env: spec.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = lineSplitter((t) => onLine('stdout', t));
    const err = lineSplitter((t) => onLine('stderr', t));
    child.stdout.setEncoding('utf8').on('data', (d: string) => out.push(d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => err.push(d));
    const exited = new Promise<ProcessExit>((done) => {
      child.once('close', (code, signal) => {
        out.end();
        err.end();
        const signo = signal === null ? 0 : (constants.signals[signal] ?? 0);
        done({ exitCode: code ?? 128 + signo, signal });
      });
    });
    child.once('error', reject);
    child.once('spawn', () => {
      const pid = child.pid!;
      const killGroup = (signal: NodeJS.Signals) => {
        try {
          process.kill(-pid, signal);
        } catch {
          // Already gone.
        }
      };
      resolve({
        pid,
        exited,
        async stop(graceMs) {
          killGroup('SIGTERM');
          const timer = setTimeout(() => killGroup('SIGKILL'), graceMs);
          const exit = await exited;
          clearTimeout(timer);
          killGroup('SIGKILL'); // Leftover children in the group.
          return exit;
        },
      });
    });
  });
}
