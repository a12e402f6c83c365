/**
 * @module Git sources: a bare cache per remote (fetched only when the wanted commit is missing or a
 * branch/tag is asked for), and a per-run checkout that shares the cache's objects.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

import type { GitSource } from '@tminus/sdk/protocol';

import { checkGitRemote } from '../../core/uri-job.js';
import { execFileText } from '../../lib/exec-file.js';
import { KeyedMutex } from '../../lib/keyed-mutex.js';
import { PrepareError } from './prepare-error.js';

const SHA = /^[0-9a-f]{40}$/;
const fetches = new KeyedMutex();
const GIT_ENV = { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: 'true' };
// W&B: never run transport helpers that execute commands.
const SAFE = ['-c', 'protocol.ext.allow=never'];

function git(args: readonly string[], cwd?: string): Promise<string> {
  return execFileText('git', [...SAFE, ...args], { ...(cwd === undefined ? {} : { cwd }), env: GIT_ENV }).then((s) => s.trim());
}

async function hasCommit(cache: string, rev: string): Promise<string | undefined> {
  try {
    return await git(['--git-dir', cache, 'rev-parse', '--verify', '--quiet', `${rev}^{commit}`]);
  } catch {
    return undefined;
  }
}

export interface PreparedGit {
  readonly commit: string;
  /** Whether the cache had to fetch from the remote. */
  readonly fetched: boolean;
}

/**
 * Checks `source` out into `dir` at `version` (a commit, branch or tag), else the job's commit or
 * ref, else the remote's default branch.
 */
export async function prepareGitSource(source: GitSource, version: string | undefined, cacheDir: string, dir: string): Promise<PreparedGit> {
  const problem = checkGitRemote(source.remote);
  if (problem !== undefined) throw new PrepareError(problem, 'bad_remote');
  const wanted = version ?? source.commit ?? source.ref;
  const cache = join(cacheDir, 'git', createHash('sha256').update(source.remote).digest('hex').slice(0, 16));
  const { commit, fetched } = await fetches.run(cache, async () => {
    let fetched = false;
    if (!existsSync(join(cache, 'HEAD'))) {
      await mkdir(join(cacheDir, 'git'), { recursive: true });
      try {
        await git(['clone', '--quiet', '--mirror', '--', source.remote, cache]);
      } catch (error) {
        throw new PrepareError(`Could not clone git repository ${source.remote}: ${(error as Error).message}`, 'git_clone');
      }
      fetched = true;
    }
    const resolve = () => hasCommit(cache, wanted ?? 'HEAD');
    // A pinned commit already in the cache needs no network; a branch or tag may have moved.
    let commit = wanted !== undefined && SHA.test(wanted) ? await resolve() : undefined;
    if (commit === undefined && !fetched) {
      try {
        await git(['--git-dir', cache, 'fetch', '--quiet', '--prune', 'origin']);
      } catch (error) {
        throw new PrepareError(`Could not fetch ${source.remote}: ${(error as Error).message}`, 'git_fetch');
      }
      fetched = true;
    }
    commit ??= await resolve();
    if (commit === undefined) {
      throw new PrepareError(
        `Could not find git ref "${wanted ?? 'HEAD'}" in ${source.remote}: check the commit, branch or tag (-g/--git-version, version=)`,
        'git_ref',
      );
    }
    return { commit, fetched };
  });
  await git(['clone', '--quiet', '--shared', '--no-checkout', '--', cache, dir]);
  await git(['-C', dir, 'checkout', '--quiet', '--detach', commit]);
  return { commit, fetched };
}
