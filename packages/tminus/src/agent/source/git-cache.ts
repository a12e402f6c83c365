/**
 * @module Git sources: one bare mirror per remote under `<cacheDir>/git/`, fetched only when the
 * wanted commit is missing or a branch/tag (which may have moved) is asked for, and a per-run
 * checkout that borrows the mirror's objects (`clone --shared`), so a run costs no network and
 * almost no disk once its commit is cached.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

import type { GitSource } from '@tminus/sdk/protocol';

import { BoundedMap } from '../../lib/bounded-map.js';
import { KeyedMutex } from '../../lib/keyed-mutex.js';
import { git, gitMessage } from './git-command.js';
import { checkoutSubmodules } from './git-submodules.js';
import { checkGitRemote } from '../../core/git-remote.js';
import { type LocalRepoDirs, localRepoPath, localRepoToClone } from './local-repo.js';
import { PrepareError } from '../../runners/prepare-error.js';
import { readDirectoryFiles, type SnapshotFiles, writeSnapshotFiles } from './snapshot-files.js';

const FULL_SHA = /^[0-9a-f]{40}$/;
/** One fetch at a time per mirror: concurrent fetches into one repository fight over ref locks. */
const mirrors = new KeyedMutex();

/**
 * Checkouts of pinned commits, kept in memory after the first run of each (its files and its small
 * `.git`, which borrows the mirror's objects) and written straight into the next run's directory:
 * a cached commit starts no git process, so a git run costs what a code run does (issue 12). Keyed
 * by mirror, commit and the remote the program sees; 'git' for a checkout too large to keep (or
 * holding links), which goes through git every time.
 */
const checkouts = new BoundedMap<string, SnapshotFiles | 'git'>(64);

/**
 * What a new clone's `.git` has that git does not need and a run never uses: example hooks, the
 * reflog of the checkout, the description, the legacy `branches` directory. Each entry kept costs
 * every later run of the commit a file or directory made (and measured by the run-dir retention).
 */
const NOT_KEPT = new Set(['.git/hooks', '.git/logs', '.git/branches', '.git/description']);
const notKept = (path: string) => NOT_KEPT.has(path);

/** Where the mirror of `remote` lives. */
export function gitMirrorPath(cacheDir: string, remote: string): string {
  return join(cacheDir, 'git', createHash('sha256').update(remote).digest('hex').slice(0, 16));
}

async function resolveCommit(mirror: string, rev: string): Promise<string | undefined> {
  try {
    return await git(['--git-dir', mirror, 'rev-parse', '--verify', '--quiet', `${rev}^{commit}`]);
  } catch {
    return undefined;
  }
}

async function cloneMirror(remote: string, mirror: string): Promise<void> {
  await mkdir(join(mirror, '..'), { recursive: true });
  // Clone beside the final path and rename: a clone cut short never looks like a usable cache.
  const partial = `${mirror}.partial-${randomBytes(4).toString('hex')}`;
  try {
    await git(['clone', '--quiet', '--mirror', '--', remote, partial]);
    await rename(partial, mirror);
  } catch (error) {
    await rm(partial, { recursive: true, force: true });
    if (existsSync(join(mirror, 'HEAD'))) return; // Another agent on this machine made it meanwhile.
    throw new PrepareError(
      `Could not clone git repository ${remote}: ${gitMessage(error)}. Check the remote and that this machine can read it (an ssh key or a git credential helper for private repositories)`,
      'git_clone',
    );
  }
}

async function fetchMirror(
  remote: string,
  mirror: string,
  extra: readonly string[] = [],
): Promise<void> {
  // gc.auto=0: runs checked out with --shared borrow this mirror's objects while they run.
  const args = [
    '-c',
    'gc.auto=0',
    '--git-dir',
    mirror,
    'fetch',
    '--quiet',
    '--prune',
    'origin',
    ...extra,
  ];
  try {
    await git(args);
  } catch (error) {
    if (extra.length > 0) return; // Best effort (fetching one commit by hash); the caller reports the missing ref.
    throw new PrepareError(`Could not fetch ${remote}: ${gitMessage(error)}`, 'git_fetch');
  }
}

export interface GitCheckout {
  /** The commit checked out. */
  readonly commit: string;
  /** Whether the mirror had to go to the remote (clone or fetch) for this run. */
  readonly fetched: boolean;
}

/** The commit `wanted` names, fetching only when the mirror cannot already answer. */
async function resolveInMirror(
  source: GitSource,
  wanted: string | undefined,
  mirror: string,
): Promise<GitCheckout> {
  let fetched = false;
  if (!existsSync(join(mirror, 'HEAD'))) {
    await cloneMirror(source.remote, mirror);
    fetched = true;
  }
  // No ref: the remote's default branch (HEAD), then W&B's main and master.
  const candidates = wanted === undefined ? ['HEAD', 'main', 'master'] : [wanted];
  const resolve = async () => {
    for (const rev of candidates) {
      const commit = await resolveCommit(mirror, rev);
      if (commit !== undefined) return commit;
    }
    return undefined;
  };
  // A full hash names the same commit forever: if the mirror has it, no network. Names may have moved.
  let commit = wanted !== undefined && FULL_SHA.test(wanted) ? await resolve() : undefined;
  if (commit === undefined && !fetched) {
    await fetchMirror(source.remote, mirror);
    fetched = true;
  }
  commit ??= await resolve();
  if (commit === undefined && wanted !== undefined && FULL_SHA.test(wanted)) {
    // A commit no branch or tag reaches any more (e.g. force-pushed away); many servers still serve it.
    await fetchMirror(source.remote, mirror, [wanted]);
    commit = await resolve();
  }
  if (commit === undefined) {
    throw new PrepareError(
      `Could not find git ref "${wanted ?? 'HEAD, main or master'}" in ${source.remote}: check the commit, branch or tag (-g/--git-version, version=)`,
      'git_ref',
    );
  }
  return { commit, fetched };
}

export interface GitSourceOptions {
  /** Where local repositories may be cloned from (local-repo.ts). */
  readonly localRepos: LocalRepoDirs;
  /**
   * Whether the checkout may borrow the mirror's objects (`clone --shared`, the default). Not when
   * the run is another user's: it could not read the agent's cache, and must not share its files.
   */
  readonly borrowObjects?: boolean;
}

/**
 * Checks `source` out into `dir` (empty or absent) at `version` (a commit, branch or tag; W&B's
 * `git.version`), else the job's pinned commit, else its ref, else the remote's default branch.
 */
export async function prepareGitSource(
  source: GitSource,
  version: string | undefined,
  cacheDir: string,
  dir: string,
  options: GitSourceOptions,
): Promise<GitCheckout> {
  const check = checkGitRemote(source.remote);
  if (!check.ok) throw new PrepareError(check.problem, 'bad_remote');
  const wanted = version || source.commit || source.ref || undefined;
  if (wanted?.startsWith('-')) {
    throw new PrepareError(
      `Could not find git ref "${wanted}" in ${source.remote}: a ref cannot start with "-"; check the commit, branch or tag (-g/--git-version, version=)`,
      'git_ref',
    );
  }
  const local = check.kind === 'local' || check.kind === 'file' ? check.kind : undefined;
  // The program sees the job's remote (`~` expanded, as a shell would); git fetches what was checked.
  const remote = local === 'local' ? localRepoPath(source.remote, local) : source.remote;
  const fetchFrom =
    local === undefined ? remote : localRepoToClone(source.remote, local, options.localRepos);
  const mirror = gitMirrorPath(cacheDir, source.remote);
  // Only a full hash names the same files forever, and only a checkout that borrows the mirror's
  // objects has a `.git` small enough to keep.
  const reusable = options.borrowObjects !== false && wanted !== undefined && FULL_SHA.test(wanted);
  const key = `${mirror}\0${wanted}\0${remote}`;
  const kept = reusable ? checkouts.get(key) : undefined;
  if (kept !== undefined && kept !== 'git') {
    writeSnapshotFiles(kept, dir);
    return { commit: wanted!, fetched: false };
  }
  const result = await mirrors.run(mirror, () =>
    resolveInMirror({ ...source, remote: fetchFrom }, wanted, mirror),
  );
  await mkdir(dir, { recursive: true });
  const borrow = options.borrowObjects === false ? '--no-hardlinks' : '--shared';
  await git(['clone', '--quiet', borrow, '--no-checkout', '--', mirror, dir]);
  await git(['-C', dir, 'checkout', '--quiet', '--detach', result.commit]);
  // The program sees the job's remote as `origin` (wandb.init records it), not the cache's path.
  await git(['-C', dir, 'remote', 'set-url', 'origin', remote]);
  // W&B's agent checks out submodules too (recursively); their remotes pass the same checks.
  await checkoutSubmodules(dir, options.localRepos);
  if (reusable && kept === undefined && result.commit === wanted)
    checkouts.set(key, readDirectoryFiles(dir, notKept) ?? 'git');
  return result;
}
