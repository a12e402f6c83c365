import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { wallNs } from './stats.js';

const CLI = fileURLToPath(new URL('../../packages/tminus/bin/tminus.js', import.meta.url));

/** Starts a `tminus` process and resolves once its output matches. */
export function startTminus(args: string[], env: NodeJS.ProcessEnv, ready: RegExp): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
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
