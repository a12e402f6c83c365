/**
 * @module A checkout's git submodules, checked out recursively as W&B's agent does. Each submodule's
 * remote (as git resolves it, relative URLs against the job's remote) passes the rule every job
 * remote passes (core/git-remote.ts), and a local one must lie under the agent's allowed
 * directories (local-repo.ts), before git fetches anything. Submodules are cloned afresh for each
 * run (not through the agent's mirror cache).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { checkGitRemote } from '../../core/git-remote.js';
import { PrepareError } from '../../runners/prepare-error.js';
import { pathUnder } from '../work-paths.js';
import { git, gitMessage } from './git-command.js';
import { type LocalRepoDirs, localRepoToClone } from './local-repo.js';

/** Nesting deeper than this is refused (a submodule that contains itself would never end). */
const MAX_DEPTH = 8;

/** `submodule.<name>.<key> value` lines of `git config --get-regexp`, as name → value. */
async function submoduleValues(args: readonly string[], key: string): Promise<Map<string, string>> {
  const text = await git([...args, '--get-regexp', `^submodule\\..*\\.${key}$`]).catch(() => '');
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^submodule\.(.+)\.[a-z]+ (.*)$/.exec(line);
    if (match?.[1] !== undefined && match[2] !== undefined) values.set(match[1], match[2]);
  }
  return values;
}

/** Checks that every submodule remote of the checkout in `dir` may be fetched; throws a PrepareError. */
function checkRemotes(urls: ReadonlyMap<string, string>, localRepos: LocalRepoDirs): void {
  for (const [name, url] of urls) {
    const check = checkGitRemote(url);
    if (!check.ok) throw new PrepareError(`Submodule ${name}: ${check.problem}`, 'bad_remote');
    if (check.kind === 'local' || check.kind === 'file')
      localRepoToClone(url, check.kind, localRepos);
  }
}

/** Checks out the submodules of the checkout in `dir` (none: nothing happens), recursively. */
export async function checkoutSubmodules(
  dir: string,
  localRepos: LocalRepoDirs,
  depth = 0,
): Promise<void> {
  if (!existsSync(join(dir, '.gitmodules'))) return;
  const paths = await submoduleValues(['-C', dir, 'config', '-f', '.gitmodules'], 'path');
  if (paths.size === 0) return;
  if (depth >= MAX_DEPTH)
    throw new PrepareError(
      `Submodules are nested more than ${MAX_DEPTH} deep in ${dir}; the agent stops there`,
      'git_submodule',
    );
  try {
    // Copies the URLs into .git/config, relative ones resolved against `origin`; fetches nothing.
    await git(['-C', dir, 'submodule', 'init']);
  } catch (error) {
    throw new PrepareError(`Could not read the submodules: ${gitMessage(error)}`, 'git_submodule');
  }
  checkRemotes(await submoduleValues(['-C', dir, 'config'], 'url'), localRepos);
  try {
    // Local remotes were checked above; git refuses file:// for submodules unless told.
    await git(['-C', dir, '-c', 'protocol.file.allow=always', 'submodule', 'update', '--quiet']);
  } catch (error) {
    throw new PrepareError(
      `Could not check out the submodules: ${gitMessage(error)}. Check that this machine can read their remotes (.gitmodules)`,
      'git_submodule',
    );
  }
  for (const path of paths.values())
    await checkoutSubmodules(pathUnder(dir, path), localRepos, depth + 1);
}
