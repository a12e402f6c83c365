/**
 * @module Running the engine's CLI without a shell: `capture` collects the output of a short
 * command; `stream` hands over each line of a long one (build, push, logs --follow) as it comes.
 * Neither rejects because the command failed: the caller reads the exit code and decides.
 * Both reject when the program cannot be started at all (e.g. not installed).
 */
import { spawn } from 'node:child_process';

import type { LogStream } from '@tminus/sdk/protocol';

import { LineSplitter } from '../../lib/line-splitter.js';
import type { Command } from './argv.js';

/** The CLI to run and the environment it runs in (DOCKER_HOST, CONTAINERS_CONF, …). */
export interface EngineProgram {
  readonly program: string;
  readonly env: NodeJS.ProcessEnv;
}

export interface Captured {
  readonly stdout: string;
  readonly stderr: string;
  /** Null when a signal ended it (timeout, abort). */
  readonly exitCode: number | null;
}

export interface ExecOptions {
  readonly signal?: AbortSignal;
  /** Kill the command (SIGKILL) after this long. */
  readonly timeoutMs?: number;
}

export interface Streaming {
  /** Resolves with the exit code once the command has exited and every line was delivered. */
  readonly exited: Promise<number | null>;
  /** Ends the command (SIGTERM); `exited` still resolves. */
  stop(): void;
}

function spawnCommand(p: EngineProgram, command: Command, options: ExecOptions) {
  return spawn(p.program, command.args, {
    env: { ...p.env, ...command.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.timeoutMs === undefined
      ? {}
      : { timeout: options.timeoutMs, killSignal: 'SIGKILL' }),
  });
}

export function capture(
  p: EngineProgram,
  command: Command,
  options: ExecOptions = {},
): Promise<Captured> {
  return new Promise((resolve, reject) => {
    const child = spawnCommand(p, command, options);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    let started = false;
    child.once('spawn', () => (started = true));
    child.once('error', (error) => {
      // After a start, an error is the abort or timeout; 'close' reports it.
      if (!started) reject(error);
    });
    child.once('close', (code) =>
      resolve({
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        exitCode: code,
      }),
    );
  });
}

/** Starts the command; resolves once it runs, with a handle on its lines and its end. */
export function stream(
  p: EngineProgram,
  command: Command,
  onLine: (stream: LogStream, line: string) => void,
  options: ExecOptions = {},
): Promise<Streaming> {
  return new Promise((resolve, reject) => {
    const child = spawnCommand(p, command, options);
    const out = new LineSplitter((l) => onLine('stdout', l));
    const err = new LineSplitter((l) => onLine('stderr', l));
    child.stdout.setEncoding('utf8').on('data', (d: string) => out.push(d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => err.push(d));
    const exited = new Promise<number | null>((done) =>
      child.once('close', (code) => {
        out.end();
        err.end();
        done(code);
      }),
    );
    child.once('error', reject);
    child.once('spawn', () => resolve({ exited, stop: () => void child.kill('SIGTERM') }));
  });
}
