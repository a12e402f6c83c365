/**
 * @module Paths the agent builds from values the server sent. The agent does not trust the server
 * either (a forged ack once made an honest agent write under `../../../victim`): a value is
 * validated against the protocol's schema before it names a file, and the path it makes must
 * resolve inside the directory it belongs to. Every such path is made here.
 */
import { randomBytes } from 'node:crypto';
import { isAbsolute, relative, resolve, sep } from 'node:path';

import { RunId } from '@tminus/sdk/protocol';

import { PrepareError } from '../runners/prepare-error.js';

/** Undefined for a valid run id; else a sentence naming the bad id and what is wrong with it. */
export function runIdProblem(runId: string): string | undefined {
  const parsed = RunId.safeParse(runId);
  if (parsed.success) return undefined;
  const why = parsed.error.issues[0]?.message ?? 'is invalid';
  return `The server sent the run id ${JSON.stringify(runId)}, which is not a valid run id (${why}); the agent refuses to use it`;
}

function unsafe(message: string): PrepareError {
  return new PrepareError(message, 'unsafe_path');
}

/** `base/name`, refusing a name that resolves anywhere but strictly inside `base`. */
export function pathUnder(base: string, name: string): string {
  const root = resolve(base);
  const path = resolve(root, name);
  const rel = relative(root, path);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel))
    throw unsafe(`The path ${JSON.stringify(name)} leads out of ${root}; the agent refuses it`);
  return path;
}

function checkedRunId(runId: string): string {
  const problem = runIdProblem(runId);
  if (problem !== undefined) throw unsafe(problem);
  return runId;
}

/** A fresh directory name for one execution of a run: `<workDir>/<runId>-<random>`. */
export function runDirPath(workDir: string, runId: string): string {
  return pathUnder(workDir, `${checkedRunId(runId)}-${randomBytes(4).toString('hex')}`);
}

/** The journal file of a live run: `<journalDir>/<runId>.json`. */
export function journalFilePath(journalDir: string, runId: string): string {
  return pathUnder(journalDir, `${checkedRunId(runId)}.json`);
}
