/** The end-to-end baseline without tminus: the program started alone, and `runs` of it from a plain shell loop. */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { percentile } from '../stats.js';
import { PARALLELISM } from './parallelism.js';
import { ARGV, MARK } from './program.js';

/** The baseline: the same argv, `parallelism` at a time, from bash; seconds of wall time. */
export function shellLoop(dir: string, runs: number, expected: number): Promise<number> {
  const out = join(dir, `out-${randomBytes(4).toString('hex')}.txt`);
  const script = `seq ${runs} | xargs -P ${PARALLELISM} -I{} ${ARGV.join(' ')} > ${out}`;
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('/bin/bash', ['-c', script], {
      cwd: dir,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      const seconds = (performance.now() - started) / 1000;
      if (code !== 0) return reject(new Error(`shell loop exited ${code}: ${script}`));
      const lines = readFileSync(out, 'utf8')
        .split('\n')
        .filter((l) => l === `${MARK} - ${expected}`).length;
      rmSync(out, { force: true });
      if (lines !== runs)
        return reject(new Error(`shell loop: ${lines} of ${runs} programs printed their line`));
      resolve(seconds);
    });
  });
}

/** Median wall time of the program started alone, a few times in sequence (ms). */
export async function programAloneMs(dir: string, times: number): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    samples.push(
      await new Promise<number>((resolve, reject) => {
        const started = performance.now();
        const child = spawn(ARGV[0], ARGV.slice(1), { cwd: dir, stdio: 'ignore' });
        child.once('error', reject);
        child.once('exit', () => resolve(performance.now() - started));
      }),
    );
  }
  return percentile(samples, 50);
}
