/**
 * The program every end-to-end run executes (a short Python script, ≈25 ms), its argv, the line it
 * prints and the checksum in it, and the code job that carries it.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { Api } from '@tminus/sdk';

import { codeJob } from '../code-job.js';

const PYTHON = '/usr/bin/python3';
export const ITERATIONS = 150_000;
export const ARGV = [PYTHON, '-S', 'prog.py'] as const;
/** The first word of the program's line: `MARK <run id or -> <checksum>`. */
export const MARK = 'tminus-e2e';

/**
 * The program: a little arithmetic (≈15 ms on top of ≈10 ms interpreter start), then its run id and
 * result in one write(2): the shell loop's 32 programs share one output file, where print()'s
 * several writes would interleave.
 */
const PROGRAM = `import os, sys
n = 0
for i in range(${ITERATIONS}):
    n = (n * 31 + i) % 1000003
sys.stdout.write("${MARK} %s %d\\n" % (os.environ.get("TMINUS_RUN_ID", "-"), n))
`;

/** What the program computes, so its output can be checked. */
export function checksum(): number {
  let n = 0;
  for (let i = 0; i < ITERATIONS; i++) n = (n * 31 + i) % 1000003;
  return n;
}

/** `dir` holding prog.py, to run it without tminus. */
export function writeProgram(dir: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'prog.py'), PROGRAM);
}

/** A code job `bench/<name>` running `ARGV` in a snapshot of prog.py (and a random salt, so the snapshot is new). */
export function programJob(api: Api, dir: string, name: string): Promise<string> {
  return codeJob(api, dir, name, ARGV, {
    'prog.py': PROGRAM,
    'salt.txt': randomBytes(8).toString('hex'),
  });
}
