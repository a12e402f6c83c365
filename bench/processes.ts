/**
 * Starting and stopping the processes a bench measures: `tminus` commands (optionally under extra
 * Node flags), a graceful stop, and a bare spawn of a program as the baseline.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { wallNs } from './stats.js';

/** The built CLI: from bench/dist/ when compiled (`npm run bench`), from bench/ when vitest runs the sources (the smoke test). */
const CLI = ['../../packages/tminus/bin/tminus.js', '../packages/tminus/bin/tminus.js']
  .map((relative) => fileURLToPath(new URL(relative, import.meta.url)))
  .find((path) => existsSync(path))!;

/**
 * Starts a `tminus` process and resolves once its output matches. `nodeArgs` go to Node before the
 * CLI (e.g. `--cpu-prof`, which Node refuses in NODE_OPTIONS).
 */
export function startTminus(
  args: string[],
  env: NodeJS.ProcessEnv,
  ready: RegExp,
  nodeArgs: readonly string[] = [],
): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, CLI, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      const match = ready.exec(out);
      if (match) resolve({ child, match });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`tminus ${args[0]} exited ${code}: ${out}`)));
  });
}

/** SIGTERM, then SIGKILL if it has not exited within `graceMs`; resolves once it has exited. */
export async function stopProcess(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** The baseline: spawn the program bare from Node; ms from the spawn call to the program's first timestamp. */
export function bareSpawnLatencyMs(argv: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = wallNs();
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', reject);
    child.once('close', () => resolve((Number(out.trim().split('\n')[0]) - t0) / 1e6));
  });
}
